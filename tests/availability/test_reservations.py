"""Reservations by reference: reserve (FEFO, TTL), release, fulfil, return, the sweeper,
replays, and races on real threads."""

import threading
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import in_threads
from tests.factories import make_location, make_lot, receive
from warehouse import ledger
from warehouse.availability import reservations
from warehouse.availability.models import Reservation, ReservationStatus
from warehouse.availability.reservations import sweeper
from warehouse.catalog.models import Location, LocationType, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    DomainError,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidPosting,
    NotFound,
)
from warehouse.core.extensions import db
from warehouse.core.settings import Settings
from warehouse.inbound.models import PutawayTask
from warehouse.ledger import references
from warehouse.ledger.models import Movement, MovementType, Posting

R = ReservationStatus
ORDER = ("order", "ord-12345")
T0 = datetime(2026, 11, 22, 9, 0, 0)


def _postings(type=None):
    query = select(func.count()).select_from(Posting)
    if type:
        query = query.where(Posting.type == type)
    return db.session.scalar(query)


def _reserved(site):
    return sum(ledger.balance(site.bolt.id, b.id)[1] for b in site.main.bins)


def _rows(reference=ORDER):
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.reference_type == reference[0], Reservation.reference_id == reference[1])
            .order_by(Reservation.id)
        )
    )


@pytest.fixture
def bolts(site):
    """BOLT-M8 at warehouse-main: 50 in the receiving bin, 4 in A-01-01, 10 in A-01-02."""
    receive(site.bolt, site.bin(site.main, "RCV-01"), 50)
    receive(site.bolt, site.bin(site.main, "A-01-01"), 4)
    receive(site.bolt, site.bin(site.main, "A-01-02"), 10)
    return site


@pytest.fixture
def glue(site):
    """GLUE-50 lots: OLD expired, SOON expires in 10 days, LATE in 30 days."""
    today = utcnow().date()
    site.old = make_lot(site.glue, "OLD", today - timedelta(days=1))
    site.soon = make_lot(site.glue, "SOON", today + timedelta(days=10))
    site.late = make_lot(site.glue, "LATE", today + timedelta(days=30))
    receive(site.glue, site.bin(site.main, "A-01-01"), 20, lot=site.old)
    receive(site.glue, site.bin(site.main, "A-01-01"), 10, lot=site.late)
    receive(site.glue, site.bin(site.main, "A-01-02"), 5, lot=site.soon)
    return site


# --- reserve -----------------------------------------------------------------------------


def test_reserve_takes_the_earliest_expiring_lot_first_and_never_an_expired_one(app, glue):
    rows = reservations.reserve(glue.glue, glue.main, 8, ORDER, actor_id=None)

    assert [(r.lot.code, r.bin.code, r.qty, r.qty_open, r.status) for r in rows] == [
        ("SOON", "A-01-02", 5, 5, R.ACTIVE),
        ("LATE", "A-01-01", 3, 3, R.ACTIVE),
    ]
    assert len({r.posting_id for r in rows}) == 1 and _postings(MovementType.RESERVE) == 1
    assert ledger.balance(glue.glue.id, glue.bin(glue.main, "A-01-01").id, glue.old.id) == (20, 0, 0)
    assert ledger.balance(glue.glue.id, glue.bin(glue.main, "A-01-01").id, glue.late.id) == (10, 3, 0)


def test_reserving_more_than_the_unexpired_stock_is_refused_and_writes_nothing(app, glue):
    before = _postings()
    with pytest.raises(InsufficientStock, match=r"Available: 15, Requested: 16"):
        reservations.reserve(glue.glue, glue.main, 16, ORDER, actor_id=None)
    with pytest.raises(InsufficientStock, match="expired on"):
        reservations.reserve(glue.glue, glue.main, 1, ORDER, actor_id=None, lot=glue.old)
    assert _postings() == before and _rows() == []


