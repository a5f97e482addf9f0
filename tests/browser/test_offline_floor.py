"""The handheld in a dead spot, in real Chromium at 360x640: scans typed with the network
gone wait on the device (IndexedDB), survive a reload (the service worker shows the
screen), and are applied once each, in order, when the network is back. A scan queued
under one sign-in is never sent under another."""

import pytest
from sqlalchemy import select

from tests.browser.conftest import ARGS, CHROMIUM, ONE_ENGINE, PHONE, scan, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts
from warehouse.catalog.models import Product
from warehouse.core.extensions import db
from warehouse.inbound.models import Receipt

pytestmark = [pytest.mark.browser, ONE_ENGINE]

BOLT, GLUE = "9506000134352", "(01)09506000100050(17)271231(10)LOT-A1"
# Thirty scans before the reload, five after. Typed counts ("9", "20", "3") set the count of
# the item scanned just before, so the result shows whether the order held; A-01-99 is no
# code at all and changes nothing.
BEFORE_RELOAD = (
    [BOLT, "NUT-M8"] * 6
    + ["NUT-M8", "9", GLUE, GLUE, GLUE, "A-01-99"]
    + [BOLT] * 5
    + ["BOLT-M8", "20"]
    + ["NUT-M8"] * 5
)
AFTER_RELOAD = [BOLT, BOLT, "NUT-M8", "3", GLUE]

SETTLED = "document.body.dataset.scansQueued === '0' && document.body.dataset.scansInFlight === '0'"


