"""A transfer's whole life as one story: stock, reservations and the ledger agree at
every step, and stock is conserved (source loss = transit gain = destination gain, good
or on hold, + units still missing in transit until found or lost)."""

from datetime import date

from sqlalchemy import select

from tests.factories import make_location, make_lot, make_product, receive
from warehouse import ledger, transfers
from warehouse.catalog.models import LocationType
from warehouse.core.extensions import db
from warehouse.counts.models import CountRequest
from warehouse.inbound.models import PutawayTask
from warehouse.transfers.models import ReceiveReason, ShortReason, TransferStatus


def totals(product, location):
    rows = db.session.execute(
        select(ledger.balances.c.on_hand, ledger.balances.c.reserved).where(
            ledger.balances.c.product_id == product.id, ledger.balances.c.location_id == location.id
        )
    ).all()
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


def test_a_transfer_from_draft_to_completed_conserves_stock(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02"))
    north = make_location("service-north", LocationType.SERVICE_CENTER, bins=("RCV-01", "S-01-01"))
    transit = make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    a1, a2 = main.bins[0], main.bins[1]
    assert (a1.code, a2.code) == ("A-01-01", "A-01-02")
    bolt, glue = make_product("BOLT-M8"), make_product("GLUE-50", lot_tracked=True, expiry_tracked=True)
    early, late = make_lot(glue, "EARLY", date(2027, 1, 31)), make_lot(glue, "LATE", date(2028, 1, 31))
    receive(bolt, a1, 4)
    receive(bolt, a2, 10)
    receive(glue, a1, 5, lot=late)
    receive(glue, a2, 5, lot=early)

    transfer = transfers.create(main.id, north.id, actor_id=None)
    transfers.add_line(transfer.id, bolt, 12)
    transfers.add_line(transfer.id, glue, 6)
    transfers.approve(transfer.id, actor_id=None)
    transfer = transfers.get(transfer.id)
    assert transfer.status is TransferStatus.APPROVED
    assert totals(bolt, main) == (14, 12) and totals(glue, main) == (10, 6)
    bolt_line, glue_line = transfer.lines
    assert [(a.bin.code, a.qty) for a in bolt_line.allocations] == [
        ("A-01-02", 10),
        ("A-01-01", 2),
    ]  # most first
    assert [(a.lot.code, a.qty) for a in glue_line.allocations] == [("EARLY", 5), ("LATE", 1)]  # FEFO

    transfers.pick(transfer.id, a2, bolt, 10, actor_id=None)
    transfers.pick(transfer.id, a2, glue, 5, actor_id=None, lot_code="EARLY")
    transfers.pick(transfer.id, a1, glue, 1, actor_id=None, lot_code="LATE")
    transfers.short_pick(transfer.id, bolt_line.id, ShortReason.NOT_FOUND, actor_id=None)
    assert db.session.scalar(select(CountRequest.reference_id)) == transfer.number

    transfers.ship(transfer.id, actor_id=None)
    assert totals(bolt, main) == (4, 0) and totals(glue, main) == (4, 0)  # reservations released
    assert totals(bolt, transit) == (10, 0) and totals(glue, transit) == (6, 0)
    assert ledger.verify() == []

    transfers.count_received(transfer.id, bolt, 9, actor_id=None)
    transfers.count_received(transfer.id, glue, 6, actor_id=None)
    transfers.set_received(
        transfer.id, glue_line.id, received=6, damaged=1, reason=ReceiveReason.DAMAGED_IN_TRANSIT
    )
    transfers.set_received(
        transfer.id, bolt_line.id, received=9, damaged=0, reason=ReceiveReason.SHORT_SHIPPED
    )
    transfers.finish_receiving(transfer.id, actor_id=None)
    # bolt: 9 of 10 arrived, 1 still in transit (missing); glue: all 6 arrived, 1 damaged
    assert totals(bolt, transit) == (1, 0) and totals(glue, transit) == (0, 0)
    assert totals(bolt, north) == (9, 0) and totals(glue, north) == (6, 0)
    tasks = db.session.scalars(select(PutawayTask).where(PutawayTask.location_id == north.id)).all()
    # bolt 9; glue: 5 good units fill the lots in pick order (EARLY 5), the damaged one is
    # LATE and stays in the receiving bin on hold: no task
    assert sorted((t.product.sku, t.lot.code, t.qty) for t in tasks) == [
        ("BOLT-M8", "", 9),
        ("GLUE-50", "EARLY", 5),
    ]
    dock = north.bins[0]
    assert ledger.balance(glue.id, dock.id, late.id) == (1, 0, 1)
    assert ledger.verify() == []

    transfers.resolve_missing(transfer.id, bolt_line.id, "found", 1, actor_id=None)  # turned up
    assert totals(bolt, transit) == (0, 0) and totals(bolt, north) == (10, 0)
    assert transfers.get(transfer.id).status is TransferStatus.COMPLETED
    assert ledger.verify() == []
