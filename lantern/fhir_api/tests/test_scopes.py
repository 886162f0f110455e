from __future__ import annotations

from lantern.fhir_api.scopes import parse_scopes

LAB = ("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")


def test_v2_scope_allows_read_and_search_of_its_type_only():
    scopes = parse_scopes("patient/Observation.rs")
    assert scopes.allows("Observation", "r") and scopes.allows("Observation", "s")
    assert not scopes.allows("Condition", "r")


def test_v1_read_scope_means_read_and_search():
    scopes = parse_scopes("patient/Observation.read")
    assert scopes.allows("Observation", "s")
    assert scopes.to_string() == "patient/Observation.rs"


def test_wildcard_scope_covers_every_type():
    assert parse_scopes("patient/*.rs").allows("Immunization", "r")


def test_category_limited_scope_names_its_category():
    scopes = parse_scopes(
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
        "observation-category|laboratory"
    )
    assert scopes.categories("Observation", "s") == frozenset({LAB})


def test_unlimited_scope_wins_over_a_category_limited_one():
    scopes = parse_scopes(
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
        "observation-category|laboratory patient/Observation.rs"
    )
    assert scopes.categories("Observation", "s") is None


def test_nothing_covering_a_type_gives_no_categories():
    assert parse_scopes("patient/Condition.rs").categories("Observation", "s") == frozenset()


def test_launch_and_identity_flags_are_read():
    scopes = parse_scopes("openid fhirUser launch/patient offline_access")
    assert (scopes.openid, scopes.fhir_user, scopes.launch_patient, scopes.offline_access) == (
        True,
        True,
        True,
        True,
    )


def test_user_system_and_malformed_scopes_are_unknown():
    scopes = parse_scopes("user/Observation.rs system/*.rs patient/Observation.sr patient/x.rs")
    assert scopes.resources == ()
    assert scopes.unknown == (
        "user/Observation.rs",
        "system/*.rs",
        "patient/Observation.sr",
        "patient/x.rs",
    )
