"""Bad input: each fails its bundle with a clear reason (the file, the entry, where and what),
the same way on SQLite and PostgreSQL, and no reason ever repeats what the file holds."""

from __future__ import annotations

import codecs
import json
import logging

import pytest
from django.core.management import CommandError, call_command

from lantern.clinical import models as clinical
from lantern.interop.fhir_import import import_paths

from . import bundles
from .bundles import bundle, entry, full_bundle, write

pytestmark = pytest.mark.django_db

# A name no message may repeat: it stands for the patient data around a bad byte.
SECRET = "Quetzalcoatl-Featherstonehaugh"


def secret_bundle() -> dict:
    return bundle(
        entry(bundles.clinic()),
        entry(bundles.patient(name=[{"family": SECRET, "given": ["Alice"]}])),
    )


def test_two_entries_with_one_full_url_fail_the_bundle_naming_both(tmp_path):
    first, second = bundles.glucose(), bundles.glucose("5a5a5a5a-5555-4555-8555-555555555555")
    shared_url = f"urn:uuid:{first['id']}"
    document = bundle(
        entry(bundles.clinic()),
        entry(bundles.doctor()),
        entry(bundles.patient()),
        entry(bundles.visit()),
        entry(first),
        entry(second, full_url=shared_url),
        entry(bundles.panel(shared_url)),
    )

    report = import_paths([write(tmp_path / "twice.json", document)])

    [failure] = report.failed
    assert failure.entry_index == 5
    assert f"entries 4 and 5 have the same fullUrl {shared_url}" in failure.reason
    assert clinical.DiagnosticReport.objects.count() == clinical.Observation.objects.count() == 0


def test_a_leading_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(codecs.BOM_UTF8 + json.dumps(full_bundle()).encode())

    report = import_paths([path])

    assert report.failed == []
    assert clinical.Patient.objects.get().mrn == "MRN-0042"
    assert clinical.Observation.objects.count() == 2


def test_a_utf16_file_is_refused_with_its_encoding_named(tmp_path):
    path = tmp_path / "utf16.json"
    path.write_bytes(json.dumps(full_bundle()).encode("utf-16"))

    [failure] = import_paths([path]).failed

    assert failure.reason == "the file is UTF-16 text; FHIR JSON files must be UTF-8"


def test_invalid_utf8_is_reported_by_byte_and_line_without_quoting_the_file(
    tmp_path, capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    text = json.dumps(secret_bundle(), indent=2).encode()
    broken = text.replace(b"Featherstonehaugh", b"Featherst\xf6nehaugh")
    offset = broken.index(b"\xf6")
    path = tmp_path / "latin1.json"
    path.write_bytes(broken)

    with pytest.raises(CommandError) as raised:
        call_command("import_fhir", str(path))

    line = broken[:offset].count(b"\n") + 1
    err = capsys.readouterr().err
    assert f"{path}: entry 1: not valid UTF-8 at byte {offset} (line {line})" in err
    for shown in (err, str(raised.value), caplog.text):
        assert "Quetzal" not in shown and "Featherst" not in shown and "\\x" not in shown
    assert clinical.Patient.objects.count() == 0


def test_malformed_json_is_reported_by_byte_and_line_without_quoting_the_file(tmp_path):
    text = json.dumps(secret_bundle(), indent=2)
    broken = text.replace(f'"{SECRET}"', f'"{SECRET}" ]')
    offset = broken.encode().index(f'"{SECRET}" ]'.encode()) + len(SECRET) + 3
    path = write(tmp_path / "broken.json", broken)

    [failure] = import_paths([path]).failed

    line = broken[:offset].count("\n") + 1
    assert failure.entry_index == 1
    assert failure.reason == f"malformed JSON at byte {offset} (line {line})"


def test_a_file_cut_short_is_reported_at_its_end(tmp_path):
    text = json.dumps(secret_bundle())[:-3]
    path = write(tmp_path / "cut.json", text)

    [failure] = import_paths([path]).failed

    assert failure.reason == f"malformed JSON at byte {len(text)} (line 1)"


def test_a_nul_character_in_a_string_fails_the_bundle_naming_the_entry(tmp_path):
    document = full_bundle()
    document["entry"][4]["resource"]["note"] = [{"text": "Fasting\u0000 sample."}]

    report = import_paths([write(tmp_path / "nul.json", document)])

    [failure] = report.failed
    assert failure.entry_index == 4
    assert failure.reason == (
        "Observation.note[0].text holds a NUL character (U+0000), which cannot be stored"
    )
    assert clinical.Patient.objects.count() == clinical.Observation.objects.count() == 0


def test_a_nul_byte_not_escaped_in_the_file_fails_the_bundle_naming_the_entry(tmp_path):
    text = json.dumps(secret_bundle()).encode()
    broken = text.replace(SECRET.encode(), b"Quetzal\x00")
    path = tmp_path / "raw-nul.json"
    path.write_bytes(broken)

    [failure] = import_paths([path]).failed

    offset = broken.index(b"\x00")
    assert failure.entry_index == 1
    assert failure.reason == f"malformed JSON at byte {offset} (line 1)"


def test_a_backslash_before_u0000_is_only_text_and_imports(tmp_path):
    document = full_bundle()
    document["entry"][4]["resource"]["note"] = [{"text": "typed \\u0000 by hand"}]

    report = import_paths([write(tmp_path / "escaped.json", document)])

    assert report.failed == []
    assert clinical.Observation.objects.get(code="2345-7").note == "typed \\u0000 by hand"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda resource: resource.update(status=SECRET),
            "Encounter.status is not one of the FHIR R4 codes",
        ),
        (
            lambda resource: resource.update({SECRET: "x"}),
            "(an element FHIR does not define): Extra inputs are not permitted",
        ),
        (
            lambda resource: resource.update(resourceType=SECRET),
            "the resourceType is not a FHIR R4 resource type",
        ),
    ],
)
def test_a_value_the_importer_refuses_is_not_quoted(tmp_path, change, expected):
    document = full_bundle()
    change(document["entry"][3]["resource"])

    [failure] = import_paths([write(tmp_path / "refused.json", document)]).failed

    assert failure.entry_index == 3
    assert expected in failure.reason
    assert "Quetzal" not in failure.reason


def test_an_element_of_fhir_stu3_is_named_with_the_version_it_belongs_to(tmp_path):
    # Older Synthea and STU3 servers write Encounter.reason (R4: reasonCode).
    document = full_bundle()
    document["entry"][3]["resource"]["reason"] = [{"text": "Check-up"}]

    [failure] = import_paths([write(tmp_path / "stu3.json", document)]).failed

    assert failure.entry_index == 3
    assert failure.reason == (
        "invalid Encounter: reason: an element of FHIR STU3, not R4 (is the file FHIR STU3?)"
    )


def test_a_bundle_type_that_is_not_a_code_is_not_quoted(tmp_path):
    document = {**full_bundle(), "type": f"{SECRET} Adams"}

    [failure] = import_paths([write(tmp_path / "type.json", document)]).failed

    assert "Quetzal" not in failure.reason
    assert failure.reason.startswith("a Bundle.type that is not a FHIR Bundle type cannot be")
