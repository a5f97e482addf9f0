"""Receiving a transfer on the floor when a line was picked short to nothing."""

import pytest

from tests.conftest import csrf_token
from tests.factories import make_location, make_lot, receive
from warehouse import accounts, ledger, transfers
from warehouse.accounts.models import User
from warehouse.catalog.models import LocationType
from warehouse.core.errors import InvalidPosting
from warehouse.core.extensions import db
from warehouse.transfers.models import ReceiveReason, ShortReason, TransferStatus

HX = {"HX-Request": "true"}


@pytest.fixture
def shipped(client, auth, site):
    """TR with BOLT-M8 x3 picked and shipped, NUT-M8 x2 and GLUE-50 (lot-tracked) x1 picked
    short to nothing; an operator at the destination, signed in."""
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 10)
    receive(site.nut, a1, 10)
    receive(site.glue, a1, 5, lot=make_lot(site.glue, "G-1"))
    transfer = transfers.create(site.main.id, site.north.id, actor_id=None)
    transfers.add_line(transfer.id, site.bolt, 3)
    short = [transfers.add_line(transfer.id, site.nut, 2), transfers.add_line(transfer.id, site.glue, 1)]
    transfers.approve(transfer.id, actor_id=None)
    transfers.pick(transfer.id, a1, site.bolt, 3, actor_id=None)
    for line in short:
        transfers.short_pick(transfer.id, line.id, ShortReason.NOT_FOUND, actor_id=None)
    transfers.ship(transfer.id, actor_id=None)
    auth.login("operator")
    accounts.set_location(db.session.query(User).filter_by(username="operator").one(), site.north.id)
    site.transfer, site.nut_line, site.glue_line = transfer, short[0], short[1]
    return site


def scan(client, transfer, code):
    token = csrf_token(client, f"/floor/transfer-receive/{transfer.id}")
    return client.post(
        f"/floor/transfer-receive/{transfer.id}",
        headers=HX,
        data={"csrf_token": token, "scan": code, "scan_id": code + "-1"},
    )


def test_a_line_picked_short_to_nothing_says_not_shipped_instead_of_0_of_0(client, shipped):
    html = client.get(f"/floor/transfer-receive/{shipped.transfer.id}").get_data(as_text=True)

    assert "0 of 3 x BOLT-M8" in html
    assert "NUT-M8 not shipped" in html and "none of 2 was picked" in html
    assert "of 0 x" not in html


def test_an_unshipped_item_that_arrives_anyway_is_counted_as_over_shipped(client, shipped):
    answer = scan(client, shipped.transfer, "NUT-M8").get_data(as_text=True)

    assert (
        "+1 NUT-M8: 1 received, none was shipped. Set it aside and say why on its line (over shipped)."
        in answer
    )
    assert "received 1 anyway" in answer and "of 0 shipped" not in answer


def test_an_unshipped_lot_tracked_item_cannot_be_received_on_the_transfer(client, shipped):
    """Nothing says which lot it is, and the ledger never books lot-tracked stock without
    one: refused at the scan (and the line form), so Finish is never blocked by it."""
    transfer = shipped.transfer
    answer = scan(client, transfer, "GLUE-50")

    assert answer.status_code == 422
    assert "GLUE-50 was not shipped on" in answer.get_data(as_text=True)
    with pytest.raises(InvalidPosting, match="book them with Receive"):
        transfers.set_received(
            transfer.id, shipped.glue_line.id, received=1, damaged=0, reason=ReceiveReason.OVER_SHIPPED
        )
    db.session.rollback()
    assert {l.product.sku: l.qty_received for l in transfers.get(transfer.id).lines}["GLUE-50"] == 0
    transfers.set_received(
        transfer.id, shipped.nut_line.id, received=0, damaged=0, reason=ReceiveReason.SHORT_SHIPPED
    )
    transfers.set_received(
        transfer.id, shipped.glue_line.id, received=0, damaged=0, reason=ReceiveReason.SHORT_SHIPPED
    )
    transfers.count_received(transfer.id, shipped.bolt, 3, actor_id=None)
    transfers.finish_receiving(transfer.id, actor_id=None)
    assert transfers.get(transfer.id).status is TransferStatus.RECEIVED
    assert ledger.verify() == []