def test_without_lots_the_fullest_bin_goes_first_and_receiving_bins_are_left_out(app, bolts):
    rows = reservations.reserve(bolts.bolt, bolts.main, 12, ORDER, actor_id=None)
    assert [(r.bin.code, r.qty) for r in rows] == [("A-01-02", 10), ("A-01-01", 2)]

    with pytest.raises(InsufficientStock) as refused:
        reservations.reserve(bolts.bolt, bolts.main, 3, ("order", "ord-2"), actor_id=None)
    assert "Insufficient stock available. Available: 2, Requested: 3" in refused.value.message

    named = reservations.reserve(
        bolts.bolt, bolts.main, 3, ("order", "ord-2"), actor_id=None, bin=bolts.bin(bolts.main, "RCV-01")
    )
    assert [(r.bin.code, r.qty) for r in named] == [("RCV-01", 3)]


def test_a_silly_quantity_is_refused_before_anything_is_read(app, bolts):
    before = _postings()
    for qty in [0, -1, 1_000_001, "5", True, 2.5, None]:
        with pytest.raises(InvalidPosting):
            reservations.reserve(bolts.bolt, bolts.main, qty, ORDER, actor_id=None)
        for verb in (reservations.release, reservations.fulfill):
            if qty is not None:
                with pytest.raises(InvalidPosting):
                    verb(ORDER, qty=qty, actor_id=None)
    assert _postings() == before


def test_a_malformed_reference_is_refused(app, bolts):
    for reference in [
        ("", "x"),
        ("order", ""),
        ("order", "x" * 65),
        ("t" * 33, "x"),
        "order:1",
        ("a:b", "c"),
        (1, 2),
        None,
    ]:
        with pytest.raises(InvalidPosting, match="type:id"):
            reservations.reserve(bolts.bolt, bolts.main, 1, reference, actor_id=None)
    assert _rows() == []


def test_parse_reference_reads_type_colon_id():
    assert references.parse_reference(" order:ord-1 ") == ("order", "ord-1")
    assert references.parse_reference("order:a:b") == ("order", "a:b")
    with pytest.raises(InvalidPosting):
        references.parse_reference("ord-1")


def test_a_bin_of_another_location_or_a_lot_of_another_product_is_refused(app, glue):
    with pytest.raises(InvalidPosting, match="not at"):
        reservations.reserve(
            glue.glue, glue.main, 1, ORDER, actor_id=None, bin=glue.bin(glue.north, "S-01-01")
        )
    nut_lot = make_lot(glue.nut, "N1")
    with pytest.raises(InvalidPosting, match="not a lot of"):
        reservations.reserve(glue.glue, glue.main, 1, ORDER, actor_id=None, lot=nut_lot)


# --- TTL and the sweeper -----------------------------------------------------------------


def test_the_ttl_defaults_to_the_configured_minutes_and_none_means_no_expiry(app, bolts):
    first = reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=None, now=T0)
    configured = Settings.from_config({"RESERVATION_TTL_MINUTES": 5}).reservation_ttl  # the doors pass it
    second = reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=None, now=T0, ttl=configured)
    override = reservations.reserve(
        bolts.bolt, bolts.main, 1, ORDER, actor_id=None, now=T0, ttl=timedelta(hours=2)
    )
    pending = reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=None, ttl=None)

    assert first[0].expires_at == T0 + timedelta(minutes=60)
    assert second[0].expires_at == T0 + timedelta(minutes=5)
    assert override[0].expires_at == T0 + timedelta(hours=2)
    assert pending[0].expires_at is None
    with pytest.raises(InvalidPosting, match="time to live"):
        reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=None, ttl=timedelta(0))


def test_the_sweeper_expires_reservations_once_their_ttl_has_passed(app, bolts):
    with time_machine.travel(T0, tick=False):
        reservations.reserve(bolts.bolt, bolts.main, 6, ORDER, actor_id=None)
        reservations.reserve(bolts.bolt, bolts.main, 2, ("order", "forever"), actor_id=None, ttl=None)
    assert _reserved(bolts) == 8

    with time_machine.travel(T0 + timedelta(minutes=59), tick=False):
        assert reservations.sweep() == 0
    with time_machine.travel(T0 + timedelta(minutes=61), tick=False):
        assert reservations.sweep() == 1
        assert reservations.sweep() == 0  # idempotent: nothing left to expire

    [row] = _rows()
    assert (row.status, row.qty_open, row.closed_at) == (R.EXPIRED, 0, T0 + timedelta(minutes=61))
    assert _rows(("order", "forever"))[0].status is R.ACTIVE
    assert _reserved(bolts) == 2
    release = db.session.scalar(select(Posting).where(Posting.type == MovementType.RELEASE))
    assert (release.reference_type, release.reference_id) == ORDER
    assert reservations.sweep(now=T0 + timedelta(days=999)) == 0  # no TTL: never swept


