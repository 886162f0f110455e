"""The consent screen: what the person ticks, and whom they choose, is all the app gets."""

from __future__ import annotations

from lantern.access.models import ProxyRelationship
from lantern.access.policy import patient_access
from lantern.audit.models import ActorRole
from lantern.family.services import relationship_end
from lantern.fhir_api.bearer import caller_for_token
from lantern.fhir_api.grants import granted_scope
from lantern.fhir_api.models import AppAuthorization
from lantern.fhir_api.tests.launch import Launch, register_app

LAB = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"


def test_the_consent_screen_names_the_app_and_each_kind_in_plain_words(alice):
    application, _ = register_app(name="Health Diary")
    launch = Launch(
        application, alice, scope="launch/patient patient/Observation.rs patient/Condition.rs"
    )

    page = launch.client.get(launch.authorize_query()).content.decode()
    form = page[page.index('data-testid="consent-form"') :]
    form = form[: form.index("</form>")]

    assert "Let Health Diary see your health information?" in page
    assert "Test results" in form and "Health problems" in form
    assert "Medications" not in form
    assert "Observation" not in form and "Condition" not in form


def test_unticking_a_kind_narrows_the_granted_scope(alice):
    application, _ = register_app()
    launch = Launch(
        application,
        alice,
        scope="launch/patient offline_access patient/Observation.rs patient/Condition.rs",
    )

    tokens = launch.tokens(kinds=["results"])

    assert tokens["scope"].split() == [
        "launch/patient",
        "offline_access",
        "patient/Observation.rs",
    ]
    caller = caller_for_token(tokens["access_token"])
    assert caller.scopes.allows("Observation", "r")
    assert not caller.scopes.allows("Condition", "r")


def test_unticking_from_a_wildcard_grants_each_remaining_type(alice):
    application, _ = register_app()
    launch = Launch(application, alice, scope="launch/patient patient/*.rs")

    tokens = launch.tokens(kinds=["results", "problems"])

    assert sorted(tokens["scope"].split()) == [
        "launch/patient",
        "patient/Condition.rs",
        "patient/DiagnosticReport.rs",
        "patient/Observation.rs",
    ]


def test_unticking_everything_asks_again(alice):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = launch.consent(kinds=[])

    assert answer.status_code == 400
    assert b"Tick at least one kind" in answer.content
    assert not AppAuthorization.objects.exists()


def test_v1_and_category_limited_scopes_are_granted_as_asked(alice):
    application, _ = register_app()
    scope = f"launch/patient patient/Observation.rs?category={LAB} patient/Condition.read"
    launch = Launch(application, alice, scope=scope)

    tokens = launch.tokens()

    assert tokens["scope"].split() == scope.split()
    caller = caller_for_token(tokens["access_token"])
    assert caller.scopes.categories("Observation", "s") == {tuple(LAB.split("|"))}


def test_an_app_gets_no_more_than_the_clinic_allows_it(alice):
    application, _ = register_app(allowed_scope="launch/patient patient/Observation.rs")
    launch = Launch(application, alice, scope="launch/patient offline_access patient/*.read")

    tokens = launch.tokens()

    assert tokens["scope"].split() == ["launch/patient", "patient/Observation.rs"]
    assert "refresh_token" not in tokens


def test_write_scopes_are_narrowed_to_reading():
    assert granted_scope("patient/Observation.cruds", "patient/*.cruds") == (
        "patient/Observation.rs"
    )
    assert granted_scope("patient/Observation.write", "patient/*.rs") == ""
    assert granted_scope("user/Observation.rs system/*.rs", "patient/*.rs") == ""


def test_a_proxy_chooses_whose_record_and_gets_only_what_the_relationship_opens(alice, bob):
    application, _ = register_app()
    launch = Launch(
        application, bob, scope="launch/patient patient/Observation.rs patient/MedicationRequest.rs"
    )
    page = launch.client.get(launch.authorize_query())
    people = page.context["form"].people
    assert [access.patient for access in people] == [alice.patient]
    assert "lets the app see only: test results." in page.content.decode()

    tokens = launch.tokens(person=alice.patient, kinds=["results", "medications"])

    assert tokens["patient"] == str(alice.patient.pk)
    assert tokens["scope"].split() == ["launch/patient", "patient/Observation.rs"]
    authorization = AppAuthorization.objects.get()
    assert authorization.user == bob and authorization.patient == alice.patient


def test_a_proxy_s_app_names_them_as_related_person(alice, bob):
    application, _ = register_app()
    tokens = Launch(application, bob, scope="openid fhirUser patient/Observation.rs").tokens(
        person=alice.patient
    )

    from lantern.fhir_api.tests.test_launch import _claims

    assert "/RelatedPerson/" in _claims(tokens["id_token"])["fhirUser"]


def test_nobody_can_choose_a_patient_they_do_not_act_for(alice, charlie):
    application, _ = register_app()
    launch = Launch(application, alice)

    answer = launch.consent(person=charlie.patient)

    assert answer.status_code == 400
    assert not AppAuthorization.objects.exists()


def test_staff_cannot_connect_an_app_to_a_clinic_patient(alice, nora):
    application, _ = register_app()
    launch = Launch(application, nora)

    page = launch.client.get(launch.authorize_query())
    assert page.context["form"].people == []
    assert launch.consent(person=alice.patient).status_code == 400


def test_ending_a_proxy_relationship_revokes_the_apps_the_proxy_connected(alice, bob):
    application, _ = register_app()
    tokens = Launch(application, bob).tokens(person=alice.patient)
    relationship = ProxyRelationship.objects.get(proxy=bob, patient=alice.patient)
    own = patient_access(alice, alice.patient.pk, audit=False)
    assert own.role == ActorRole.SELF

    assert relationship_end(access=own, relationship_id=relationship.pk)

    assert caller_for_token(tokens["access_token"]) is None
    assert AppAuthorization.objects.get().revoked_at is not None
