"""The family pages in a real browser at 360 x 740: each loads, has one heading, does not scroll
sideways, and labels every control; the end-of-access confirmation is reached by its button."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from lantern.access.models import ProxyKind, ProxyPermission, ProxyStatus
from lantern.access.policy import patient_access
from lantern.family import services
from lantern.testing.factories import ProxyRelationshipFactory, UserFactory
from lantern.testing.page_checks import page_found, page_problems, signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

LONG_NAME = ("Maximiliana-Josephine", "Vanderberg-Oyelaran")


def busy_family(alice, bob) -> str:
    """Alice's proxies in every state, with long names; returns the token of a pending link."""
    ProxyRelationshipFactory(
        patient=alice.patient,
        proxy=UserFactory(first_name=LONG_NAME[0], last_name=LONG_NAME[1]),
        kind=ProxyKind.POWER_OF_ATTORNEY,
        permissions=int(ProxyPermission.FULL),
    )
    ProxyRelationshipFactory(
        patient=alice.patient,
        status=ProxyStatus.REVOKED,
        ended_at=timezone.now(),
        end_reason="No longer needed after the operation",
    )
    services.caregiver_invite(
        access=patient_access(alice, alice.patient_id, audit=False),
        email="maximiliana.vanderberg-oyelaran@example.org",
        reason="My niece, helps me with appointments and medicines",
        permissions=ProxyPermission.APPOINTMENTS | ProxyPermission.MEDICATIONS,
        ends_on=None,
        submission_id=uuid.uuid4(),
    )
    return re.search(r"/family/invitations/([\w-]+)/", mail.outbox[-1].body)[1]


def test_the_patients_family_pages_read_at_360_px(page, live_server, alice, bob):
    busy_family(alice, bob)
    signed_in_page(page, live_server, alice)

    problems = page_problems(page, ["/account/family/"])
    page.get_by_role("button", name="End access for Bob Baker").click()
    confirmation = page_found(page, None)

    assert not problems, problems
    assert page.locator("h1").inner_text() == "End Bob Baker's access?"
    assert (confirmation["sideways"], confirmation["unlabelled"]) == (0, [])


def test_the_invitation_pages_read_at_360_px(page, live_server, alice, bob, charlie):
    token = busy_family(alice, bob)
    page.set_viewport_size({"width": 360, "height": 740})

    anonymous = page_problems(
        page, [f"/family/invitations/{token}/", "/family/invitation/account/"]
    )
    signed_in_page(page, live_server, charlie)
    signed_in = page_problems(page, [f"/family/invitations/{token}/"])

    assert not anonymous, anonymous
    assert not signed_in, signed_in
    assert page.get_by_role("button", name="Accept").is_visible()


def test_the_console_family_pages_read_at_360_px(page, live_server, alice, bob, nora):
    busy_family(alice, bob)
    signed_in_page(page, live_server, nora)

    problems = page_problems(
        page,
        [
            f"/staff/patients/{alice.patient_id}/",
            f"/staff/patients/{alice.patient_id}/family/",
            f"/staff/patients/{alice.patient_id}/family/end/",
        ],
    )

    assert not problems, problems
