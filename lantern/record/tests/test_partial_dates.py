"""A date its source gave without a time reads as given, on the record's pages and in its PDF, in
any time zone (issue 11, point 3).

`2011-04-30` is stored at midnight UTC; read as an instant in New York it would be the evening
of Apr 29. It is a calendar date, so it shows as "Apr 30, 2011"; "2011-05" as "May 2011" and
"1990" as "1990". A value with a time is an instant and still shows in the clinic's time zone.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lantern.access.policy import patient_access
from lantern.clinical import models as clinical
from lantern.downloads import pdf
from lantern.downloads.selectors import procedures_section, record_summary
from lantern.interop.fhir_import import import_paths
from lantern.interop.tests import bundles
from lantern.interop.tests.bundles import bundle, entry, write
from lantern.interop.tests.test_partial_dates import dated_bundle
from lantern.testing.auth import sign_in
from lantern.testing.page_checks import page_problems, signed_in_page

# A problem begun late in the evening of Apr 29 in New York: 02:30 on Apr 30 in UTC.
EVENING = "2011-04-30T02:30:00+00:00"


def problems_bundle() -> dict[str, Any]:
    """The dated bundle of the import's tests, its problems named, and a blood pressure taken on
    a day (`effectiveDateTime: "2026-01-10"`)."""
    source = dated_bundle()
    names = iter(["Asthma", "Gout", "Migraine", "Eczema"])
    for item in source["entry"]:
        resource = item["resource"]
        if resource["resourceType"] == "Condition":
            resource["code"] = {"text": next(names)}
    source["entry"][4]["resource"]["onsetDateTime"] = EVENING
    return bundle(*source["entry"], entry(bundles.blood_pressure()))


def import_for(user, tmp_path) -> None:
    """Import the bundle, then give its records to `user`'s patient so they can be signed in."""
    report = import_paths([write(tmp_path / "dated.json", problems_bundle())])
    assert not report.failed, report.failed
    for model in (
        clinical.Condition,
        clinical.Immunization,
        clinical.Procedure,
        clinical.MedicationRequest,
        clinical.AllergyIntolerance,
        clinical.Encounter,
        clinical.Observation,
    ):
        model.objects.update(patient=user.patient)


def url(name: str, patient, **kwargs) -> str:
    return reverse(f"record:{name}", kwargs={"patient_id": patient.pk, **kwargs})


def row_of(content: str, name: str) -> str:
    """The table row (its HTML) that names `name`."""
    start = content.index(name)
    return content[content.rindex("<tr", 0, start) : content.index("</tr>", start)]


def record_pdf_text(user) -> str:
    access = patient_access(user, user.patient_id, audit=False)
    content = pdf.record_pdf(
        record_summary(access=access), procedures=procedures_section(access=access)
    )
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db
def test_the_problems_page_shows_each_date_as_the_source_gave_it_in_new_york(
    alice, settings, tmp_path
):
    settings.TIME_ZONE = "America/New_York"
    import_for(alice, tmp_path)

    content = sign_in(Client(), alice).get(url("problems", alice.patient)).content.decode()

    assert "Apr 30, 2011" in row_of(content, "Asthma")
    assert "Apr 29" not in row_of(content, "Asthma")
    gout = row_of(content, "Gout")
    assert "May 2011" in gout
    assert "2012" in gout
    assert "Apr 30" not in gout and "Dec 31" not in gout
    assert ">1990<" in row_of(content, "Migraine")
    assert "Dec 31, 1989" not in content
    # A real instant is read in the clinic's time zone: the evening of Apr 29 in New York.
    assert "Apr 29, 2011" in row_of(content, "Eczema")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "shown", "not_shown"),
    [
        ("immunizations", "Oct 2019", "Sep 30, 2019"),
        ("procedures", "Jun 1, 2015", "May 31, 2015"),
        ("medications", "Feb 29, 2020", "Feb 28, 2020"),
        ("allergies", "Jul 4, 2001", "Jul 3, 2001"),
        ("visits", "Dec 31, 2018", "Dec 30, 2018"),
        ("vitals", "Jan 10, 2026", "Jan 9, 2026"),
    ],
)
def test_every_record_page_shows_dates_without_a_time_unshifted(
    alice, settings, tmp_path, page, shown, not_shown
):
    settings.TIME_ZONE = "America/New_York"
    import_for(alice, tmp_path)

    content = sign_in(Client(), alice).get(url(page, alice.patient)).content.decode()

    assert shown in content
    assert not_shown not in content