def test_flask_sweep_reservations_runs_the_sweeper(app, bolts):
    reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=None, now=utcnow() - timedelta(hours=2))
    result = app.test_cli_runner().invoke(args=["sweep-reservations"])
    assert result.exit_code == 0 and "Expired 1 reservation" in result.output
    assert _rows()[0].status is R.EXPIRED


# --- release and fulfil ------------------------------------------------------------------


def test_release_by_reference_gives_back_every_active_row_in_one_posting(app, bolts, glue):
    reservations.reserve(bolts.bolt, bolts.main, 12, ORDER, actor_id=None)
    reservations.reserve(glue.glue, glue.main, 2, ORDER, actor_id=None)
    other = reservations.reserve(bolts.bolt, bolts.main, 1, ("order", "other"), actor_id=None)

    released = reservations.release(ORDER, actor_id=None)

    assert released.units == 14
    assert len(released.rows) == 3 and {r.status for r in released.rows} == {R.RELEASED}
    assert all(r.qty_open == 0 and r.closed_at for r in released.rows)
    posting = db.session.scalar(select(Posting).where(Posting.type == MovementType.RELEASE))
    assert len(posting.movements) == 3
    assert sum(m.reserved_delta for m in posting.movements) == -14
    assert _rows(("order", "other"))[0].qty_open == other[0].qty == 1
    with pytest.raises(NotFound, match="No active reservation"):
        reservations.release(ORDER, actor_id=None)


def test_a_partial_release_takes_the_last_reserved_units_first(app, bolts):
    first = reservations.reserve(bolts.bolt, bolts.main, 3, ORDER, actor_id=None)[0]
    second = reservations.reserve(bolts.bolt, bolts.main, 4, ORDER, actor_id=None)[0]

    assert reservations.release(ORDER, qty=5, actor_id=None).units == 5

    rows = {r.id: r for r in _rows()}
    assert (rows[second.id].status, rows[second.id].qty_open) == (R.RELEASED, 0)
    assert (rows[first.id].status, rows[first.id].qty_open) == (R.ACTIVE, 2)
    with pytest.raises(InsufficientStock, match="Only 2 reserved"):
        reservations.release(ORDER, qty=3, actor_id=None)


def test_release_can_be_narrowed_to_one_product(app, bolts, glue):
    reservations.reserve(bolts.bolt, bolts.main, 2, ORDER, actor_id=None)
    reservations.reserve(glue.glue, glue.main, 2, ORDER, actor_id=None)
    released = reservations.release(ORDER, product=glue.glue, actor_id=None)
    assert {r.product_id for r in released.rows} == {glue.glue.id} and released.units == 2
    assert {r.product_id for r in _rows() if r.status is R.ACTIVE} == {bolts.bolt.id}


def test_fulfil_consumes_reserved_and_on_hand(app, bolts):
    a1, a2 = bolts.bin(bolts.main, "A-01-01"), bolts.bin(bolts.main, "A-01-02")
    reservations.reserve(bolts.bolt, bolts.main, 12, ORDER, actor_id=None)

    done = reservations.fulfill(ORDER, actor_id=None)

    assert done.units == 12
    assert {(r.status, r.qty_open, r.qty_fulfilled) for r in done.rows} == {
        (R.FULFILLED, 0, 10),
        (R.FULFILLED, 0, 2),
    }
    assert ledger.balance(bolts.bolt.id, a2.id) == (0, 0, 0)
    assert ledger.balance(bolts.bolt.id, a1.id) == (2, 0, 0)
    moves = db.session.scalars(select(Movement).where(Movement.type == MovementType.FULFILL)).all()
    assert sorted((m.qty, m.reserved_delta) for m in moves) == [(-10, -10), (-2, -2)]
    with pytest.raises(NotFound):
        reservations.fulfill(ORDER, actor_id=None)