@pytest.fixture
def dock(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02", "A-01-03"))
    make_product("BOLT-M8", gtin="9506000134352")
    make_product("NUT-M8", gtin="9506000100012")
    make_product("GLUE-50", gtin="9506000100050", lot_tracked=True, expiry_tracked=True)
    for name in ("olga", "pat"):
        accounts.set_location(accounts.create_user(name, PASSWORD, "operator"), main.id)
    return main


def fire(page, codes):
    """A scanner firing one code after another, never waiting for an answer."""
    for code in codes:
        page.keyboard.type(code, delay=5)
        page.keyboard.press("Enter")


def queued(page, n):
    page.wait_for_function(f"() => document.body.dataset.scansQueued === '{n}'")


def open_receipt(page, po):
    """Open a receipt by scanning its PO, and wait until the screen is kept for offline use."""
    page.goto(page.base + "/floor/receive")
    scan(page, po)
    page.wait_for_function("() => document.body.dataset.offlineReady === '1'")


def lines_of(po):
    db.session.rollback()
    receipt = db.session.scalars(select(Receipt).where(Receipt.reference == po)).one()
    return sorted((line.product.sku, line.lot.code, line.qty) for line in receipt.lines if line.qty)


def test_scans_typed_offline_and_across_a_reload_are_applied_once_in_order(phone, dock):
    phone.set_viewport_size({"width": 360, "height": 640})
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")

    # A slow operator, online, waiting for every answer: what the receipt should be.
    open_receipt(phone, "PO-SLOW")
    for code in BEFORE_RELOAD + AFTER_RELOAD:
        scan(phone, code)
    slow = lines_of("PO-SLOW")
    assert slow == [("BOLT-M8", "", 22), ("GLUE-50", "LOT-A1", 4), ("NUT-M8", "", 3)]

    open_receipt(phone, "PO-DEAD-SPOT")
    receipt_url = phone.url
    phone.context.set_offline(True)
    fire(phone, BEFORE_RELOAD)
    queued(phone, 30)
    assert phone.inner_text("[data-scan-queue]").startswith("30 scans waiting")

    phone.reload()  # in the dead spot: the service worker's copy of the screen
    assert phone.url == receipt_url
    queued(phone, 30)
    fire(phone, AFTER_RELOAD)
    queued(phone, 35)
    assert lines_of("PO-DEAD-SPOT") == []  # nothing reached the server

    phone.context.set_offline(False)
    phone.wait_for_function(f"() => {SETTLED}")
    assert lines_of("PO-DEAD-SPOT") == slow
    # The unknown code's answer came while nobody watched: it waits in the bar's list.
    errors = phone.locator("[data-scan-queue-errors] li")
    assert errors.count() == 1 and errors.first.inner_text().startswith("A-01-99: ")
    errors.first.locator("button").click()
    phone.wait_for_selector("[data-scan-queue]", state="hidden")
    assert phone.evaluate("document.activeElement.name") == "scan"


def test_the_bar_shows_what_waits_and_finish_waits_for_it(phone, dock):
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    open_receipt(phone, "PO-BAR")
    phone.context.set_offline(True)
    fire(phone, [BOLT, BOLT, "NUT-M8"])
    queued(phone, 3)
    assert phone.inner_text("[data-scan-queue]") == "3 scans waiting · offline"
    assert phone.evaluate("document.body.dataset.scansInFlight") == "0"

    phone.click("text=Finish receipt")  # refused on the device: the receipt would close under them
    assert "3 scans still to be sent" in phone.inner_text("[data-outcome]")
    assert lines_of("PO-BAR") == []

    phone.context.set_offline(False)
    phone.wait_for_function(f"() => {SETTLED}")
    assert phone.locator("[data-scan-queue]").is_hidden()
    assert lines_of("PO-BAR") == [("BOLT-M8", "", 2), ("NUT-M8", "", 1)]


def test_a_scan_queued_under_one_sign_in_is_not_sent_under_another(phone, dock):
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    open_receipt(phone, "PO-OLGA")
    receipt_url = phone.url
    sent = []
    phone.on("request", lambda r: sent.append(r.url) if r.method == "POST" and r.url == receipt_url else None)
    # The Wi-Fi is up but the answers never come back: the scan stays first in line.
    phone.route(
        receipt_url, lambda route: route.abort() if route.request.method == "POST" else route.fallback()
    )
    fire(phone, [BOLT])
    phone.wait_for_function(
        "() => document.querySelector('[data-scan-queue]').innerText.includes('trying again')"
    )
    with phone.expect_navigation():
        phone.click("text=Sign out")
    phone.unroute(receipt_url)
    sent.clear()

    sign_in(phone, "pat", PASSWORD, lands_on="**/floor/")
    bar = phone.locator("[data-scan-queue]")
    bar.wait_for()
    assert bar.inner_text() == "1 scan from another sign-in is kept on this device."
    assert phone.evaluate("document.body.dataset.scansQueued") == "0"
    open_receipt(phone, "PO-PAT")  # pat works on: his own scans go, olga's stays
    scan(phone, BOLT)
    assert sent == [] and lines_of("PO-OLGA") == []
    assert lines_of("PO-PAT") == [("BOLT-M8", "", 1)]

    with phone.expect_navigation():
        phone.click("text=Sign out")
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")  # back: hers leaves at once
    phone.wait_for_function(f"() => {SETTLED}")
    assert sent == [receipt_url]
    assert lines_of("PO-OLGA") == [("BOLT-M8", "", 1)]


def test_the_service_worker_is_served_fresh_from_the_root(phone, dock):
    response = phone.request.get(phone.base + "/sw.js")
    assert response.ok
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert "__SHELL_VERSION__" not in response.text()


def test_a_count_with_the_wifi_gone_halfway_is_counted_as_scanned(phone, dock):
    """A blind count: two bins online, the Wi-Fi drops in the third aisle, the screen is
    reloaded in the dead spot, two more bins, then the Wi-Fi is back and the count is
    submitted: every bin counted as scanned, none twice."""
    bins = {b.code: b for b in dock.bins}
    bolt = db.session.scalar(select(Product).where(Product.sku == "BOLT-M8"))
    nut = db.session.scalar(select(Product).where(Product.sku == "NUT-M8"))
    for code in ("A-01-01", "A-01-02", "A-01-03"):
        receive(bolt, bins[code], 4)
        receive(nut, bins[code], 6)
    batch = counts.create(dock.id, counts.Selection(bins_like="A-01-*"), actor_id=None)
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(f"{phone.base}/floor/count/{batch.id}")
    phone.wait_for_function("() => document.body.dataset.offlineReady === '1'")
    for code in ["warehouse-main:A-01-01", BOLT, BOLT, BOLT, BOLT, "NUT-M8", "6"]:
        scan(phone, code)

    phone.context.set_offline(True)
    fire(phone, ["warehouse-main:A-01-02", BOLT, BOLT, BOLT, "NUT-M8", "5"])
    queued(phone, 6)
    phone.reload()  # in the dead spot: the service worker's copy of the screen
    queued(phone, 6)
    fire(phone, ["warehouse-main:A-01-03", "x4", BOLT, "NUT-M8", "7"])
    queued(phone, 11)
    assert counted(batch.id) == {("A-01-01", "BOLT-M8"): 4, ("A-01-01", "NUT-M8"): 6}

    phone.context.set_offline(False)
    phone.wait_for_function(f"() => {SETTLED}")
    assert counted(batch.id) == {
        ("A-01-01", "BOLT-M8"): 4,
        ("A-01-01", "NUT-M8"): 6,
        ("A-01-02", "BOLT-M8"): 3,
        ("A-01-02", "NUT-M8"): 5,
        ("A-01-03", "BOLT-M8"): 4,
        ("A-01-03", "NUT-M8"): 7,
    }
    phone.click("text=Submit count")
    phone.wait_for_selector(f"text={batch.number} submitted for review")


def counted(batch_id):
    db.session.rollback()
    return {
        (line.bin.code, line.product.sku): line.counted_qty
        for line in counts.get(batch_id).lines
        if line.counted_qty is not None
    }


def test_the_queue_survives_a_browser_restart_and_leaves_once_signed_in_again(
    browser, live_server, dock, tmp_path
):
    """The handheld's battery dies in the dead spot with three scans waiting. On the next
    start the scans are still on the device, and they are sent once the operator who made
    them is signed in again."""
    profile = tmp_path / "handheld-profile"  # the browser's own disk: IndexedDB, the service worker

    def start_browser():
        context = browser.browser_type.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=ARGS, viewport=PHONE
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.base = live_server
        return context, page

    context, page = start_browser()
    sign_in(page, "olga", PASSWORD, lands_on="**/floor/")
    open_receipt(page, "PO-RESTART")
    # In the dead spot: no scan reaches the server (offline, and any request that still
    # leaves is dropped on the way).
    page.route(page.url, lambda route: route.abort() if route.request.method == "POST" else route.fallback())
    context.set_offline(True)
    fire(page, [BOLT, BOLT, "NUT-M8"])
    queued(page, 3)
    context.close()  # the battery dies
    assert lines_of("PO-RESTART") == []

    context, page = start_browser()
    page.goto(page.base + "/floor/")
    if "/login" in page.url:  # the sign-in did not outlive the browser: sign in again
        sign_in(page, "olga", PASSWORD, lands_on="**/floor/")
    page.wait_for_function(f"() => {SETTLED}")
    assert lines_of("PO-RESTART") == [("BOLT-M8", "", 2), ("NUT-M8", "", 1)]
    context.close()
