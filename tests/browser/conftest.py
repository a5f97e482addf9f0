"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against a live server.
Never a browser download: `playwright install` is blocked here and not needed."""

import os
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 360, "height": 740}
# A browser test checks what the pages and the browser agree on, which does not depend on
# the database engine: browser test modules run on SQLite (`pytestmark = [..., ONE_ENGINE]`),
# while every domain and page test runs on both engines (tests/conftest.py). A module runs
# on both only where the engine shows through the browser (test_two_organisations.py:
# PostgreSQL's row-level security keeps the organisations apart as well).
ONE_ENGINE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


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
def live_server(app, request):
    log = ServerLog(app)
    request.node.server_log = log  # shown when the test fails (pytest_runtest_makereport)
    server = make_server("127.0.0.1", 0, log, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class ServerLog:
    """The live server's requests, in the order they were answered: a browser test that
    fails shows what the browser asked for and what it was told, with whose session."""

    def __init__(self, app):
        self.app, self.lines, self.started = app, [], time.monotonic()
        self.sessions = app.session_interface.get_signing_serializer(app)

    def __call__(self, environ, start_response):
        began = time.monotonic() - self.started

        def answer(status, headers, exc_info=None):
            cookies = [v for k, v in headers if k.lower() == "set-cookie"]
            self.lines.append(
                f"{began:7.3f}-{time.monotonic() - self.started:7.3f} {environ['REQUEST_METHOD']} "
                f"{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')} -> {status.split()[0]} "
                f"mode={environ.get('HTTP_SEC_FETCH_MODE')} sw={environ.get('HTTP_SERVICE_WORKER')} "
                f"from={environ.get('HTTP_REFERER')} sent={self._session(environ.get('HTTP_COOKIE', ''))} "
                f"set={[self._session(c.split(';')[0]) for c in cookies]}"
            )
            return start_response(status, headers, exc_info)

        return self.app(environ, answer)

    def _session(self, cookie_header):
        """Who the session cookie says, never its value: its keys, and the user's id."""
        name = self.app.config["SESSION_COOKIE_NAME"]
        for part in cookie_header.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                try:
                    data = self.sessions.loads(value) if value else {}
                except Exception:  # noqa: BLE001 - a diagnostic: say it did not load
                    return "unreadable"
                return f"user={data.get('_user_id')} keys={sorted(data)}"
        return "none"


@pytest.fixture
def phone(browser, live_server):
    """A 360 px wide page that records any request leaving this machine."""
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.outside_requests = []
    page.on(
        "request", lambda r: None if r.url.startswith(live_server) else page.outside_requests.append(r.url)
    )
    page.base = live_server
    # Every page must work under the Content-Security-Policy (warehouse/web/headers.py):
    # anything it blocks is reported on the console, and fails the test.
    page.policy_violations = []
    page.on(
        "console",
        lambda m: page.policy_violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    slowdown = float(os.environ.get("BROWSER_CPU_SLOWDOWN", "1"))
    if slowdown > 1:  # e.g. 6: a handheld's CPU, and the way races on a slow CI machine show up
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    yield page
    context.close()
    assert page.policy_violations == [], f"blocked by the Content-Security-Policy: {page.policy_violations}"


def sign_in(page, username, password, lands_on="**/stock"):
    """Sign in with the keyboard only: type, Tab, type, Enter."""
    page.goto(page.base + "/login")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lands_on)


# scan.js counts the scans it has sent and not yet put on screen in <body data-scans-in-flight>.
# The POST's response arrives before its answer is swapped in, so waiting for the response
# alone can read the previous answer on a slow machine. A scan that navigates (HX-Redirect)
# lands on a fresh page without the attribute, which also counts as settled.
SCANS_SETTLED = "!document.body.dataset.scansInFlight || document.body.dataset.scansInFlight === '0'"


def scan(page, code):
    """Type like a keyboard-wedge scanner and wait until the answer is on screen."""
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.type(code, delay=5)
        page.keyboard.press("Enter")
    page.wait_for_function(f"() => {SCANS_SETTLED}")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'scan'")
    return page.locator("[data-outcome]")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    log = getattr(item, "server_log", None)
    if log is not None and report.failed:
        report.sections.append(("live server", "\n".join(log.lines)))
    return report
