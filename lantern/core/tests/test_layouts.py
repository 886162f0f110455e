"""The page frame: layouts, error pages and the vendored front-end files they load."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import path

from lantern.core.context_processors import PATIENT_NAVIGATION
from lantern.testing.auth import sign_in

STATIC_DIR = Path(settings.BASE_DIR) / "static"
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
USWDS_CSS = STATIC_DIR / "vendor" / "uswds" / "dist" / "css" / "uswds.min.css"


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a secret detail that must never reach the page")


def form_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sent")


# The tests below that need a failing page or a form point ROOT_URLCONF at this module.
urlpatterns = [
    path("fail", failing_view),
    path("form", form_view),
]


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Serve static paths unhashed: the manifest exists only after `collectstatic`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class Page(HTMLParser):
    """The elements of a rendered page, each as (tag, attributes), and its visible text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str]]:
        """Elements with this tag and these attribute values; `class_` matches one class."""
        found = []
        for element_tag, element_attrs in self.elements:
            if tag is not None and element_tag != tag:
                continue
            if all(self._matches(element_attrs, name, value) for name, value in attrs.items()):
                found.append(element_attrs)
        return found

    @staticmethod
    def _matches(element_attrs: dict[str, str], name: str, value: str) -> bool:
        if name == "class_":
            return value in element_attrs.get("class", "").split()
        return element_attrs.get(name.replace("_", "-")) == value


def render_page(template_name: str, path: str = "/") -> Page:
    request = RequestFactory().get(path)
    return Page(render_to_string(template_name, request=request))


def assert_frame(page: Page) -> None:
    """The landmarks every full page has (WCAG: skip link, one main, labelled navigation)."""
    skip_links = page.find("a", class_="usa-skipnav")
    assert len(skip_links) == 1
    assert skip_links[0]["href"] == "#main-content"
    mains = page.find("main")
    assert len(mains) == 1
    assert mains[0]["id"] == "main-content"
    assert len(page.find(id="main-content")) == 1
    assert page.find("footer")
    assert page.find(class_="usa-identifier")


@pytest.mark.parametrize(
    "template_name", ["layouts/patient.html", "layouts/staff.html", "layouts/public.html"]
)
def test_every_layout_has_a_skip_link_one_main_and_the_identifier(template_name, settings):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    settings.EMERGENCY_NUMBER = "112"
    page = render_page(template_name)
    assert_frame(page)
    assert "Riverside Family Clinic" in page.text
    assert "In an emergency, call 112" in page.text


@pytest.mark.parametrize(
    "template_name", ["layouts/patient.html", "layouts/staff.html", "layouts/public.html"]
)
def test_every_layout_loads_uswds_and_htmx_and_gives_htmx_the_csrf_token(template_name):
    request = RequestFactory().get("/")
    html = render_to_string(template_name, request=request)
    page = Page(html)
    assert page.find("html", lang="en")
    assert page.find("meta", name="viewport")
    stylesheets = [link["href"] for link in page.find("link", rel="stylesheet")]
    assert stylesheets == [
        "/static/vendor/uswds/dist/css/uswds.min.css",
        "/static/css/lantern.css",
    ]
    head, body = html.split("</head>")
    assert "uswds-init.min.js" in head
    assert body.index("uswds.min.js") < body.index("htmx.min.js") < body.index("</body>")
    assert '"X-CSRFToken": "' in page.find("body")[0]["hx-headers"]


def test_patient_layout_has_the_built_sections_and_a_menu_button_for_small_screens():
    page = render_page("layouts/patient.html")
    navs = page.find("nav", class_="usa-nav")
    assert len(navs) == 1
    assert navs[0]["aria-label"] == "Main menu"
    assert page.find("button", class_="usa-menu-btn")
    assert page.find(class_="usa-overlay")
    # The labels are translated when drawn (gettext_lazy); on an English page they read so.
    labels = [str(item.label) for item in PATIENT_NAVIGATION]
    assert labels == [
        "Home",
        "Results",
        "Messages",
        "Appointments",
        "Medications",
        "Health record",
    ]
    for label in [*labels, "Your account", "Settings", "Security", "Sign out"]:
        assert label in page.text


