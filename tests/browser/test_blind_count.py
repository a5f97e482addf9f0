"""Blind counting on the handheld in real Chromium at 360x640, typing like a wedge
scanner: three bins, one variance and one unexpected item. The expected quantities never
reach the page."""

import pytest

from tests.browser.conftest import ONE_ENGINE, scan, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts
from warehouse.core.extensions import db
from warehouse.counts.models import CountStatus

pytestmark = [pytest.mark.browser, ONE_ENGINE]


@pytest.fixture
def batch(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02", "A-01-03"))
    bins = {b.code: b for b in main.bins}
    bolt, nut, pin = (
        make_product("BOLT-M8", gtin="9506000134352"),
        make_product("NUT-M8"),
        make_product("PIN-3"),
    )
    receive(bolt, bins["A-01-01"], 7919)  # an unusual number: it must not appear anywhere
    receive(nut, bins["A-01-02"], 3)
    receive(pin, bins["A-01-03"], 2)
    boss = accounts.create_user("sam", PASSWORD, "supervisor")
    accounts.set_location(accounts.create_user("cora", PASSWORD, "operator"), main.id)
    return counts.create(main.id, counts.Selection(bins_like="A-01-*"), actor_id=boss.id), bins


def test_a_counter_counts_three_bins_blind(phone, batch):
    batch, bins = batch
    seen = []
    phone.on("response", lambda r: seen.append(r.text()) if r.request.method == "POST" else None)
    sign_in(phone, "cora", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/count")
    with phone.expect_navigation():
        phone.keyboard.type(batch.number, delay=5)
        phone.keyboard.press("Enter")
    assert phone.url.endswith(f"/floor/count/{batch.id}")

    scan(phone, "warehouse-main:A-01-01")
    scan(phone, "BOLT-M8")
    assert scan(phone, "7917").inner_text().endswith(" Counted BOLT-M8 in A-01-01: 7917.")  # 2 missing
    scan(phone, "warehouse-main:A-01-02")
    for _ in range(3):
        scan(phone, "NUT-M8")
    assert "not expected here" in scan(phone, "PIN-3").inner_text()  # a pin in the nut bin
    scan(phone, "warehouse-main:A-01-03")
    phone.click("text=Bin A-01-03 empty")  # asks first, saying what it will do
    phone.wait_for_selector("text=will be counted as 0")
    phone.wait_for_timeout(1200)  # a person reads it first: a second touch at once is a double tap
    phone.click("text=Confirm: A-01-03 is empty")
    phone.wait_for_selector("text=A-01-03 counted as empty")
    phone.click("text=Submit count")
    phone.wait_for_selector(f"text={batch.number} submitted for review.")

    db.session.rollback()
    batch = counts.get(batch.id)
    assert batch.status is CountStatus.SUBMITTED
    assert sorted((l.bin.code, l.product.sku, l.variance) for l in batch.lines) == [
        ("A-01-01", "BOLT-M8", -2),
        ("A-01-02", "NUT-M8", 0),
        ("A-01-02", "PIN-3", 1),
        ("A-01-03", "PIN-3", -2),
    ]
    pages = seen + [phone.content()]
    assert not any(written in page for page in pages for written in ("7919", "7,919"))  # any grouping
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The supervisor, on a tablet, accepts the bolt variance and asks a recount of the pin.
    lines = {(l.bin.code, l.product.sku): l for l in batch.lines}
    tablet = phone.context.browser.new_context(viewport={"width": 800, "height": 1000}).new_page()
    tablet.base = phone.base
    sign_in(tablet, "sam", PASSWORD)
    tablet.goto(f"{phone.base}/counts/{batch.id}")
    assert "7,919" in tablet.inner_text("#count")  # the supervisor does see the expected quantity
    tablet.check(f"input[name=line][value='{lines[('A-01-01', 'BOLT-M8')].id}']")
    tablet.click("button[value=accept]")
    tablet.wait_for_selector("text=Accepted")
    tablet.check(f"input[name=line][value='{lines[('A-01-02', 'PIN-3')].id}']")
    tablet.click("button[value=recount]")
    tablet.wait_for_selector("text=Recount asked for: 1 line.")
    db.session.rollback()
    from warehouse import ledger

    assert ledger.balance(lines[("A-01-01", "BOLT-M8")].product_id, bins["A-01-01"].id)[0] == 7917
    assert counts.get(batch.id).status is CountStatus.COUNTING  # the recount waits for a counter
    assert ledger.verify() == []
