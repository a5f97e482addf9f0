"""Holds and expiry in real Chromium at 360 px: a supervisor puts stock on hold, releases
it, marks an expired lot and writes it off; every step swaps in place (htmx), no reload."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import ONE_ENGINE, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_lot, make_product, receive
from warehouse import accounts, ledger
from warehouse.availability.models import Hold, HoldStatus
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db

pytestmark = [pytest.mark.browser, ONE_ENGINE]


@pytest.fixture
def floor_stock(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01"))
    a1 = next(b for b in main.bins if b.code == "A-01-01")
    bolt = make_product("BOLT-M8")
    glue = make_product("GLUE-50", lot_tracked=True, expiry_tracked=True)
    old = make_lot(glue, "OLD", utcnow().date() - timedelta(days=1))
    receive(bolt, a1, 10)
    receive(glue, a1, 6, lot=old)
    accounts.create_user("sam", PASSWORD, "supervisor")
    return bolt, glue, a1, old


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_hold_release_mark_expired_and_write_off_in_place(phone, floor_stock):
    bolt, glue, a1, old = floor_stock
    phone.set_default_timeout(10_000)
    phone.on("dialog", lambda dialog: dialog.accept())  # the confirm before release/write-off
    sign_in(phone, "sam", PASSWORD)
    phone.goto(phone.base + "/holds")
    assert phone.is_visible("#sku")  # no holds yet: the form starts open
    phone.fill("#sku", "BOLT-M8")
    phone.fill("#bin", "A-01-01")
    phone.fill("#qty", "4")
    phone.select_option("#reason", "quality")
    phone.fill("#note", "scratched on arrival")
    phone.click("button:has-text('Put on hold')")
    phone.wait_for_selector("text=HLD-000001: 4 × BOLT-M8 on hold at A-01-01")
    assert phone.url.endswith("/holds")  # swapped in place, no navigation
    assert _no_sideways_scroll(phone)
    db.session.rollback()
    assert ledger.balance(bolt.id, a1.id) == (10, 0, 4)

    phone.click("tr[data-hold='1'] button:has-text('Release')")
    phone.wait_for_selector("text=HLD-000001 released: 4 × BOLT-M8 available again at A-01-01.")
    db.session.rollback()
    assert ledger.balance(bolt.id, a1.id) == (10, 0, 0)

    phone.goto(phone.base + "/holds/expiry")
    assert _no_sideways_scroll(phone)
    phone.click("tr[data-lot='OLD'] button:has-text('Mark expired')")
    phone.wait_for_selector("text=on hold as expired")
    phone.fill("input[name='reference']", "destruction:CERT-1")
    phone.click("button:has-text('Write off')")
    phone.wait_for_selector("text=written off: 6 × GLUE-50 destroyed (destruction:CERT-1).")
    assert phone.url.endswith("/holds/expiry")
    db.session.rollback()
    assert ledger.balance(glue.id, a1.id, old.id) == (0, 0, 0)
    assert [h.status for h in db.session.scalars(select(Hold).order_by(Hold.id))] == [
        HoldStatus.RELEASED,
        HoldStatus.WRITTEN_OFF,
    ]
    assert phone.outside_requests == []