@pytest.mark.django_db
def test_a_visit_dated_without_a_time_is_headed_with_its_day(alice, settings, tmp_path):
    settings.TIME_ZONE = "America/Los_Angeles"
    import_for(alice, tmp_path)
    visit = clinical.Encounter.objects.get()

    content = sign_in(Client(), alice).get(url("visit", alice.patient, visit_id=visit.pk))

    assert "on Dec 31, 2018</h1>" in content.content.decode()


@pytest.mark.django_db
def test_the_record_pdf_shows_each_date_as_the_source_gave_it_in_new_york(
    alice, settings, tmp_path
):
    settings.TIME_ZONE = "America/New_York"
    import_for(alice, tmp_path)

    text = " ".join(record_pdf_text(alice).split())

    assert "Asthma Active Apr 30, 2011" in text
    assert "Gout Active May 2011 2012" in text
    assert "Migraine Active 1990" in text
    assert "Eczema Active Apr 29, 2011" in text
    assert "Oct 2019" in text
    assert "Jun 1, 2015" in text
    assert "Dec 31, 2018" in text
    for shifted in ("Dec 31, 1989", "Apr 30, 2011 - ", "Sep 30, 2019", "May 31, 2015"):
        assert shifted not in text


@pytest.mark.django_db
def test_the_record_pdf_gives_a_birth_year_as_the_source_gave_it(alice):
    patient = alice.patient
    patient.birth_date = dt.date(1970, 1, 1)
    patient.date_precisions = {"birth_date": "year"}
    patient.save()

    text = " ".join(record_pdf_text(alice).split())

    assert "Date of birth 1970" in text
    assert "Jan 1, 1970" not in text


@pytest.mark.parametrize(
    ("precision", "words"),
    [("day", "Apr 30, 2011"), ("month", "Apr 2011"), ("year", "2011"), (None, "Apr 29, 2011")],
)
def test_the_pdf_words_a_date_at_its_precision(settings, precision, words):
    settings.TIME_ZONE = "America/New_York"

    assert pdf.when(dt.datetime(2011, 4, 30, tzinfo=dt.UTC), precision) == words


@pytest.mark.parametrize(
    ("precisions", "day", "moment"),
    [
        ({"onset_at": "day"}, "Apr 30, 2011", "Apr 30, 2011"),
        ({"onset_at": "month"}, "Apr 2011", "Apr 2011"),
        ({"onset_at": "year"}, "2011", "2011"),
        ({}, "Apr 29, 2011", "Apr 29, 2011, 8:00 PM EDT"),
    ],
)
def test_the_date_filters_give_a_date_at_its_precision_and_an_instant_in_local_time(
    settings, precisions, day, moment
):
    settings.TIME_ZONE = "America/New_York"
    problem = clinical.Condition(
        onset_at=dt.datetime(2011, 4, 30, tzinfo=dt.UTC), date_precisions=precisions
    )
    template = Template(
        '{% load lantern_dates %}{{ p|recorded_day:"onset_at" }}|{{ p|recorded_moment:"onset_at" }}'
        "|{{ p.onset_at|partial_day:precision }}"
    )

    rendered = template.render(Context({"p": problem, "precision": precisions.get("onset_at")}))

    assert rendered == f"{day}|{moment}|{day}"


@pytest.mark.django_db(transaction=True)
def test_the_problems_page_with_partial_dates_reads_at_phone_width(
    page, live_server, alice, settings, tmp_path
):
    settings.TIME_ZONE = "America/New_York"
    import_for(alice, tmp_path)
    signed_in_page(page, live_server, alice)
    problems_url = f"/patients/{alice.patient_id}/record/problems/"

    assert page_problems(page, [problems_url]) == {}
    page.goto(live_server.url + problems_url)
    started = page.locator("tr", has_text="Gout").locator("td[data-label='Started']")
    assert started.inner_text() == "May 2011"
    started = page.locator("tr", has_text="Migraine").locator("td[data-label='Started']")
    assert started.inner_text() == "1990"
