"""Patient pages, emails and text messages speak Spanish as well as English (issue 17).

The check CI runs: no patient-facing template has words a person would see outside a
translation tag, and every message the patient-facing templates and modules mark has a Spanish
translation in the repo's catalogs. Staff pages may stay in English.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from lantern.accounts.models import User
from lantern.core import translation_check
from lantern.core.translation_check import ROOT

TEMPLATES = translation_check.patient_templates()


def _id(path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", TEMPLATES, ids=_id)
def test_no_patient_facing_template_has_untranslated_words(path):
    assert translation_check.untranslated_text(path.read_text()) == []


@pytest.mark.parametrize("path", TEMPLATES + translation_check.patient_modules(), ids=_id)
def test_every_marked_message_has_a_spanish_translation(path):
    catalog = trans_real.translation("es")._catalog
    read = translation_check.messages_of(path)
    assert [key for key in read if key not in catalog] == []


def test_the_check_finds_words_outside_translation_tags():
    source = (
        "{% load i18n %}<h1>{% translate 'Your results' %}</h1>"
        '<p>{{ name }}</p><button aria-label="Close">{% translate "x" %}</button>'
        "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %} Sent {{ when }}"
        "{# a comment #}{% comment %}notes{% endcomment %}<script>var x = 'y'</script>"
    )
    assert translation_check.untranslated_text(source) == ["Close", "Sent"]


def test_the_check_reads_marked_messages_and_their_catalog_keys():
    source = (
        "{% load i18n %}{% translate 'Results' %}{% translate 'May' context 'month' %}"
        "{% blocktranslate count n=3 %}One day{% plural %}{{ n }} days{% endblocktranslate %}"
        '{{ value|default:_("None yet") }}'
    )
    assert translation_check.template_messages(source) == [
        "Results",
        "month\x04May",
        ("One day", 0),
        "None yet",
    ]
    module = 'from django.utils.translation import gettext_lazy as _\nLABEL = _("Date of birth")'
    assert translation_check.module_messages(module) == ["Date of birth"]


def test_staff_pages_are_not_checked():
    assert TEMPLATES
    assert not [p for p in TEMPLATES if "staff" in p.relative_to(ROOT).parts]


@pytest.mark.django_db
def test_the_browser_chooses_the_language_before_signing_in(client):
    response = client.get("/signin/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert response["Content-Language"] == "es"
    assert client.get("/signin/", HTTP_ACCEPT_LANGUAGE="fr")["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_header_chooser_sets_a_cookie_and_comes_back(client):
    response = client.post("/language", {"language": "es", "next": "/help/"})
    assert response.status_code == 302 and response["Location"] == "/help/"
    assert client.get("/signin/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "es"
    unsafe = client.post("/language", {"language": "es", "next": "https://elsewhere.test/"})
    assert unsafe["Location"] == "/"


@pytest.mark.django_db
def test_a_signed_in_persons_choice_wins_over_the_browser_and_is_kept(client, alice):
    from lantern.testing.auth import sign_in

    sign_in(client, alice)
    client.post("/language", {"language": "es", "next": "/"})
    alice.refresh_from_db()
    assert alice.preferred_language == "es"
    client.cookies.pop("django_language", None)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "es"


def test_dates_follow_the_language():
    import datetime as dt

    from lantern.results.templatetags.lantern_dates import day

    when = dt.date(2026, 11, 29)
    with translation.override("en"):
        assert day(when) == "Nov 29, 2026"
    with translation.override("es"):
        assert day(when) == "29 nov 2026"


def test_language_for_falls_back_to_the_clinic_default():
    from lantern.core.language import language_for

    assert language_for(User(preferred_language="es")) == "es"
    assert language_for(User(preferred_language="")) == "en"
    assert language_for(None) == "en"


def test_a_message_has_one_spanish_wording_across_the_catalogs():
    """Django keeps one translation of a message for the whole site: two catalogs that word it
    differently would show one app's wording on the other's pages (use a context to tell apart
    messages that only look alike, as "To" in a date range and in a message's recipient)."""
    import polib

    from lantern.core.translations import catalogs

    wordings: dict[tuple, dict[str, object]] = {}
    for path in catalogs():
        for entry in polib.pofile(str(path)):
            key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
            wording = tuple(sorted(entry.msgstr_plural.items())) or entry.msgstr
            wordings.setdefault(key, {})[str(path.relative_to(ROOT))] = wording
    assert {
        key: by_file for key, by_file in wordings.items() if len(set(by_file.values())) > 1
    } == {}
