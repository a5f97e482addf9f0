"""Accessibility in real Chromium (issue 18): axe-core over every page each role can reach,
at 360 and 1280 px, with no serious or critical violation; text at 200% on a phone without
sideways scrolling; the floor worked by keyboard alone with a focus that can be seen; and
outcomes announced and told apart without colour.

The pages come from the app's URL map, so a new page is checked without anyone adding it
here: a GET route is either visited (with real ids for the routes that take them) or
excluded below with the reason, and a test fails on any route that is neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.a11y_pages import Place, build_place
from tests.browser.conftest import ONE_ENGINE, PHONE, scan, sign_in
from tests.conftest import PASSWORD
from warehouse.accounts.models import Role
from warehouse.web.security import PUBLIC_ENDPOINTS, RANK

pytestmark = [pytest.mark.browser, ONE_ENGINE]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": PHONE, "desktop": {"width": 1280, "height": 800}}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, *(r.value for r in Role))

# GET routes that are not pages a person reads, each with the reason. Everything else is
# visited by every role allowed to open it.
NOT_PAGES = {
    "/": "redirects to the role's start page (/stock or /floor/), both visited",
    "/static/<path:filename>": "stylesheets and scripts",
    "/dashboard/tiles": "an htmx fragment of /dashboard (a plain GET redirects there)",
    "/dashboard/reports/movements.<any(csv,pdf):fmt>": "CSV/PDF download",
    "/dashboard/reports/valuation.<any(csv,pdf):fmt>": "CSV/PDF download",
    "/dashboard/reports/variances.<any(csv,pdf):fmt>": "CSV/PDF download",
    "/counts/<int(max=2147483647):id>/sheet.pdf": "PDF count sheet",
    "/replenishment/reorder.csv": "CSV download",
    "/replenishment/reorder.pdf": "PDF download",
    "/setup/export/<kind>.csv": "CSV download",
    "/setup/import/<int(max=2147483647):run_id>/skipped.csv": "CSV download",
    "/setup/labels/bins.pdf": "PDF labels",
    "/setup/labels/bins.zpl": "printer labels (ZPL)",
    "/setup/labels/products.pdf": "PDF labels",
    "/setup/labels/products.zpl": "printer labels (ZPL)",
    "/setup/users/<username>/badge.pdf": "PDF badge",
    "/transfers/<int(max=2147483647):id>/pick-list.pdf": "PDF pick list",
    "/transfers/<int(max=2147483647):id>/slip.pdf": "PDF transfer slip",
}
# Whole blueprints that serve no pages, but for the one named.
NOT_PAGE_BLUEPRINTS = {
    "vendor": "scripts and WebAssembly (htmx, the service worker, the camera's barcode decoder)",
    "api": "JSON answers",
}
API_PAGE = "api.docs_page"  # the API's documentation: the one page it has


def not_a_page(rule) -> bool:
    blueprint = rule.endpoint.rpartition(".")[0]
    return rule.rule in NOT_PAGES or (blueprint in NOT_PAGE_BLUEPRINTS and rule.endpoint != API_PAGE)


def needs_values(rule) -> bool:
    """Does the route take a value in its path (beyond the defaults it fills itself)?"""
    return bool(rule.arguments - set(rule.defaults or {}))


def get_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.rule)


def opens(app, endpoint: str, role: str) -> bool:
    """May `role` (or someone signed out) open the endpoint's page?"""
    view = app.view_functions[endpoint]
    if endpoint in PUBLIC_ENDPOINTS or getattr(view, "public", False):
        return role == ANONYMOUS
    return role != ANONYMOUS and RANK[Role(role)] >= RANK[view.required_role]


# Pages that look the same whoever opens them (no menu, nothing by role): axe checks them
# once, as the first role let in, not once per role. The API's reference is the largest
# page of all (seconds of axe on a busy machine).
SAME_FOR_EVERYONE = {API_PAGE}


def checks(app, endpoint: str, role: str) -> bool:
    """Does the axe test check the endpoint's page as `role`?"""
    if endpoint in SAME_FOR_EVERYONE:
        return role == next(r for r in ROLES if opens(app, endpoint, r))
    return opens(app, endpoint, role)