def test_a_partial_fulfil_ships_the_earliest_expiring_lot_first(app, glue):
    reservations.reserve(glue.glue, glue.main, 8, ORDER, actor_id=None)  # SOON 5, LATE 3
    reservations.fulfill(ORDER, qty=6, actor_id=None)
    state = {r.lot.code: (r.status, r.qty_open, r.qty_fulfilled) for r in _rows()}
    assert state == {"SOON": (R.FULFILLED, 0, 5), "LATE": (R.ACTIVE, 2, 1)}
    with pytest.raises(InsufficientStock, match="Only 2 reserved"):
        reservations.fulfill(ORDER, qty=3, actor_id=None)
    reservations.release(ORDER, actor_id=None)
    assert {r.status for r in _rows()} == {R.FULFILLED, R.RELEASED}


# --- replays -----------------------------------------------------------------------------


def test_a_replayed_reserve_returns_the_same_rows_and_writes_nothing(app, bolts):
    first = reservations.reserve(bolts.bolt, bolts.main, 12, ORDER, actor_id=None, key="k-1")
    again = reservations.reserve(bolts.bolt, bolts.main, 12, ORDER, actor_id=None, key="k-1")
    assert [r.id for r in again] == [r.id for r in first]
    assert _postings(MovementType.RESERVE) == 1 and len(_rows()) == 2
    with pytest.raises(IdempotencyKeyReused):
        reservations.reserve(bolts.bolt, bolts.main, 2, ORDER, actor_id=None, key="k-1")
    with pytest.raises(IdempotencyKeyReused):
        reservations.reserve(bolts.bolt, bolts.main, 12, ("order", "x"), actor_id=None, key="k-1")


def test_replayed_release_and_fulfil_write_nothing(app, bolts):
    reservations.reserve(bolts.bolt, bolts.main, 5, ORDER, actor_id=None)
    reservations.reserve(bolts.bolt, bolts.main, 5, ("order", "b"), actor_id=None)
    a = reservations.release(ORDER, actor_id=None, key="rel-1")
    a_again = reservations.release(ORDER, actor_id=None, key="rel-1")
    assert ([r.id for r in a_again.rows], a_again.units) == ([r.id for r in a.rows], 5)
    b = reservations.fulfill(("order", "b"), qty=2, actor_id=None, key="ful-1")
    again = reservations.fulfill(("order", "b"), qty=2, actor_id=None, key="ful-1")
    assert ([r.id for r in again.rows], again.units) == ([r.id for r in b.rows], 2)
    assert (_postings(MovementType.RELEASE), _postings(MovementType.FULFILL)) == (1, 1)
    assert _rows(("order", "b"))[0].qty_open == 3


def test_the_same_key_with_other_content_is_refused_not_answered_with_the_old_rows(app, glue):
    a1 = glue.bin(glue.main, "A-01-01")
    first = reservations.reserve(glue.glue, glue.main, 3, ORDER, actor_id=None, key="k", ttl=None)
    others = [
        dict(product=glue.bolt),
        dict(location=glue.north),
        dict(qty=4),
        dict(bin=a1),
        dict(lot=glue.soon),
        dict(ttl=timedelta(minutes=5)),
    ]
    for other in others:
        request = dict(product=glue.glue, location=glue.main, qty=3, ttl=None) | other
        product, location, qty = request.pop("product"), request.pop("location"), request.pop("qty")
        with pytest.raises(IdempotencyKeyReused, match="different"):
            reservations.reserve(product, location, qty, ORDER, actor_id=None, key="k", **request)
    again = reservations.reserve(glue.glue, glue.main, 3, ORDER, actor_id=None, key="k", ttl=None)
    assert [r.id for r in again] == [r.id for r in first] and _postings(MovementType.RESERVE) == 1

    reservations.fulfill(ORDER, qty=1, actor_id=None, key="f")
    for other in [dict(qty=2), dict(), dict(qty=1, product=glue.bolt), dict(qty=1, location=glue.north)]:
        with pytest.raises(IdempotencyKeyReused, match="different"):
            reservations.fulfill(ORDER, actor_id=None, key="f", **other)
    reservations.release(ORDER, actor_id=None, key="r")
    with pytest.raises(IdempotencyKeyReused, match="different"):
        reservations.release(ORDER, qty=1, actor_id=None, key="r")
    assert (_postings(MovementType.FULFILL), _postings(MovementType.RELEASE)) == (1, 1)
    assert [r.status for r in _rows()] == [R.RELEASED]


