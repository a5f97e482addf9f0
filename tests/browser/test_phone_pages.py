"""The first pages in a real browser at phone size (360 px): no sideways scrolling, big
targets, the adjust form posting through htmx without a page reload."""

import pytest

from tests.browser.conftest import ONE_ENGINE, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_lot, receive
from warehouse import accounts, ledger, transfers
from warehouse.catalog.models import LocationType

pytestmark = [pytest.mark.browser, ONE_ENGINE]

SMALL_TARGETS = """() => [...document.querySelectorAll('main a, main button, main input, main select')]
  .filter(e => e.type !== 'hidden' && e.getBoundingClientRect().height < 48)
  .map(e => e.outerHTML.slice(0, 80))"""


@pytest.fixture
def supervisor(app, site):
    accounts.create_user("sam", PASSWORD, "supervisor")
    receive(site.bolt, site.bin(site.main, "A-01-01"), 12)
    return site


def test_stock_pages_fit_a_360px_screen_with_big_targets(phone, supervisor):
    sign_in(phone, "sam", PASSWORD)
    for path in ("/stock", "/stock/sku/BOLT-M8", "/movements", "/adjust"):
        phone.goto(phone.base + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert phone.evaluate(SMALL_TARGETS) == [], path
    assert phone.outside_requests == []  # htmx and everything else come from our server
    assert phone.evaluate("htmx.version").startswith("2.0.")


def test_an_adjustment_posts_through_htmx_and_swaps_only_the_form(phone, supervisor):
    sign_in(phone, "sam", PASSWORD)
    phone.goto(phone.base + "/adjust")
    phone.evaluate("window.sameDocument = true")  # survives an htmx swap, not a reload
    phone.select_option("#location", "warehouse-main")
    phone.fill("#sku", "BOLT-M8")
    phone.fill("#bin", "warehouse-main:A-01-01")  # a scanned bin label works too
    phone.fill("#quantity", "-2")
    phone.select_option("#reason", "damaged")
    phone.click("text=Post adjustment")

    outcome = phone.wait_for_selector('#adjust-form [role=status][data-result="ok"]')
    assert "On hand now 10" in outcome.inner_text()
    assert phone.evaluate("window.sameDocument") is True
    assert phone.input_value("#sku") == ""  # a fresh form, with a fresh request key
    assert ledger.balance(supervisor.bolt.id, supervisor.bin(supervisor.main, "A-01-01").id)[0] == 10


def test_a_bad_quantity_is_explained_in_the_page_and_nothing_is_posted(phone, supervisor):
    sign_in(phone, "sam", PASSWORD)
    phone.goto(phone.base + "/adjust")
    phone.select_option("#location", "warehouse-main")
    phone.fill("#sku", "BOLT-M8")
    phone.fill("#bin", "A-01-01")
    phone.fill("#quantity", "-13")
    phone.click("text=Post adjustment")

    outcome = phone.wait_for_selector('#adjust-form [role=status][data-result="error"]')
    assert "on hand 12, requested 13" in outcome.inner_text()
    assert phone.input_value("#quantity") == "-13"  # kept, so the supervisor can correct it
    assert ledger.balance(supervisor.bolt.id, supervisor.bin(supervisor.main, "A-01-01").id)[0] == 12


def test_an_approved_transfer_with_lot_allocations_fits_a_360px_screen(phone, supervisor):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    glue = supervisor.glue
    receive(glue, supervisor.bin(supervisor.main, "A-01-02"), 4, lot=make_lot(glue, "L10005-2026-11-A"))
    transfer = transfers.create(supervisor.main.id, supervisor.north.id, actor_id=None)
    transfers.add_line(transfer.id, glue, 3)
    transfers.add_line(transfer.id, supervisor.bolt, 5)
    transfers.approve(transfer.id, actor_id=None)

    sign_in(phone, "sam", PASSWORD)
    phone.goto(phone.base + f"/transfers/{transfer.id}")
    assert "A-01-02 · L10005-2026-11-A × 3" in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_browser_enforces_the_policy_and_the_suite_would_notice(phone, supervisor):
    """The pages run no inline script, and an injected one is refused: the `phone` fixture
    fails any test whose pages the policy blocks (here the block is expected, then cleared)."""
    sign_in(phone, "sam", PASSWORD)
    phone.goto(phone.base + "/adjust")
    with phone.expect_console_message(lambda m: "Content Security Policy" in m.text):
        ran = phone.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.injected = true'; document.head.appendChild(s);
                       return window.injected === true; }"""
        )
    assert ran is False
    assert any("script-src" in v for v in phone.policy_violations)
    phone.policy_violations.clear()


def test_the_answer_to_a_5000_character_scan_wraps_inside_360px(phone, supervisor):
    """A scanner reading garbage (a label's whole text block): the error names the code it
    got, and the message wraps instead of pushing the screen sideways."""
    accounts.set_location(accounts.create_user("olga", PASSWORD, "operator"), supervisor.main.id)
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/lookup")
    with phone.expect_response(lambda r: r.request.method == "POST"):
        phone.keyboard.insert_text("Q" * 5000)
        phone.keyboard.press("Enter")
    outcome = phone.locator('[data-outcome][data-result="error"]')
    outcome.wait_for()
    assert "QQQQQQQQ" in outcome.inner_text() or "too long" in outcome.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    box = outcome.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
