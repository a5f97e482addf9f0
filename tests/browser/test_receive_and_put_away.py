"""The handheld's main loop in real Chromium at 360x640, driven only by the keyboard the
way a keyboard-wedge scanner types (fast keys, then Enter): receive three SKUs (one
lot-tracked, scanned as GS1), finish, put everything away by scanning."""

import time

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import ONE_ENGINE, scan, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_product, receive
from warehouse import accounts, ledger
from warehouse.core.extensions import db
from warehouse.inbound.models import PutawayTask
from warehouse.ledger.models import Movement, MovementType

pytestmark = [pytest.mark.browser, ONE_ENGINE]


@pytest.fixture
def dock(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02", "A-01-03"))
    products = dict(
        bolt=make_product("BOLT-M8", gtin="9506000134352"),
        nut=make_product("NUT-M8", gtin="9506000100012"),
        glue=make_product("GLUE-50", gtin="9506000100050", lot_tracked=True, expiry_tracked=True),
    )
    receive(products["nut"], next(b for b in main.bins if b.code == "A-01-02"), 5)  # nuts live in A-01-02
    user = accounts.create_user("olga", PASSWORD, "operator")
    accounts.set_location(user, main.id)
    return main, products


def test_an_operator_receives_three_skus_and_puts_them_away_without_a_mouse(phone, dock):
    main, products = dock
    phone.set_viewport_size({"width": 360, "height": 640})
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")

    assert "Receive RCV-" in scan(phone, "PO-4711").inner_text() or phone.locator(
        "h1"
    ).inner_text().startswith("Receive RCV-")
    for _ in range(3):
        scan(phone, "9506000134352")
    # The outcome's word (OK:, Check:, Error:) comes first; the message ends the outcome.
    assert (
        scan(phone, "(01)09506000100050(17)271231(10)LOT-A1")
        .inner_text()
        .endswith(" +1 GLUE-50 lot LOT-A1: now 1.")
    )
    scan(phone, "NUT-M8")
    assert scan(phone, "4").inner_text().endswith(" Count set: 4 x NUT-M8.")

    phone.keyboard.press("Tab")  # to the Finish button, as a glove on a hardware key would
    phone.keyboard.press("Enter")
    phone.wait_for_selector("text=3 put-away task(s) ready")
    phone.goto(phone.base + "/floor/putaway")

    expected = {
        "BOLT-M8": ("9506000134352", "A-01-01", 3),
        "GLUE-50": ("(01)09506000100050(10)LOT-A1", "A-01-03", 1),
        "NUT-M8": ("9506000100012", "A-01-02", 4),
    }  # the bin already holding nuts
    for sku, (item_code, bin_code, qty) in expected.items():
        assert f"take to {bin_code}" in scan(phone, item_code).inner_text()
        assert (
            scan(phone, f"warehouse-main:{bin_code}")
            .inner_text()
            .endswith(f" Put away {qty} {sku} in {bin_code}.")
        )
        assert phone.evaluate("document.activeElement.name") == "scan"

    assert "Nothing to put away" in phone.inner_text("#step")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    db.session.rollback()
    bins = {b.code: b for b in main.bins}
    assert ledger.balance(products["bolt"].id, bins["A-01-01"].id) == (3, 0, 0)
    assert ledger.balance(products["nut"].id, bins["A-01-02"].id) == (9, 0, 0)
    assert ledger.balance(products["bolt"].id, bins["RCV-01"].id) == (0, 0, 0)
    assert ledger.verify() == []

    phone.goto(phone.base + "/movements?type=putaway")
    assert phone.locator('td[data-label="Type"]:has-text("putaway")').count() == 6


def receive_one_bolt_and_pick_its_task(phone, po):
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, po)
    scan(phone, "BOLT-M8")
    phone.keyboard.press("Tab")  # to Finish receipt
    phone.keyboard.press("Enter")
    phone.wait_for_selector("text=put-away task(s) ready")
    phone.goto(phone.base + "/floor/putaway")
    scan(phone, "BOLT-M8")