def _glue_reserved(site):
    return sum(
        ledger.balance(site.glue.id, b.id, lot.id)[1]
        for b in site.main.bins
        for lot in (site.old, site.soon, site.late)
    )


def _while_the_first_attempt_writes(app, monkeypatch, send):
    """send(i) for i = 0, 1 in two threads: attempt 0 holds its claimed key uncommitted
    for a moment while attempt 1 (its retry) is sent, as a retry after a lost answer can
    arrive before the first attempt committed. Returns in_threads' (results, errors)."""
    claimed, mine, real = threading.Event(), threading.local(), commands.claim

    def claim(*args):
        row = real(*args)
        if getattr(mine, "first", False):
            claimed.set()
            time.sleep(0.2)  # the retry arrives meanwhile (the outcome never depends on this)
        return row

    monkeypatch.setattr(commands, "claim", claim)

    def attempt(i):
        if i == 0:
            mine.first = True
        else:
            claimed.wait(30)
        return send(i)

    return in_threads(app, 2, attempt)


def _glue_and_main(site):
    glue_id, main_id = site.glue.id, site.main.id
    return lambda: (db.session.get(Product, glue_id), db.session.get(Location, main_id))


def test_a_retry_that_raced_its_first_attempt_gets_the_replay_not_a_409(app, glue, monkeypatch):
    load = _glue_and_main(glue)

    def send(_i):
        return [r.id for r in reservations.reserve(*load(), 3, ORDER, actor_id=None, key="retry")]

    (first, again), errors = _while_the_first_attempt_writes(app, monkeypatch, send)
    assert errors == [] and again == first
    assert [(r.lot.code, r.qty) for r in _rows()] == [("SOON", 3)]
    assert _postings(MovementType.RESERVE) == 1 and _glue_reserved(glue) == 3


def test_a_release_retry_that_raced_its_first_attempt_gets_the_replay(app, glue, monkeypatch):
    reservations.reserve(glue.glue, glue.main, 8, ORDER, actor_id=None)  # SOON 5, LATE 3

    def send(_i):
        released = reservations.release(ORDER, qty=2, actor_id=None, key="cancel")  # LATE 2
        return [r.id for r in released.rows], released.units

    (first, again), errors = _while_the_first_attempt_writes(app, monkeypatch, send)
    assert errors == [] and again == first and first[1] == 2
    assert _postings(MovementType.RELEASE) == 1
    assert {r.lot.code: r.qty_open for r in _rows()} == {"SOON": 5, "LATE": 1}


def test_a_raced_retry_with_other_content_is_still_refused(app, glue, monkeypatch):
    load = _glue_and_main(glue)

    def send(i):
        return reservations.reserve(*load(), 3 + i, ORDER, actor_id=None, key="retry")  # the retry: 4

    _results, errors = _while_the_first_attempt_writes(app, monkeypatch, send)
    assert [type(e) for e in errors] == [IdempotencyKeyReused]
    assert _postings(MovementType.RESERVE) == 1 and _glue_reserved(glue) == 3


def test_a_reserved_lot_that_expired_is_not_shipped(app, glue):
    today = utcnow()
    # SOON was reserved with no TTL; 11 days later it has expired on the shelf.
    [row] = reservations.reserve(glue.glue, glue.main, 2, ORDER, actor_id=None, ttl=None, lot=glue.soon)
    before = _postings()
    later = today + timedelta(days=11)
    with pytest.raises(
        reservations.LotExpired, match=r"Lot SOON of GLUE-50 expired on .*Release order:ord-12345"
    ):
        reservations.fulfill(ORDER, actor_id=None, now=later)
    with time_machine.travel(later, tick=False):
        with pytest.raises(reservations.LotExpired, match="write the lot off"):
            reservations.fulfill(ORDER, qty=1, actor_id=None, key="ship")
    assert _postings() == before
    [row] = _rows()
    assert (row.status, row.qty_open, row.qty_fulfilled) == (R.ACTIVE, 2, 0)
    assert ledger.balance(glue.glue.id, glue.bin(glue.main, "A-01-02").id, glue.soon.id) == (5, 2, 0)
    released = reservations.release(ORDER, actor_id=None, now=later)  # what the message says to do
    assert [r.status for r in released.rows] == [R.RELEASED]


