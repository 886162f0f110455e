"""The installable app in Debian's Chromium: installable, its worker active, the offline page
with the network cut, nothing but static files and the offline page in its cache, emptied on
sign-out, and "Install the app" only where the browser offers it."""

from __future__ import annotations

import pytest

from lantern.testing.page_checks import signed_in_page

pytestmark = [pytest.mark.django_db(transaction=True)]

WORKER_READY = """
async () => {
  const registration = await navigator.serviceWorker.ready;
  return {scope: registration.scope, state: registration.active && registration.active.state};
}
"""

CACHED_URLS = """
async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      urls.push(new URL(request.url).pathname);
    }
  }
  return urls;
}
"""


def wait_for_worker(page, live_server) -> dict:
    page.evaluate(WORKER_READY)
    # Control starts with the next page load after the worker activates (clients.claim() also
    # takes the open page, but a reload makes it certain).
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("navigator.serviceWorker.controller.state === 'activated'")
    return page.evaluate(WORKER_READY)


def open_account_menu(page) -> None:
    page.get_by_role("button", name="Menu", exact=True).click()
    page.get_by_role("button", name="Your account", exact=True).click()


def test_chromium_reads_the_manifest_and_finds_the_portal_installable(page, live_server):
    page.goto("/signin/")
    ready = wait_for_worker(page, live_server)
    assert ready == {"scope": f"{live_server.url}/", "state": "activated"}

    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []
    assert manifest["parsed"]["scope"] == f"{live_server.url}/"
    installability = cdp.send("Page.getInstallabilityErrors")
    # Chromium checks the manifest (names, start URL, display, icons it downloads), the worker
    # and the secure origin. A Playwright context is incognito, which Chromium never installs
    # from, so that one reason is expected; any other (a missing icon, no worker) fails.
    reasons = {error["errorId"] for error in installability["installabilityErrors"]}
    assert reasons <= {"in-incognito"}, installability


def test_the_offline_page_shows_when_the_network_is_cut(page, live_server, alice):
    signed_in_page(page, live_server, alice)
    page.goto("/")
    wait_for_worker(page, live_server)

    page.context.set_offline(True)
    page.goto("/results/")

    heading = page.get_by_role("heading", level=1)
    heading.wait_for()
    assert heading.inner_text() == "You are offline"
    # Drawn from the cache with its styles: the page is laid out, not bare HTML.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.context.set_offline(False)


def test_the_worker_keeps_only_static_files_and_the_offline_page(page, live_server, alice):
    signed_in_page(page, live_server, alice)
    page.goto("/")
    wait_for_worker(page, live_server)
    for address in ["/results/", "/messages/", "/record/", "/account/", "/help/", "/"]:
        page.goto(address)
        page.get_by_role("heading", level=1).first.wait_for()

    cached = page.evaluate(CACHED_URLS)

    assert "/offline/" in cached
    assert any(url.startswith("/static/") for url in cached)
    assert [url for url in cached if url != "/offline/" and not url.startswith("/static/")] == []


def test_signing_out_empties_what_the_worker_kept(page, live_server, alice):
    signed_in_page(page, live_server, alice)
    page.goto("/")
    wait_for_worker(page, live_server)
    # Something the worker might have kept before sign-out.
    page.evaluate(
        """async () => {
          const cache = await caches.open((await caches.keys())[0]);
          await cache.put('/static/kept-before-sign-out.txt', new Response('kept'));
        }"""
    )
    assert "/static/kept-before-sign-out.txt" in page.evaluate(CACHED_URLS)

    open_account_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("heading", name="You are signed out", exact=True).wait_for()

    assert "/static/kept-before-sign-out.txt" not in page.evaluate(CACHED_URLS)


def test_install_the_app_appears_only_when_the_browser_offers_it(page, live_server, alice):
    signed_in_page(page, live_server, alice)
    page.goto("/")
    page.get_by_role("heading", level=1).first.wait_for()
    open_account_menu(page)
    install = page.get_by_role("button", name="Install the app", exact=True)
    assert install.count() == 0
    menu_height = page.locator("#account-menu").bounding_box()["height"]

    # What Chromium fires when it would install the portal (headless Chromium never prompts).
    page.evaluate(
        """() => {
          const offer = new Event('beforeinstallprompt', {cancelable: true});
          offer.prompt = () => { window.installPrompted = true; return Promise.resolve(); };
          offer.userChoice = Promise.resolve({outcome: 'accepted'});
          window.dispatchEvent(offer);
        }"""
    )

    install.wait_for()
    assert page.locator("#account-menu").bounding_box()["height"] > menu_height
    install.click()
    assert page.evaluate("window.installPrompted") is True
    assert install.count() == 0


def test_chromium_empties_the_caches_and_removes_the_worker_on_the_sign_out_header_alone(
    page, live_server, alice
):
    signed_in_page(page, live_server, alice)
    page.goto("/")
    wait_for_worker(page, live_server)
    assert page.evaluate(CACHED_URLS)
    # From now on the page script cannot come from the network, and the message to the worker
    # is not sent. Only the Clear-Site-Data header of the sign-out responses can then remove the
    # worker: had it survived, it would serve the script from its cache, which registers it.
    page.route("**/webapp/app.js", lambda route: route.abort())
    page.evaluate("navigator.serviceWorker.controller.postMessage = () => {}")

    open_account_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("heading", name="You are signed out", exact=True).wait_for()

    assert page.evaluate(CACHED_URLS) == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((r) => r.length)") == 0