def test_a_wrong_bin_scan_is_an_error_and_moves_nothing(phone, dock):
    receive_one_bolt_and_pick_its_task(phone, "PO-1")

    outcome = scan(phone, "warehouse-main:A-01-02")
    assert outcome.get_attribute("data-result") == "error"
    assert "not the suggested bin A-01-01" in outcome.inner_text()
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Movement).where(Movement.type == MovementType.PUTAWAY)
        )
        == 0
    )


def test_a_double_enter_on_the_bin_posts_once(phone, dock):
    receive_one_bolt_and_pick_its_task(phone, "PO-2")

    phone.keyboard.type("warehouse-main:A-01-01", delay=5)
    phone.keyboard.press("Enter")
    phone.keyboard.type("warehouse-main:A-01-01", delay=5)  # the trigger pulled twice
    phone.keyboard.press("Enter")
    phone.wait_for_function(
        "() => document.body.dataset.scansInFlight === '0'"
    )  # no navigation here: strictly 0

    def putaway_movements():
        db.session.rollback()
        return db.session.scalar(
            select(func.count()).select_from(Movement).where(Movement.type == MovementType.PUTAWAY)
        )

    deadline = time.monotonic() + 5  # a loaded CI machine may answer slowly
    while putaway_movements() < 2 and time.monotonic() < deadline:
        phone.wait_for_timeout(100)
    phone.wait_for_timeout(300)  # room for a second posting, if the double Enter made one
    assert putaway_movements() == 2  # one posting: out of RCV-01, into A-01-01
    assert db.session.scalar(select(func.count()).select_from(PutawayTask)) == 1
    assert ledger.verify() == []


def test_five_scans_typed_back_to_back_arrive_as_five_scans(phone, dock, app, monkeypatch):
    serve = app.wsgi_app

    def slow_warehouse_wifi(environ, start_response):  # every answer takes 300 ms: scans overlap
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].startswith("/floor/receive/"):
            time.sleep(0.3)
        return serve(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", slow_warehouse_wifi)

    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, "PO-3")
    codes = ["9506000134352", "NUT-M8", "9506000134352", "NUT-M8", "9506000134352"]
    with phone.expect_response(lambda r: r.request.method == "POST"):
        for code in codes:  # no pause between scans: the next starts before the answer
            phone.keyboard.type(code, delay=5)
            phone.keyboard.press("Enter")
    phone.wait_for_function(
        "() => document.body.dataset.scansInFlight === '0'"
    )  # no navigation here: strictly 0
    phone.wait_for_timeout(500)

    lines = phone.inner_text(".lines")
    assert "3 x BOLT-M8" in lines and "2 x NUT-M8" in lines
    assert phone.evaluate("document.activeElement.name") == "scan"


def test_a_scan_fired_while_focus_is_elsewhere_still_lands_in_the_scan_input(phone, dock):
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, "PO-4")
    phone.locator("h1").click()  # a glove bumped the screen: focus left the input
    assert phone.evaluate("document.activeElement.name") != "scan"

    with phone.expect_response(lambda r: r.request.method == "POST"):
        phone.keyboard.type("9506000134352", delay=5)
        phone.keyboard.press("Enter")
    phone.wait_for_function(
        "() => document.body.dataset.scansInFlight === '0'"
    )  # no navigation here: strictly 0
    assert phone.inner_text("[data-outcome]").endswith(" +1 BOLT-M8: now 1.")
    assert phone.evaluate("document.activeElement.name") == "scan"


def test_the_keyboard_toggle_shows_the_soft_keyboard_for_manual_entry(phone, dock):
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    assert phone.get_attribute("#scan", "inputmode") == "none"  # scanner: keep the keyboard down
    phone.click("[data-keyboard-toggle]")
    assert phone.get_attribute("#scan", "inputmode") == "text"
    assert phone.evaluate("document.activeElement.name") == "scan"