def test_patient_layout_marks_the_current_section_from_the_address():
    page = render_page("layouts/patient.html", path="/results/2024/")
    current = page.find("a", class_="usa-current")
    assert len(current) == 1
    assert current[0]["href"] == "/results/"
    assert current[0]["aria-current"] == "page"


def test_home_is_current_only_on_the_home_page():
    home = render_page("layouts/patient.html", path="/").find("a", href="/", class_="usa-current")
    assert len(home) == 1
    elsewhere = render_page("layouts/patient.html", path="/messages/")
    assert not elsewhere.find("a", href="/", class_="usa-current")


def test_a_view_can_name_its_section_instead():
    request = RequestFactory().get("/somewhere-else/")
    html = render_to_string(
        "layouts/patient.html", {"current_section": "medications"}, request=request
    )
    current = Page(html).find("a", class_="usa-current")
    assert [link["href"] for link in current] == ["/medications/"]


def test_account_pages_mark_the_account_menu_as_current():
    page = render_page("layouts/patient.html", path="/two-factor/")
    assert page.find("button", class_="usa-current", aria_controls="account-menu")
    assert page.find("a", href="/two-factor/", aria_current="page")


def test_sign_out_is_a_form_that_posts_with_the_csrf_token():
    for template_name in ["layouts/patient.html", "layouts/staff.html"]:
        request = RequestFactory().get("/")
        html = render_to_string(template_name, request=request)
        form = re.search(r"<form[^>]*data-sign-out[^>]*>.*?</form>", html, re.DOTALL)
        assert form is not None
        page = Page(form.group(0))
        assert page.find("form", method="post", action="/signout/")
        assert page.find("input", type="hidden", name="csrfmiddlewaretoken")
        assert page.find("button", type="submit")
        assert "Sign out" in page.text


def test_patient_layout_has_an_empty_place_for_whose_record_is_on_screen():
    html = render_to_string("layouts/patient.html", request=RequestFactory().get("/"))
    # Nothing is shown yet: the block stays empty until proxies arrive, and it sits inside <main>
    # (before the page's own content) so that the skip link does not skip it.
    inside_main = html.split('<main id="main-content" class="lantern-main">', 1)[1]
    before_page = inside_main.split('<div class="grid-container lantern-page">', 1)[0]
    assert before_page.strip() == ""


def test_staff_layout_says_staff_console_and_has_its_own_navigation():
    page = render_page("layouts/staff.html", path="/staff/patients/")
    assert_frame(page)
    assert "Staff console" in page.text
    assert page.find(class_="lantern-staff-band")
    navs = page.find("nav", class_="usa-nav")
    assert len(navs) == 1
    assert navs[0]["aria-label"] == "Staff menu"
    for label in ["Queues", "Patients", "Enrollment requests"]:
        assert label in page.text
    # Results on hold is listed only to staff whose role sees results (see test below).
    assert "Results on hold" not in page.text
    # The admin opens only for superusers, so no one else is shown a link to it.
    assert "Admin" not in page.text
    assert "Medications" not in page.text
    current = page.find("a", class_="usa-current")
    assert [link["href"] for link in current] == ["/staff/patients/"]


def test_patient_side_never_says_staff_console():
    page = render_page("layouts/patient.html")
    assert "Staff console" not in page.text
    assert not page.find(class_="lantern-staff-band")


def test_public_layout_has_no_menu():
    page = render_page("layouts/public.html")
    assert not page.find("nav", class_="usa-nav")
    assert not page.find("button", class_="usa-menu-btn")


