"""Scans fired back to back over a slow network, in real Chromium at 360x640: every floor
POST takes 300 ms more (a Playwright route handler), so a scanner's next codes are typed
long before the answers come. The handheld sends them one at a time, in order, so
"bin, item, 5" or "item, 5" means the same fired fast as scanned slowly: on count,
receive, pick and transfer receive the document ends up as a slow operator's."""

import pytest
from sqlalchemy import select

from tests.browser.conftest import ONE_ENGINE, scan, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts, transfers
from warehouse.catalog.models import LocationType
from warehouse.core.extensions import db
from warehouse.inbound import receiving
from warehouse.inbound.models import PutawayTask, Receipt

pytestmark = [pytest.mark.browser, ONE_ENGINE]

LATENCY_MS = 300
SETTLED = "document.body.dataset.scansQueued === '0' && document.body.dataset.scansInFlight === '0'"


@pytest.fixture
def site(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "C-01-01", "C-01-02"))
    north = make_location("service-north", LocationType.SERVICE_CENTER, bins=("RCV-01", "S-01-01"))
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    bins = {b.code: b for b in main.bins}
    bolt, nut = make_product("BOLT-M8", gtin="9506000134352"), make_product("NUT-M8")
    for product in (bolt, nut):
        receive(product, bins["A-01-01"], 50)
        receive(product, bins["C-01-01"], 7)
        receive(product, bins["C-01-02"], 7)
    accounts.set_location(accounts.create_user("pia", PASSWORD, "operator"), main.id)
    accounts.set_location(accounts.create_user("rex", PASSWORD, "operator"), north.id)
    return main, north, bins, (bolt, nut)


def new_transfer(site, *, shipped=False):
    main, north, bins, (bolt, nut) = site
    transfer = transfers.create(main.id, north.id, actor_id=None)
    transfers.add_line(transfer.id, bolt, 3)
    transfers.add_line(transfer.id, nut, 2)
    transfers.approve(transfer.id, actor_id=None)
    if shipped:
        transfers.pick(transfer.id, bins["A-01-01"], bolt, 3, actor_id=None)
        transfers.pick(transfer.id, bins["A-01-01"], nut, 2, actor_id=None)
        transfers.ship(transfer.id, actor_id=None)
    return transfer


@pytest.fixture
def slow_network(phone):
    """Every floor POST waits LATENCY_MS before it leaves. The sync API runs route handlers
    in their own greenlet: page.wait_for_timeout lets Playwright go on meanwhile (time.sleep
    would stop it, and every other request with it)."""

    def delay(route):
        if route.request.method == "POST":
            phone.wait_for_timeout(LATENCY_MS)
        route.continue_()

    phone.route("**/floor/**", delay)
    return phone


def slowly(page, codes):
    for code in codes:
        scan(page, code)


def fast(page, codes):
    """A scanner firing one code after another, never waiting for an answer."""
    for code in codes:
        page.keyboard.type(code, delay=5)
        page.keyboard.press("Enter")
    page.wait_for_function(f"() => {SETTLED}")


def test_count_bin_item_quantity(slow_network, site):
    main, north, bins, products = site
    phone = slow_network
    batch = counts.create(main.id, counts.Selection(bins_like="C-01-*"), actor_id=None)
    sign_in(phone, "pia", PASSWORD, lands_on="**/floor/")
    phone.goto(f"{phone.base}/floor/count/{batch.id}")

    slowly(phone, ["warehouse-main:C-01-01", "BOLT-M8", "5", "NUT-M8", "NUT-M8"])
    fast(phone, ["warehouse-main:C-01-02", "BOLT-M8", "5", "NUT-M8", "NUT-M8"])

    db.session.rollback()
    counted = {}
    for line in counts.get(batch.id).lines:
        counted.setdefault(line.bin.code, {})[line.product.sku] = line.counted_qty
    assert counted["C-01-01"]["BOLT-M8"] == 5
    assert counted["C-01-02"] == counted["C-01-01"]