def test_a_damaged_unshipped_lot_tracked_unit_is_recorded_it_needs_no_lot(client, shipped):
    line = transfers.set_received(
        shipped.transfer.id, shipped.glue_line.id, received=1, damaged=1, reason=ReceiveReason.OVER_SHIPPED
    )
    assert (line.qty_received, line.qty_damaged) == (1, 1)


def test_extra_units_of_an_item_on_two_lines_go_to_the_line_that_shipped(app, site):
    """GLUE-50 x2 picked from lot G-1, and a second GLUE-50 line picked short to nothing:
    a third unit arriving is over-shipped on the first line (it has a lot), not refused."""
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    a1, g1 = site.bin(site.main, "A-01-01"), make_lot(site.glue, "G-1")
    receive(site.glue, a1, 5, lot=g1)
    transfer = transfers.create(site.main.id, site.north.id, actor_id=None)
    shipped_line = transfers.add_line(transfer.id, site.glue, 2)
    short_line = transfers.add_line(transfer.id, site.glue, 1)
    transfers.approve(transfer.id, actor_id=None)
    transfers.pick(transfer.id, a1, site.glue, 2, actor_id=None, lot_code="G-1")
    transfers.short_pick(transfer.id, short_line.id, ShortReason.NOT_FOUND, actor_id=None)
    transfers.ship(transfer.id, actor_id=None)

    for _ in range(3):
        line = transfers.count_received(transfer.id, site.glue, 1, actor_id=None)
    assert line.id == shipped_line.id and line.qty_received == 3
    transfers.set_received(
        transfer.id, shipped_line.id, received=3, damaged=0, reason=ReceiveReason.OVER_SHIPPED
    )
    transfers.set_received(
        transfer.id, short_line.id, received=0, damaged=0, reason=ReceiveReason.SHORT_SHIPPED
    )
    transfers.finish_receiving(transfer.id, actor_id=None)
    dock = site.bin(site.north, "RCV-01")
    assert ledger.balance(site.glue.id, dock.id, g1.id) == (3, 0, 0)


def test_a_retried_receive_scan_counts_once(client, shipped):
    """The same scan sent twice with its id (a lost answer retried) receives one unit."""
    first = scan(client, shipped.transfer, "BOLT-M8").get_data(as_text=True)
    retried = scan(client, shipped.transfer, "BOLT-M8").get_data(as_text=True)
    assert "+1 BOLT-M8: 1 of 3" in first and "+1 BOLT-M8: 1 of 3" in retried
    db.session.expire_all()
    assert transfers.get(shipped.transfer.id).lines[0].qty_received == 1


def test_finishing_with_a_damaged_and_a_missing_unit_says_where_each_went(client, shipped):
    """3 BOLT-M8 shipped: 1 arrives fine, 1 damaged, 1 never arrives."""
    transfer = shipped.transfer
    bolt_line = next(l for l in transfer.lines if l.product.sku == "BOLT-M8")
    transfers.set_received(
        transfer.id, bolt_line.id, received=2, damaged=1, reason=ReceiveReason.DAMAGED_IN_TRANSIT
    )
    for line in (shipped.nut_line, shipped.glue_line):
        transfers.set_received(
            transfer.id, line.id, received=0, damaged=0, reason=ReceiveReason.SHORT_SHIPPED
        )
    url = f"/floor/transfer-receive/{transfer.id}/finish"
    answer = client.post(url, headers=HX, data={"csrf_token": csrf_token(client, url.rsplit("/", 1)[0])})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'data-result="warn"' in body
    assert "1 good unit in the receiving bin; 1 damaged on hold (HLD-" in body
    assert "1 missing: a supervisor will resolve it." in body
    assert ledger.verify() == []
