"""Receiving: scans build a draft receipt, finishing posts it into the receiving bin as one
posting and opens put-away tasks. Refusals write nothing; finishing twice posts once."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import ORG_ID, PASSWORD
from tests.factories import make_location, make_lot, make_product
from warehouse import accounts, ledger
from warehouse.catalog import scan
from warehouse.catalog.models import NO_LOT, BinKind, Lot, Product
from warehouse.core import tenancy
from warehouse.core.errors import InvalidPosting, NotFound, ReceiptClosed
from warehouse.core.extensions import db
from warehouse.inbound import receiving
from warehouse.inbound.models import PutawayTask, Receipt, ReceiptLine, ReceiptStatus, TaskStatus
from warehouse.ledger.models import Movement, MovementType, Posting

SERUM_GTIN = "9506000134376"  # a valid GTIN-13 (check digit 6)


@pytest.fixture
def clerk(site):
    return accounts.create_user("clerk", PASSWORD, "operator")


@pytest.fixture
def serum(site):
    """Lot- and expiry-tracked, with a GTIN so its GS1 labels resolve."""
    return make_product("SERUM-10", gtin=SERUM_GTIN, lot_tracked=True, expiry_tracked=True)


@pytest.fixture
def receipt(site, clerk):
    return receiving.start("PO-1001", location_id=site.main.id, actor_id=clerk.id)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def snapshot():
    """Everything receiving can write, to prove a refusal changed nothing."""
    db.session.rollback()  # read what is committed, not what a failed call left behind
    return (
        sorted(
            tuple(r)
            for r in db.session.execute(
                select(Receipt.id, Receipt.status, Receipt.version, Receipt.posting_id)
            )
        ),
        sorted(
            tuple(r)
            for r in db.session.execute(
                select(ReceiptLine.id, ReceiptLine.product_id, ReceiptLine.lot_id, ReceiptLine.qty)
            )
        ),
        sorted(tuple(r) for r in db.session.execute(select(Lot.id, Lot.code, Lot.expiry_date))),
        count(PutawayTask),
        count(Posting),
        count(Movement),
    )


def lines_of(receipt_id):
    return [
        (line.product_id, line.lot_id, line.qty)
        for line in db.session.scalars(
            select(ReceiptLine).where(ReceiptLine.receipt_id == receipt_id).order_by(ReceiptLine.id)
        )
    ]


# --- starting ----------------------------------------------------------------------------


def test_starting_a_receipt_opens_an_empty_draft_at_the_operators_location(site, clerk):
    receipt = receiving.start("  PO-1001 ", location_id=site.main.id, actor_id=clerk.id)

    assert (receipt.reference, receipt.location_id, receipt.user_id) == ("PO-1001", site.main.id, clerk.id)
    assert (receipt.status, receipt.version, receipt.posting_id) == (ReceiptStatus.OPEN, 0, None)
    assert receipt.number == f"RCV-{receipt.id:06d}"
    assert lines_of(receipt.id) == []


def test_starting_twice_with_one_key_returns_the_first_receipt(site, clerk):
    first = receiving.start("PO-1001", location_id=site.main.id, actor_id=clerk.id, key="tap-1")
    again = receiving.start("PO-1001", location_id=site.main.id, actor_id=clerk.id, key="tap-1")

    assert again.id == first.id
    assert count(Receipt) == 1


def test_starting_without_a_key_twice_opens_two_receipts(site, clerk):
    first = receiving.start("PO-1001", location_id=site.main.id, actor_id=clerk.id)
    second = receiving.start("PO-1001", location_id=site.main.id, actor_id=clerk.id)

    assert first.id != second.id
    assert count(Receipt) == 2


@pytest.mark.parametrize("reference", ["", "   ", "P" * 65])
def test_a_receipt_needs_a_reference_of_one_to_sixty_four_characters(site, clerk, reference):
    with pytest.raises(InvalidPosting, match="PO number"):
        receiving.start(reference, location_id=site.main.id, actor_id=clerk.id)
    assert count(Receipt) == 0


# --- counting ----------------------------------------------------------------------------


def test_scanning_an_item_again_adds_to_its_line(site, receipt):
    first = receiving.add(receipt.id, site.bolt)
    receiving.add(receipt.id, site.bolt)
    line = receiving.add(receipt.id, site.bolt, qty=5)

    assert line.id == first.id
    assert lines_of(receipt.id) == [(site.bolt.id, NO_LOT, 7)]
    assert receiving.get(receipt.id).version == 3


def test_each_product_and_lot_gets_its_own_line(site, receipt):
    receiving.add(receipt.id, site.bolt, qty=2)
    receiving.add(receipt.id, site.nut, qty=3)
    receiving.add(receipt.id, site.glue, qty=4, lot_code="L1", expiry=date(2027, 1, 31))
    receiving.add(receipt.id, site.glue, qty=1, lot_code="L2", expiry=date(2027, 2, 28))
    receiving.add(receipt.id, site.glue, qty=1, lot_code="L1")

    lot_ids = {
        lot.code: lot.id for lot in db.session.scalars(select(Lot).where(Lot.product_id == site.glue.id))
    }
    l1, l2 = lot_ids["L1"], lot_ids["L2"]
    assert lines_of(receipt.id) == [
        (site.bolt.id, NO_LOT, 2),
        (site.nut.id, NO_LOT, 3),
        (site.glue.id, l1, 5),
        (site.glue.id, l2, 1),
    ]


def test_a_typed_count_replaces_the_scanned_count(site, receipt):
    line = receiving.add(receipt.id, site.bolt, qty=3)

    receiving.set_count(receipt.id, line.id, 12)

    assert lines_of(receipt.id) == [(site.bolt.id, NO_LOT, 12)]
    assert receiving.get(receipt.id).version == 2


def test_scanning_after_a_typed_count_adds_to_the_typed_count(site, receipt):
    line = receiving.add(receipt.id, site.bolt, qty=3)
    receiving.set_count(receipt.id, line.id, 10)
    receiving.add(receipt.id, site.bolt)

    assert lines_of(receipt.id) == [(site.bolt.id, NO_LOT, 11)]


def test_a_typed_count_for_a_line_of_another_receipt_is_refused(site, clerk, receipt):
    other = receiving.start("PO-2002", location_id=site.main.id, actor_id=clerk.id)
    line = receiving.add(other.id, site.bolt, qty=3)
    before = snapshot()

    with pytest.raises(NotFound):
        receiving.set_count(receipt.id, line.id, 9)
    assert snapshot() == before


@pytest.mark.parametrize("qty", [0, -1, receiving.MAX_LINE_QTY + 1])
def test_adding_a_quantity_outside_one_to_the_maximum_is_refused(site, receipt, qty):
    receiving.add(receipt.id, site.bolt, qty=2)
    before = snapshot()

    with pytest.raises(InvalidPosting, match="Quantity must be"):
        receiving.add(receipt.id, site.bolt, qty=qty)
    assert snapshot() == before


def test_a_line_cannot_grow_past_the_maximum_by_repeated_adds(site, receipt):
    receiving.add(receipt.id, site.bolt, qty=receiving.MAX_LINE_QTY)
    before = snapshot()

    with pytest.raises(InvalidPosting, match="type the count"):
        receiving.add(receipt.id, site.bolt)
    assert snapshot() == before


@pytest.mark.parametrize("qty", [-1, receiving.MAX_LINE_QTY + 1])
def test_a_typed_count_outside_zero_to_the_maximum_is_refused(site, receipt, qty):
    line = receiving.add(receipt.id, site.bolt, qty=2)
    before = snapshot()

    with pytest.raises(InvalidPosting, match="Type a count"):
        receiving.set_count(receipt.id, line.id, qty)
    assert snapshot() == before


def test_a_lot_tracked_product_needs_a_lot_and_nothing_is_written_without_one(site, receipt):
    before = snapshot()

    with pytest.raises(InvalidPosting, match="GLUE-50 is lot-tracked: scan the lot."):
        receiving.add(receipt.id, site.glue, qty=2)
    assert snapshot() == before


def test_a_lot_on_a_product_that_is_not_lot_tracked_is_refused(site, receipt):
    before = snapshot()

    with pytest.raises(InvalidPosting, match="not lot-tracked"):
        receiving.add(receipt.id, site.bolt, lot_code="L1")
    assert snapshot() == before


def test_a_new_lot_of_an_expiry_tracked_product_needs_an_expiry(site, receipt):
    before = snapshot()

    with pytest.raises(InvalidPosting, match="GLUE-50 lot L9 needs an expiry date"):
        receiving.add(receipt.id, site.glue, lot_code="L9")
    assert snapshot() == before


def test_a_gs1_scan_creates_the_lot_with_its_expiry_and_counts_it(site, receipt, serum):
    label = scan.resolve(f"(01)0{SERUM_GTIN}(17)271231(10)LOT42")

    line = receiving.add(receipt.id, label.product, lot_code=label.lot_code, expiry=label.expiry)

    lot = db.session.get(Lot, line.lot_id)
    assert (lot.product_id, lot.code, lot.expiry_date) == (serum.id, "LOT42", date(2027, 12, 31))
    assert lines_of(receipt.id) == [(serum.id, lot.id, 1)]


def test_scanning_a_known_lot_with_its_recorded_expiry_adds_to_the_same_lot(site, receipt, serum):
    lot = make_lot(serum, "LOT42", date(2027, 12, 31))
    label = scan.resolve(f"(01)0{SERUM_GTIN}(17)271231(10)LOT42")

    receiving.add(receipt.id, label.product, lot_code=label.lot_code, expiry=label.expiry)
    receiving.add(receipt.id, label.product, lot_code=label.lot_code, expiry=label.expiry)

    assert lines_of(receipt.id) == [(serum.id, lot.id, 2)]
    assert count(Lot, Lot.product_id == serum.id) == 1


def test_a_label_whose_expiry_conflicts_with_the_lot_on_record_is_refused(site, receipt, serum):
    make_lot(serum, "LOT42", date(2027, 12, 31))
    receiving.add(receipt.id, serum, lot_code="LOT42", qty=3)
    before = snapshot()

    with pytest.raises(InvalidPosting) as refused:
        receiving.add(receipt.id, serum, lot_code="LOT42", expiry=date(2028, 1, 31))

    assert refused.value.message == (
        "Lot LOT42 of SERUM-10 expires 2027-12-31 on record but the label says 2028-01-31. "
        "Set it aside and call a supervisor."
    )
    assert snapshot() == before


def test_a_known_lot_without_an_expiry_on_record_takes_the_labels_expiry(site, receipt):
    lot = make_lot(site.glue, "OLD", None)

    receiving.add(receipt.id, site.glue, lot_code="OLD", expiry=date(2026, 6, 30))

    db.session.expire_all()
    assert db.session.get(Lot, lot.id).expiry_date == date(2026, 6, 30)


def test_an_inactive_product_cannot_be_received(site, receipt):
    site.nut.active = False
    db.session.commit()
    before = snapshot()

    with pytest.raises(InvalidPosting, match="NUT-M8 is inactive"):
        receiving.add(receipt.id, site.nut)
    assert snapshot() == before


def test_adding_to_a_receipt_that_does_not_exist_is_refused(site):
    with pytest.raises(NotFound, match="No receipt #999"):
        receiving.add(999, site.bolt)
    assert count(ReceiptLine) == 0


# --- finishing ---------------------------------------------------------------------------


def test_finishing_posts_every_line_into_the_receiving_bin_as_one_posting(site, clerk, receipt):
    dock = site.bin(site.main, "RCV-01")
    receiving.add(receipt.id, site.bolt, qty=4)
    receiving.add(receipt.id, site.nut, qty=6)
    receiving.add(receipt.id, site.glue, qty=2, lot_code="L1", expiry=date(2027, 1, 31))
    lot = db.session.scalar(select(Lot).where(Lot.code == "L1"))

    finished = receiving.finish(receipt.id, actor_id=clerk.id)

    assert finished.posted.replayed is False
    posting = db.session.get(Posting, finished.posted.posting_id)
    assert (posting.type, posting.reference_type, posting.reference_id, posting.user_id) == (
        MovementType.INBOUND_PURCHASE,
        "receipt",
        receipt.number,
        clerk.id,
    )
    assert posting.note == "PO PO-1001"
    assert count(Posting) == 1
    assert sorted((m.product_id, m.bin_id, m.lot_id, m.qty, m.type) for m in posting.movements) == sorted(
        [
            (site.bolt.id, dock.id, NO_LOT, 4, MovementType.INBOUND_PURCHASE),
            (site.nut.id, dock.id, NO_LOT, 6, MovementType.INBOUND_PURCHASE),
            (site.glue.id, dock.id, lot.id, 2, MovementType.INBOUND_PURCHASE),
        ]
    )
    assert dock.kind is BinKind.RECEIVING
    assert ledger.balance(site.bolt.id, dock.id) == (4, 0, 0)
    assert ledger.balance(site.glue.id, dock.id, lot.id) == (2, 0, 0)
    assert ledger.verify() == []

    done = receiving.get(receipt.id)
    assert (done.status, done.posting_id) == (ReceiptStatus.POSTED, posting.id)
    assert done.posted_at is not None


def test_finishing_opens_one_put_away_task_per_line_from_the_receiving_bin(site, clerk, receipt):
    dock = site.bin(site.main, "RCV-01")
    receiving.add(receipt.id, site.bolt, qty=4)
    receiving.add(receipt.id, site.nut, qty=6)

    finished = receiving.finish(receipt.id, actor_id=clerk.id)

    tasks = list(db.session.scalars(select(PutawayTask).order_by(PutawayTask.id)))
    assert [t.id for t in tasks] == [t.id for t in finished.tasks]
    assert [
        (t.product_id, t.lot_id, t.qty, t.from_bin_id, t.location_id, t.receipt_id, t.status) for t in tasks
    ] == [
        (site.bolt.id, NO_LOT, 4, dock.id, site.main.id, receipt.id, TaskStatus.OPEN),
        (site.nut.id, NO_LOT, 6, dock.id, site.main.id, receipt.id, TaskStatus.OPEN),
    ]
    assert all(t.suggested_bin.kind is BinKind.STORAGE for t in tasks)


def test_lines_counted_down_to_zero_are_left_out_of_the_posting_and_the_tasks(site, clerk, receipt):
    receiving.add(receipt.id, site.bolt, qty=4)
    nut_line = receiving.add(receipt.id, site.nut, qty=6)
    receiving.set_count(receipt.id, nut_line.id, 0)

    finished = receiving.finish(receipt.id, actor_id=clerk.id)

    assert [(m.product_id, m.qty) for m in db.session.get(Posting, finished.posted.posting_id).movements] == [
        (site.bolt.id, 4)
    ]
    assert [(t.product_id, t.qty) for t in db.session.scalars(select(PutawayTask))] == [(site.bolt.id, 4)]
    assert ledger.verify() == []


def test_finishing_twice_returns_the_first_posting_and_writes_nothing_more(site, clerk, receipt):
    receiving.add(receipt.id, site.bolt, qty=4)
    first = receiving.finish(receipt.id, actor_id=clerk.id)
    before = snapshot()

    again = receiving.finish(receipt.id, actor_id=clerk.id)

    assert (again.posted.posting_id, again.posted.replayed) == (first.posted.posting_id, True)
    assert again.tasks == []
    assert snapshot() == before
    assert ledger.balance(site.bolt.id, site.bin(site.main, "RCV-01").id) == (4, 0, 0)
    assert ledger.verify() == []


def test_finishing_an_empty_receipt_is_refused_and_leaves_it_open(site, clerk, receipt):
    before = snapshot()

    with pytest.raises(InvalidPosting, match="Nothing counted yet"):
        receiving.finish(receipt.id, actor_id=clerk.id)

    assert snapshot() == before
    assert receiving.get(receipt.id).status is ReceiptStatus.OPEN


def test_finishing_a_receipt_whose_every_line_was_counted_to_zero_is_refused(site, clerk, receipt):
    line = receiving.add(receipt.id, site.bolt, qty=4)
    receiving.set_count(receipt.id, line.id, 0)
    before = snapshot()

    with pytest.raises(InvalidPosting, match="Nothing counted yet"):
        receiving.finish(receipt.id, actor_id=clerk.id)
    assert snapshot() == before


def test_finishing_at_a_location_without_a_receiving_bin_is_refused_and_writes_nothing(site, clerk):
    shop = make_location("shop-east", bins=("S-01",))
    receipt = receiving.start("PO-3003", location_id=shop.id, actor_id=clerk.id)
    receiving.add(receipt.id, site.bolt, qty=4)
    before = snapshot()

    with pytest.raises(InvalidPosting, match="no receiving bin"):
        receiving.finish(receipt.id, actor_id=clerk.id)

    assert snapshot() == before
    assert receiving.get(receipt.id).status is ReceiptStatus.OPEN


def test_adding_to_a_finished_receipt_is_refused_and_writes_nothing(site, clerk, receipt):
    line = receiving.add(receipt.id, site.bolt, qty=4)
    receiving.finish(receipt.id, actor_id=clerk.id)
    before = snapshot()

    with pytest.raises(ReceiptClosed, match="already finished"):
        receiving.add(receipt.id, site.bolt)
    with pytest.raises(ReceiptClosed, match="already finished"):
        receiving.add(receipt.id, site.glue, lot_code="NEW", expiry=date(2027, 1, 31))
    with pytest.raises(ReceiptClosed):
        receiving.set_count(receipt.id, line.id, 9)

    assert snapshot() == before
    assert ledger.balance(site.bolt.id, site.bin(site.main, "RCV-01").id) == (4, 0, 0)
    assert ledger.verify() == []


def test_two_receipts_of_one_product_post_separately_into_the_receiving_bin(site, clerk):
    dock = site.bin(site.main, "RCV-01")
    for reference, qty in (("PO-1", 3), ("PO-2", 5)):
        receipt = receiving.start(reference, location_id=site.main.id, actor_id=clerk.id)
        receiving.add(receipt.id, site.bolt, qty=qty)
        receiving.finish(receipt.id, actor_id=clerk.id)

    assert count(Posting, Posting.type == MovementType.INBOUND_PURCHASE) == 2
    assert ledger.balance(site.bolt.id, dock.id) == (8, 0, 0)
    assert sorted(t.qty for t in db.session.scalars(select(PutawayTask))) == [3, 5]
    assert ledger.verify() == []


# --- several devices at once -------------------------------------------------------------


def run_at_once(app, workers, work):
    """Run work() in `workers` threads released together; return (results, errors)."""
    results, errors = [], []
    start = threading.Barrier(workers)

    def worker():
        with app.app_context(), tenancy.acting_for(ORG_ID):  # each thread has its own session and connection
            start.wait()
            try:
                results.append(work())
            except Exception as unexpected:  # noqa: BLE001 - reported by the caller
                errors.append(repr(unexpected))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()  # end this thread's read snapshot before reading again
    return results, errors


def test_scans_from_four_devices_on_one_receipt_never_lose_a_count(app, site, receipt):
    receipt_id, bolt_id = receipt.id, site.bolt.id

    def scan_five():
        bolt = db.session.get(Product, bolt_id)
        for _ in range(5):
            receiving.add(receipt_id, bolt)
        return "ok"

    results, errors = run_at_once(app, 4, scan_five)

    assert errors == []
    assert results == ["ok"] * 4
    assert lines_of(receipt_id) == [(bolt_id, NO_LOT, 20)]
    assert receiving.get(receipt_id).version == 20


def test_four_devices_finishing_one_receipt_at_once_post_it_once(app, site, clerk, receipt):
    receiving.add(receipt.id, site.bolt, qty=4)
    receiving.add(receipt.id, site.nut, qty=6)
    receipt_id, actor_id = receipt.id, clerk.id

    def finish():
        finished = receiving.finish(receipt_id, actor_id=actor_id)
        return finished.posted.posting_id, finished.posted.replayed, len(finished.tasks)

    results, errors = run_at_once(app, 4, finish)

    assert errors == []
    assert sorted(r[1:] for r in results) == [(False, 2), (True, 0), (True, 0), (True, 0)]
    assert len({r[0] for r in results}) == 1
    assert count(Posting) == 1
    assert count(PutawayTask) == 2
    assert ledger.balance(site.bolt.id, site.bin(site.main, "RCV-01").id) == (4, 0, 0)
    assert ledger.verify() == []