def pages_for(app, role: str, place: Place, allowed=opens) -> list[str]:
    """The paths `role` can open: each page route, with the place's ids where it needs them."""
    paths = []
    for rule in get_rules(app):
        if not_a_page(rule) or not allowed(app, rule.endpoint, role):
            continue
        if rule.endpoint in Place.endpoints_with_paths():
            paths += place.paths(rule.endpoint)
        elif not needs_values(rule):  # else the route test fails: it needs ids in a11y_pages.py
            paths.append(rule.rule)
    return paths


def test_every_get_route_is_a_visited_page_or_excluded_with_a_reason(app):
    place_paths = Place.endpoints_with_paths()
    rules = {r.rule: r for r in get_rules(app)}
    assert set(NOT_PAGES) <= set(rules), f"stale exclusions: {set(NOT_PAGES) - set(rules)}"
    unvisited = []
    for rule in rules.values():
        if not_a_page(rule):
            continue
        without_ids = needs_values(rule) and rule.endpoint not in place_paths
        if without_ids or not any(opens(app, rule.endpoint, role) for role in ROLES):
            unvisited.append(rule.rule)
    assert unvisited == [], "give these pages real ids in a11y_pages.py, or exclude them in NOT_PAGES"


# --- axe-core ---------------------------------------------------------------------------


@pytest.fixture
def place(app):
    return build_place()


def new_page(browser, live_server, viewport):
    # axe is injected as a script tag, which the pages' Content-Security-Policy refuses.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.base = live_server
    return context, page


def open_page(page, path: str):
    response = page.goto(page.base + path)
    assert response is not None and response.status < 400, f"{path}: HTTP {response and response.status}"
    kind = response.headers.get("content-type", "")
    assert kind.startswith("text/html"), f"{path} is {kind}, not a page: exclude it in NOT_PAGES"
    # Panels htmx loads on arrival are part of the page: wait until they are in.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


# Where outcomes appear on every page (the floor's answer to a scan, a flash), not
# announced: a screen reader would not say them.
UNANNOUNCED = """() => [...document.querySelectorAll('[data-outcome], .flash')]
  .filter(e => !e.closest('[role=status], [role=alert], [aria-live]')).map(e => e.outerHTML.slice(0, 80))"""


def axe_violations(page, path: str, width: str) -> list[str]:
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        f"{width} {path}: {v['id']} ({v['impact']}) {v['help']} at {node['target']}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


def sign_in_as(page, role: str):
    if role != ANONYMOUS:
        sign_in(page, role, PASSWORD, lands_on=lambda url: "/login" not in url)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_can_reach_passes_axe_at_phone_and_desktop_width(
    app, browser, live_server, place, role
):
    """Each page is loaded once and checked at both widths: the pages' layout follows
    the width through CSS alone (no script reads it), so resizing shows what loading at
    that width would, in half the time."""
    found = []
    context, page = new_page(browser, live_server, PHONE)
    try:
        sign_in_as(page, role)
        for path in pages_for(app, role, place, allowed=checks):
            open_page(page, path)
            found += [f"{path}: outcome not announced: {html}" for html in page.evaluate(UNANNOUNCED)]
            page.add_script_tag(path=str(AXE))
            for width, viewport in WIDTHS.items():
                page.set_viewport_size(viewport)
                found += axe_violations(page, path, width)
    finally:
        context.close()
    assert found == [], f"{len(found)} serious or critical axe violations for {role}:\n" + "\n".join(found)


# --- text at 200% on a phone ------------------------------------------------------------

# The outermost elements reaching past the right edge (not inside a box that scrolls or
# clips on its own): what pushes the page sideways.
OVERFLOWING = """() => {
  const past = e => e.getBoundingClientRect().right > window.innerWidth + 1;
  const clipped = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => past(e) && !clipped(e) && !(e.parentElement && past(e.parentElement)))
    .slice(0, 5).map(e => e.outerHTML.slice(0, 100));
}"""


