"""Which address a request came from: the connection's, unless trusted proxies say otherwise."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from lantern.accounts.models import SignInEvent
from lantern.accounts.tests.conftest import password_step
from lantern.audit.models import AuditEvent
from lantern.core.client_address import client_ip

FORGED = "203.0.113.66"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_a_forged_forwarded_header_is_ignored_when_not_behind_a_proxy(settings):
    settings.BEHIND_PROXY = False
    assert client_ip(request_from("198.51.100.4", FORGED)) == "198.51.100.4"


def test_behind_one_proxy_the_address_it_appended_is_used_not_the_clients_own_words(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    # The client sent "X-Forwarded-For: 203.0.113.66"; the proxy appended what it saw.
    assert client_ip(request_from("10.0.0.2", f"{FORGED}, 198.51.100.4")) == "198.51.100.4"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 2
    forwarded = f"{FORGED}, 198.51.100.4, 10.0.0.9"
    assert client_ip(request_from("10.0.0.2", forwarded)) == "198.51.100.4"


def test_a_missing_or_garbled_header_behind_a_proxy_falls_back_to_the_connection(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    assert client_ip(request_from("10.0.0.2")) == "10.0.0.2"
    assert client_ip(request_from("10.0.0.2", "not-an-address")) == "10.0.0.2"


@pytest.mark.django_db
def test_sign_in_records_locks_and_the_audit_trail_use_the_proxys_client_address(settings, alice):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{FORGED}, 198.51.100.4")
    password_step(client, "alice", "a wrong password")
    assert AccessAttempt.objects.get().ip_address == "198.51.100.4"
    password_step(client, "alice")
    assert SignInEvent.objects.get(user=alice).ip_address == "198.51.100.4"
    addresses = set(AuditEvent.objects.values_list("ip_address", flat=True))
    assert addresses <= {"198.51.100.4"}


@pytest.mark.django_db
def test_without_a_proxy_a_forged_header_changes_no_record(settings, alice):
    settings.BEHIND_PROXY = False
    client = Client(REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=FORGED)
    password_step(client, "alice", "a wrong password")
    assert AccessAttempt.objects.get().ip_address == "198.51.100.4"
    password_step(client, "alice")
    assert SignInEvent.objects.get(user=alice).ip_address == "198.51.100.4"