def test_receive_item_then_a_typed_count(slow_network, site):
    phone = slow_network
    sign_in(phone, "pia", PASSWORD, lands_on="**/floor/")
    results = {}
    for po, way in (("PO-SLOW", slowly), ("PO-FAST", fast)):
        phone.goto(phone.base + "/floor/receive")
        scan(phone, po)
        way(phone, ["BOLT-M8", "5", "NUT-M8", "x3", "BOLT-M8", "NUT-M8"])
        db.session.rollback()
        receipt = db.session.scalars(select(Receipt).where(Receipt.reference == po)).one()
        results[po] = sorted((line.product.sku, line.qty) for line in receipt.lines if line.qty)
    # 5 sets the bolt's count (not the nut's after it); x3 makes the next bolt scan count 3.
    assert results["PO-SLOW"] == [("BOLT-M8", 8), ("NUT-M8", 2)]
    assert results["PO-FAST"] == results["PO-SLOW"]


def test_pick_bin_then_item(slow_network, site):
    phone = slow_network
    slow, quick = new_transfer(site), new_transfer(site)
    sign_in(phone, "pia", PASSWORD, lands_on="**/floor/")
    picked = {}
    for transfer, way in ((slow, slowly), (quick, fast)):
        phone.goto(f"{phone.base}/floor/pick/{transfer.id}")
        way(phone, ["warehouse-main:A-01-01", "BOLT-M8", "BOLT-M8", "NUT-M8", "BOLT-M8"])
        db.session.rollback()
        picked[transfer.id] = sorted((l.product.sku, l.qty_picked) for l in transfers.get(transfer.id).lines)
    assert picked[slow.id] == [("BOLT-M8", 3), ("NUT-M8", 1)]
    assert picked[quick.id] == picked[slow.id]


def test_transfer_receive_item_then_a_typed_count(slow_network, site):
    phone = slow_network
    slow, quick = new_transfer(site, shipped=True), new_transfer(site, shipped=True)
    sign_in(phone, "rex", PASSWORD, lands_on="**/floor/")
    received = {}
    for transfer, way in ((slow, slowly), (quick, fast)):
        phone.goto(f"{phone.base}/floor/transfer-receive/{transfer.id}")
        way(phone, ["NUT-M8", "BOLT-M8", "3", "NUT-M8"])
        db.session.rollback()
        received[transfer.id] = sorted(
            (l.product.sku, l.qty_received) for l in transfers.get(transfer.id).lines
        )
    assert received[slow.id] == [("BOLT-M8", 3), ("NUT-M8", 2)]
    assert received[quick.id] == received[slow.id]


def test_a_scanner_burst_in_the_qty_field_goes_to_the_scan_input(phone, site):
    """The put-away screen's Qty field (how many of the task go in this bin): a person types
    2 there; the scanner then fires the bin's label while the field still has focus."""
    main, _, bins, (bolt, _) = site
    receipt = receiving.start("PO-Q", location_id=main.id, actor_id=None)
    receiving.add(receipt.id, bolt, qty=5)
    receiving.finish(receipt.id, actor_id=None)
    task = db.session.scalar(select(PutawayTask))
    sign_in(phone, "pia", PASSWORD, lands_on="**/floor/")
    phone.goto(f"{phone.base}/floor/putaway/{task.id}")
    phone.fill("#qty", "")
    phone.click("#qty")
    phone.keyboard.type("2")  # a person: one key,
    phone.wait_for_timeout(200)  # then nothing for a while (scanner keys come < 50 ms apart)
    assert phone.input_value("#qty") == "2"

    db.session.rollback()
    to = db.session.get(PutawayTask, task.id).suggested_bin.code  # opening the task suggested it
    fast(phone, [f"warehouse-main:{to}"])  # the scanner fires while the Qty field has focus
    phone.wait_for_selector(f"text=Put away 2 BOLT-M8 in {to}")  # the burst, first character too
    db.session.rollback()
    done = db.session.get(PutawayTask, task.id)
    assert (done.qty, done.to_bin.code) == (2, to)
    assert phone.evaluate("document.activeElement.name") == "scan"
