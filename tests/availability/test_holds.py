"""Holds: held stock is not available (reserve refused), release gives it back, a double
submit makes one hold, a closed hold cannot be closed again."""

import pytest
from sqlalchemy import func, select

from tests.factories import make_lot, receive
from warehouse import ledger
from warehouse.availability import holds, reservations
from warehouse.availability.models import Hold, HoldReason, HoldStatus
from warehouse.core.errors import IdempotencyKeyReused, InsufficientStock, InvalidPosting, NotFound
from warehouse.core.extensions import db
from warehouse.ledger.models import MovementType, Posting


def _postings(type=None):
    query = select(func.count()).select_from(Posting)
    return db.session.scalar(query.where(Posting.type == type) if type else query)


@pytest.fixture
def shelf(site):
    site.a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, site.a1, 10)
    return site


def test_held_stock_is_not_available_and_cannot_be_reserved(app, shelf):
    hold = holds.place(shelf.bolt, shelf.a1, 7, HoldReason.QUALITY, note="scratched", actor_id=None)

    assert (hold.status, hold.qty, hold.qty_open, hold.location_id) == (
        HoldStatus.ACTIVE,
        7,
        7,
        shelf.main.id,
    )
    assert ledger.balance(shelf.bolt.id, shelf.a1.id) == (10, 0, 7)
    posting = db.session.get(Posting, hold.posting_id)
    assert (posting.type, posting.reference_id, posting.note) == (
        MovementType.HOLD,
        holds.number(hold),
        "scratched",
    )
    with pytest.raises(InsufficientStock, match="Available: 3, Requested: 4"):
        reservations.reserve(shelf.bolt, shelf.main, 4, ("order", "1"), actor_id=None)
    reservations.reserve(shelf.bolt, shelf.main, 3, ("order", "1"), actor_id=None)


def test_a_hold_larger_than_the_available_stock_is_refused_and_writes_nothing(app, shelf):
    reservations.reserve(shelf.bolt, shelf.main, 4, ("order", "1"), actor_id=None)
    before = _postings()
    with pytest.raises(InsufficientStock, match="available 6, requested 7"):
        holds.place(shelf.bolt, shelf.a1, 7, HoldReason.QUALITY, actor_id=None)
    assert _postings() == before and db.session.scalar(select(func.count()).select_from(Hold)) == 0


def test_silly_quantities_are_refused(app, shelf):
    for qty in [0, -2, 1_000_001, "3", None, True]:
        with pytest.raises(InvalidPosting):
            holds.place(shelf.bolt, shelf.a1, qty, HoldReason.QUALITY, actor_id=None)
    assert ledger.balance(shelf.bolt.id, shelf.a1.id) == (10, 0, 0)


def test_a_long_note_or_a_lot_tracked_item_without_lot_is_refused(app, shelf):
    with pytest.raises(InvalidPosting, match="500"):
        holds.place(shelf.bolt, shelf.a1, 1, HoldReason.OTHER, note="x" * 5000, actor_id=None)
    with pytest.raises(InvalidPosting, match="lot-tracked"):
        holds.place(shelf.glue, shelf.a1, 1, HoldReason.RECALL, actor_id=None)
    assert _postings(MovementType.HOLD) == 0


def test_a_lot_hold_holds_that_lot_only(app, shelf):
    lot_a, lot_b = make_lot(shelf.glue, "A"), make_lot(shelf.glue, "B")
    receive(shelf.glue, shelf.a1, 5, lot=lot_a)
    receive(shelf.glue, shelf.a1, 5, lot=lot_b)
    holds.place(shelf.glue, shelf.a1, 5, HoldReason.RECALL, lot=lot_a, actor_id=None)
    rows = reservations.reserve(shelf.glue, shelf.main, 5, ("order", "1"), actor_id=None)
    assert [r.lot.code for r in rows] == ["B"]


def test_release_makes_the_units_available_again_once(app, shelf):
    hold = holds.place(shelf.bolt, shelf.a1, 7, HoldReason.QUARANTINE, actor_id=None)
    released = holds.release(hold.id, actor_id=None)

    assert (released.status, released.qty_open, released.qty) == (HoldStatus.RELEASED, 0, 7)
    assert released.closed_at is not None and released.close_posting_id is not None
    assert ledger.balance(shelf.bolt.id, shelf.a1.id) == (10, 0, 0)
    with pytest.raises(holds.HoldClosed, match="released already"):
        holds.release(hold.id, actor_id=None)
    with pytest.raises(NotFound):
        holds.release(99999, actor_id=None)
    assert _postings(MovementType.HOLD_RELEASE) == 1


def test_a_double_submitted_hold_is_placed_once(app, shelf):
    first = holds.place(shelf.bolt, shelf.a1, 2, HoldReason.DAMAGED, actor_id=None, key="form-1")
    again = holds.place(shelf.bolt, shelf.a1, 2, HoldReason.DAMAGED, actor_id=None, key="form-1")
    assert again.id == first.id and _postings(MovementType.HOLD) == 1
    with pytest.raises(IdempotencyKeyReused):
        holds.place(shelf.bolt, shelf.a1, 3, HoldReason.DAMAGED, actor_id=None, key="form-1")
    assert ledger.balance(shelf.bolt.id, shelf.a1.id) == (10, 0, 2)


def test_listing_shows_active_holds_by_default(app, shelf):
    kept = holds.place(shelf.bolt, shelf.a1, 1, HoldReason.DAMAGED, actor_id=None)
    gone = holds.place(shelf.bolt, shelf.a1, 1, HoldReason.QUALITY, actor_id=None)
    holds.release(gone.id, actor_id=None)
    assert [h.id for h in holds.listing()] == [kept.id]
    assert [h.id for h in holds.listing(status=None)] == [gone.id, kept.id]
    assert [h.id for h in holds.listing(status=None, reason=HoldReason.QUALITY)] == [gone.id]
    assert holds.listing(sku="NUT-M8") == [] and holds.listing(location_code="service-north") == []


def test_holds_and_reservations_racing_for_the_last_units_never_overcommit(app, shelf):
    from tests.conftest import in_threads
    from warehouse.catalog.models import Bin, Location, Product

    ids = (shelf.bolt.id, shelf.main.id, shelf.a1.id)

    def attempt(i):
        product, location, bin = (
            db.session.get(Product, ids[0]),
            db.session.get(Location, ids[1]),
            db.session.get(Bin, ids[2]),
        )
        if i % 2:
            return holds.place(product, bin, 3, HoldReason.QUALITY, actor_id=None).qty
        return sum(
            r.qty for r in reservations.reserve(product, location, 3, ("order", f"o{i}"), actor_id=None)
        )

    results, errors = in_threads(app, 8, attempt)

    assert all(isinstance(e, InsufficientStock) for e in errors), errors
    on_hand, reserved, held = ledger.balance(shelf.bolt.id, shelf.a1.id)
    assert (on_hand, reserved + held, len(errors)) == (10, 9, 5)
    assert sum(r for r in results if r) == 9
