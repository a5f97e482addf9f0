"""The dashboard in real Chromium at desktop (1280x800) and phone (360x640) size: every
chart is drawn (non-empty SVG with the seeded number of bars and points, each with a real
size on screen), nothing scrolls sideways, nothing is fetched from elsewhere, and the
tiles refresh themselves through htmx polling without reloading the page."""

import pytest

from tests.browser.conftest import ONE_ENGINE, sign_in
from tests.conftest import PASSWORD
from tests.factories import receive
from tests.reporting.test_analytics import seed_history, seed_rules_alerts_transfers_counts
from warehouse import accounts

pytestmark = [pytest.mark.browser, ONE_ENGINE]

DRAWN = """(selector) => [...document.querySelectorAll(selector)]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length"""


@pytest.fixture
def seeded(app, site):
    accounts.create_user("sam", PASSWORD, "supervisor")
    history = seed_history(site)
    seed_rules_alerts_transfers_counts(history)
    return history


@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 800}, {"width": 360, "height": 640}], ids=["desktop", "phone"]
)
def test_the_charts_render_with_one_bar_per_figure(browser, live_server, seeded, size, tmp_path):
    context = browser.new_context(viewport=size)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else outside.append(r.url))
    blocked = []  # the Content-Security-Policy refused an inline <style> here once: no layout
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.base = live_server
    sign_in(page, "sam", PASSWORD)
    page.goto(page.base + "/dashboard?period=30d")
    assert page.evaluate("getComputedStyle(document.querySelector('.dash-tiles')).display") == "grid"

    assert page.evaluate(DRAWN, "#chart-flows rect.bar") == 5  # D-10 in+out, D-3 out+adjusted, D in
    assert page.evaluate(DRAWN, "#chart-values circle.point") == 60  # 2 locations x 30 days
    assert page.evaluate(DRAWN, "#chart-values polyline") == 2
    assert page.evaluate(DRAWN, "#chart-movers-units rect.bar") == 2
    assert page.evaluate(DRAWN, "#chart-movers-value rect.bar") == 2
    assert page.evaluate(DRAWN, "#chart-counts rect.bar") == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    chart_width = page.evaluate("document.querySelector('#chart-flows svg').getBoundingClientRect().width")
    assert 300 <= chart_width <= size["width"]  # scales to the screen
    shot = tmp_path / f"dashboard-{size['width']}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert outside == [] and blocked == []
    context.close()


def test_the_tiles_refresh_by_polling_without_a_reload(browser, live_server, seeded, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.base = live_server
    page.clock.install()
    sign_in(page, "sam", PASSWORD)
    page.goto(page.base + "/dashboard?location=warehouse-main")
    page.evaluate("window.sameDocument = true")  # survives an htmx swap, not a reload
    assert page.inner_text('[data-tile="units"] strong') == "255"

    receive(site.bolt, site.bin(site.main, "A-01-01"), 45)
    page.clock.run_for(31_000)

    page.wait_for_function(
        "() => document.querySelector('[data-tile=\"units\"] strong').textContent === '300'"
    )
    assert page.evaluate("window.sameDocument") is True
    context.close()