def test_unknown_address_shows_the_plain_not_found_page_without_the_database(client, settings):
    # No `db` fixture: pytest-django fails the test if the 404 page touches the database.
    settings.DEBUG = False
    response = client.get("/no-such-page-here/")
    assert response.status_code == 404
    page = Page(response.content.decode())
    assert_frame(page)
    assert page.find("h1")
    assert "Page not found" in page.text
    assert "Go to the home page" in page.text
    assert "no-such-page-here" not in page.text
    assert "Traceback" not in page.text
    assert "Resolver404" not in page.text


def test_server_error_page_is_plain_and_hides_the_error(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/fail")
    assert response.status_code == 500
    page = Page(response.content.decode())
    assert "Sorry, something went wrong" in page.text
    assert "It is not something you did." in page.text
    assert "secret detail" not in page.text
    assert "RuntimeError" not in page.text
    assert "Traceback" not in page.text
    assert page.find("link", rel="stylesheet", href="/static/vendor/uswds/dist/css/uswds.min.css")
    assert len(page.find("main", id="main-content")) == 1


def test_a_form_sent_without_a_valid_token_says_the_page_has_expired(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = Client(enforce_csrf_checks=True)
    response = client.post("/form", {"message": "hello"})
    assert response.status_code == 403
    page = Page(response.content.decode())
    assert page.find("h1")
    assert "This page has expired Go back, reload the page and try again." in page.text
    assert "CSRF" not in page.text
    assert_frame(page)


@pytest.mark.parametrize(
    ("template_name", "words"),
    [
        ("400.html", "Go back, reload the page and try again."),
        ("403.html", "contact the clinic"),
        ("404.html", "Page not found"),
        ("500.html", "Try again in a few minutes."),
    ],
)
def test_error_pages_render_without_a_request_or_the_portal_context(template_name, words):
    # Django renders 500.html with no context at all; the others must survive it too.
    page = Page(render_to_string(template_name))
    assert words in page.text
    assert len(page.find("h1")) == 1
    assert len(page.find("main")) == 1


def test_every_font_and_image_the_uswds_stylesheet_refers_to_is_vendored():
    css = USWDS_CSS.read_text(encoding="utf-8")
    references = {
        re.split(r"[?#]", reference.strip("'\""))[0]
        for reference in re.findall(r"url\(([^)]*)\)", css)
    }
    files = {
        reference
        for reference in references
        if reference and not reference.startswith("data:") and "/" in reference
    }
    assert any("/fonts/" in reference for reference in files)
    assert any("/img/" in reference for reference in files)
    missing = sorted(
        reference for reference in files if not (USWDS_CSS.parent / reference).resolve().is_file()
    )
    assert missing == []


def test_the_vendored_files_keep_their_licences():
    assert (STATIC_DIR / "vendor" / "uswds" / "LICENSE.md").is_file()
    assert (STATIC_DIR / "vendor" / "htmx" / "LICENSE").is_file()
    assert (STATIC_DIR / "vendor" / "README.md").is_file()


def test_every_static_file_a_template_names_exists():
    names = set()
    for template in TEMPLATES_DIR.rglob("*.html"):
        names.update(re.findall(r"{%\s*static\s+'([^']+)'\s*%}", template.read_text()))
    assert "vendor/htmx/htmx.min.js" in names
    assert sorted(name for name in names if not (STATIC_DIR / name).is_file()) == []


@pytest.mark.django_db
def test_the_results_queue_is_in_the_menu_of_staff_who_see_results_only(nora, fiona):
    nurse, front_desk = sign_in(Client(), nora), sign_in(Client(), fiona)

    assert "Results on hold" in nurse.get("/staff/").content.decode()
    front_desk_home = front_desk.get("/staff/").content.decode()
    assert "Results on hold" not in front_desk_home
    assert "results-on-hold" not in front_desk_home
    assert front_desk.get("/staff/results-on-hold/").status_code == 404