# --- returns -----------------------------------------------------------------------------


def test_returns_need_a_returns_location(app, bolts):
    with pytest.raises(DomainError, match="no 'returns' location"):
        reservations.return_stock(bolts.bolt, 2, ORDER, "customer changed mind", actor_id=None)
    assert _postings(MovementType.RETURN) == 0


def test_a_return_lands_in_the_returns_location_once(app, glue):
    returns = make_location("returns", LocationType.RETURNS, bins=("RET-01",))
    done = reservations.return_stock(glue.bolt, 2, ORDER, "customer changed mind", actor_id=None, key="r1")
    again = reservations.return_stock(glue.bolt, 2, ORDER, "customer changed mind", actor_id=None, key="r1")
    assert (again.posting_id, again.replayed, done.bin.code) == (done.posting_id, True, "RET-01")
    ret_bin = glue.bin(returns, "RET-01")
    assert ledger.balance(glue.bolt.id, ret_bin.id) == (2, 0, 0)
    posting = db.session.get(Posting, done.posting_id)
    assert (posting.type, posting.note, posting.reference_id) == (
        MovementType.RETURN,
        "customer changed mind",
        "ord-12345",
    )

    with pytest.raises(InvalidPosting, match="lot-tracked"):
        reservations.return_stock(glue.glue, 1, ORDER, "damaged", actor_id=None)
    assert db.session.query(PutawayTask).count() == 0  # the returns location: inspected, not put away
    into_main = reservations.return_stock(
        glue.glue, 1, ORDER, "damaged", actor_id=None, location=glue.main, lot=glue.late, key="r2"
    )
    assert into_main.bin.code == "RCV-01"
    reservations.return_stock(
        glue.glue,
        1,
        ORDER,
        "damaged",
        actor_id=None,  # a replay
        location=glue.main,
        lot=glue.late,
        key="r2",
    )
    [task] = db.session.query(PutawayTask).all()  # like a delivery: someone puts it away
    assert (task.from_bin.code, task.product_id, task.lot_id, task.qty) == (
        "RCV-01",
        glue.glue.id,
        glue.late.id,
        1,
    )
    with pytest.raises(InvalidPosting, match="Say why"):
        reservations.return_stock(glue.bolt, 1, ORDER, "  ", actor_id=None)


# --- listing -----------------------------------------------------------------------------


def test_listing_filters_by_status_reference_sku_location_and_expiry(app, bolts, glue):
    reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=None, now=T0)
    reservations.reserve(glue.glue, glue.main, 1, ("order", "g"), actor_id=None, now=T0 + timedelta(hours=3))
    reservations.release(("order", "g"), actor_id=None)

    assert [r.reference for r in reservations.listing(status=R.ACTIVE)] == ["order:ord-12345"]
    assert [r.reference for r in reservations.listing(reference="order:g")] == ["order:g"]
    assert [r.reference for r in reservations.listing(reference="g")] == ["order:g"]
    assert [r.product.sku for r in reservations.listing(sku="GLUE-50")] == ["GLUE-50"]
    assert reservations.listing(location_code="service-north") == []
    assert [r.reference for r in reservations.listing(expiring_before=T0 + timedelta(hours=2))] == [
        "order:ord-12345"
    ]


# --- races on real threads ---------------------------------------------------------------


def test_concurrent_reserves_of_the_last_units_never_oversell(app, site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 10)
    bolt_id, main_id = site.bolt.id, site.main.id

    def attempt(i):
        from warehouse.catalog.models import Location, Product

        product, location = db.session.get(Product, bolt_id), db.session.get(Location, main_id)
        return reservations.reserve(product, location, 3, ("order", f"race-{i}"), actor_id=None)

    results, errors = in_threads(app, 8, attempt)

    assert all(isinstance(e, InsufficientStock) for e in errors), errors
    assert (sum(r is not None for r in results), len(errors)) == (3, 5)
    assert ledger.balance(site.bolt.id, a1.id) == (10, 9, 0)
    assert db.session.scalar(select(func.sum(Reservation.qty_open))) == 9


