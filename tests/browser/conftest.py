"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against a live server.
Never a browser download: `playwright install` is blocked here and not needed."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser tests: apt-get install -y chromium (.ci/run does).")
        pytest.skip(reason="Browser tests need Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def phone(browser, live_server):
    """A 360 px wide page that records any request leaving this machine."""
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.outside_requests = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else page.outside_requests.append(r.url))
    page.base = live_server
    yield page
    context.close()


def sign_in(page, username, password, lands_on="**/stock"):
    """Sign in with the keyboard only: type, Tab, type, Enter."""
    page.goto(page.base + "/login")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lands_on)