def test_text_at_200_percent_needs_no_sideways_scrolling_at_360px(app, browser, live_server, place):
    """Every page an admin reaches (the floor screens included) with the root font at 200%:
    what a phone's larger-text setting does to pages sized in rem."""
    too_wide = []
    for role in (ANONYMOUS, Role.ADMIN.value):
        context, page = new_page(browser, live_server, PHONE)
        try:
            sign_in_as(page, role)
            for path in pages_for(app, role, place):
                open_page(page, path)
                page.evaluate("document.documentElement.style.fontSize = '200%'")
                if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                    too_wide.append(f"{path}: {page.evaluate(OVERFLOWING)}")
        finally:
            context.close()
    assert too_wide == [], "pages scrolling sideways at 200% text:\n" + "\n".join(too_wide)


# --- the keyboard -----------------------------------------------------------------------

# Mark every control a keyboard should reach, and list them. Left out on purpose: controls
# taken out of the order with tabindex=-1 (the floor's on-screen keyboard toggle, which
# someone with a keyboard does not need, so Tab goes from the scan box to the next action).
MARK_CONTROLS = """() => {
  const controls = [...document.querySelectorAll(
    'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]),'
    + ' textarea:not([disabled]), [tabindex]')]
    .filter(e => e.tabIndex >= 0 && e.getClientRects().length > 0 && !e.closest('[hidden], [inert]'));
  controls.forEach((e, i) => { e.dataset.walk = i; });
  return controls.map(e => e.outerHTML.slice(0, 80));
}"""
FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  return {walk: e.dataset.walk ?? null, seen: ring || s.boxShadow !== 'none', html: e.outerHTML.slice(0, 80)};
}"""


def walk_with_tab(page) -> tuple[list[str], list[str]]:
    """Tab through the page (twice round, wherever focus starts): the controls never
    reached, and the ones focused without a visible focus style."""
    controls = page.evaluate(MARK_CONTROLS)
    reached, unseen = set(), []
    for _ in range(2 * len(controls) + 4):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["walk"] is not None:
            reached.add(int(focused["walk"]))
            if not focused["seen"]:
                unseen.append(focused["html"])
    return [html for i, html in enumerate(controls) if i not in reached], unseen


@pytest.mark.parametrize("screen", ["/floor/", "/floor/receive/{receipt}"])
def test_the_floor_is_worked_by_keyboard_with_a_focus_that_shows(browser, live_server, place, screen):
    context, page = new_page(browser, live_server, PHONE)
    try:
        sign_in_as(page, Role.OPERATOR.value)
        open_page(page, screen.format(**place.ids))
        missed, unseen = walk_with_tab(page)
    finally:
        context.close()
    assert missed == [], f"Tab never reaches: {missed}"
    assert unseen == [], f"focused without a visible focus style: {unseen}"


# --- outcomes ---------------------------------------------------------------------------

# An outcome region: announced (role=status or aria-live, on it or around it), and told
# apart without colour (an icon, and the word: OK / Check / Error).
OUTCOME = """selector => {
  const e = document.querySelector(selector);
  const icon = getComputedStyle(e, '::before').content;
  return {
    announced: !!e.closest('[role=status], [role=alert], [aria-live]'),
    icon: !!e.querySelector('.result-icon') || (icon !== 'none' && icon !== 'normal'),
    word: !!e.querySelector('.result-word'),
    text: e.innerText,
  };
}"""


def outcome(page, selector):
    page.wait_for_selector(selector)
    return page.evaluate(OUTCOME, selector)


def test_outcomes_are_announced_and_told_apart_without_colour(browser, live_server, place):
    context, page = new_page(browser, live_server, PHONE)
    try:
        sign_in_as(page, Role.OPERATOR.value)
        page.goto(page.base + "/floor/lookup")
        scanned = scan(page, "NO-SUCH-CODE")
        assert scanned.get_attribute("data-result") == "error"
        floor = outcome(page, '[data-outcome][data-result="error"]')
        with page.expect_navigation():
            page.click("text=Sign out")
        flash = outcome(page, '.flash[data-result="ok"]')

        sign_in_as(page, Role.SUPERVISOR.value)
        page.goto(page.base + "/adjust")
        page.fill("#sku", "NO-SUCH-SKU")
        page.fill("#quantity", "1")
        page.click("text=Post adjustment")
        form = outcome(page, '#adjust-form .outcome[data-result="error"]')
    finally:
        context.close()
    for where, seen in (("floor scan", floor), ("flash", flash), ("adjust form", form)):
        assert seen["announced"] and seen["icon"] and seen["word"], f"{where}: {seen}"