def test_sweepers_racing_fulfilments_never_release_a_row_twice(app, bolts):
    refs = [("order", f"r{i}") for i in range(30)]
    receiving = bolts.bin(bolts.main, "RCV-01")
    for ref in refs:
        reservations.reserve(bolts.bolt, bolts.main, 1, ref, actor_id=None, now=T0, bin=receiving)
    later = T0 + timedelta(hours=2)

    def work(i):  # two sweepers (cron overlapping itself) and three fulfilling clerks
        if i < 2:
            return ("swept", reservations.sweep(now=later))
        done = 0
        for ref in refs[i - 2 :: 3]:
            try:
                reservations.fulfill(ref, actor_id=None)
                done += 1
            except NotFound:
                pass
        return ("fulfilled", done)

    results, errors = in_threads(app, 5, work)

    assert errors == []
    swept = sum(n for what, n in results if what == "swept")
    fulfilled = sum(n for what, n in results if what == "fulfilled")
    assert swept + fulfilled == 30
    statuses = [r.status for r in reservations.listing()]
    assert statuses.count(R.EXPIRED) == swept and statuses.count(R.FULFILLED) == fulfilled
    assert _postings(MovementType.RELEASE) == swept
    assert db.session.scalar(select(func.sum(Movement.reserved_delta))) == 0
    assert sum(ledger.balance(bolts.bolt.id, b.id)[0] for b in bolts.main.bins) == 64 - fulfilled


def test_a_sweeper_that_read_a_row_before_it_was_fulfilled_leaves_it_alone(app, bolts):
    [row] = reservations.reserve(bolts.bolt, bolts.main, 3, ORDER, actor_id=None, now=T0)
    seen = (row.id, row.qty_open)  # what a sweeper read just before the sale committed
    reservations.fulfill(ORDER, qty=1, actor_id=None)

    claimed = ledger.atomically(sweeper._expire_one, *seen, T0 + timedelta(hours=2))

    assert claimed == 0 and _postings(MovementType.RELEASE) == 0
    [row] = _rows()
    assert (row.status, row.qty_open) == (R.ACTIVE, 2)
    assert reservations.sweep(now=T0 + timedelta(hours=2)) == 1  # a fresh read expires the rest
    assert _rows()[0].status is R.EXPIRED and _reserved(bolts) == 0


def test_keys_are_per_caller_and_long_keys_still_replay(app, bolts):
    from warehouse import accounts

    shop, erp = (
        accounts.create_user(name, "correct-horse-battery", "supervisor").id for name in ("shop", "erp")
    )
    long_key = "k" * 200
    mine = reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=shop, key=long_key)
    again = reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=shop, key=long_key)
    theirs = reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=erp, key=long_key)
    assert [r.id for r in again] == [r.id for r in mine] != [r.id for r in theirs]
    assert _postings(MovementType.RESERVE) == 2
    with pytest.raises(InvalidPosting, match="1-255"):
        reservations.reserve(bolts.bolt, bolts.main, 1, ORDER, actor_id=shop, key="k" * 256)


def test_concurrent_retries_of_one_reserve_key_reserve_once(app, bolts):
    bolt_id, main_id = bolts.bolt.id, bolts.main.id

    def attempt(_i):
        from warehouse.catalog.models import Location, Product

        product, location = db.session.get(Product, bolt_id), db.session.get(Location, main_id)
        return [r.id for r in reservations.reserve(product, location, 12, ORDER, actor_id=None, key="retry")]

    results, errors = in_threads(app, 6, attempt)

    assert errors == [] and len({tuple(r) for r in results}) == 1
    assert _postings(MovementType.RESERVE) == 1 and _reserved(bolts) == 12


def test_concurrent_retries_of_one_release_key_release_once(app, bolts):
    reservations.reserve(bolts.bolt, bolts.main, 12, ORDER, actor_id=None)
    results, errors = in_threads(
        app, 4, lambda _i: [r.id for r in reservations.release(ORDER, actor_id=None, key="cancel-1").rows]
    )
    assert errors == [] and len({tuple(r) for r in results}) == 1 and len(results[0]) == 2
    assert _postings(MovementType.RELEASE) == 1 and _reserved(bolts) == 0
