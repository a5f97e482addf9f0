"""The ledger: invariants refused in floor words, refusals write nothing, replays,
point-in-time stock, the audit, and the database's own guards."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.factories import make_lot, receive
from warehouse import ledger
from warehouse.core.columns import utcnow
from warehouse.core.errors import IdempotencyKeyReused, InsufficientStock, InvalidPosting
from warehouse.core.extensions import db
from warehouse.ledger import Line
from warehouse.ledger.models import Balance, Movement, MovementType, Posting


def snapshot():
    """Everything the ledger owns, to prove a refusal changed nothing."""
    return (
        db.session.scalar(select(func.count()).select_from(Posting)),
        db.session.scalar(select(func.count()).select_from(Movement)),
        sorted(
            tuple(r)
            for r in db.session.execute(
                select(
                    Balance.product_id,
                    Balance.bin_id,
                    Balance.lot_id,
                    Balance.on_hand,
                    Balance.reserved,
                    Balance.held,
                )
            )
        ),
    )


def test_a_receipt_creates_the_balance_and_a_movement_with_the_balance_after(site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 10)
    posted = receive(site.bolt, a1, 5)

    assert ledger.balance(site.bolt.id, a1.id) == (15, 0, 0)
    movement = db.session.scalar(select(Movement).where(Movement.posting_id == posted.posting_id))
    assert (movement.qty, movement.balance_after, movement.type) == (5, 15, MovementType.INBOUND_PURCHASE)
    assert posted.balances_after == {Line.at(a1, site.bolt).key: (15, 0, 0)}


def test_issuing_more_than_on_hand_is_refused_with_the_numbers_and_writes_nothing(site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 5)
    before = snapshot()

    with pytest.raises(InsufficientStock) as refused:
        ledger.post(MovementType.OUTBOUND_SALE, [Line.at(a1, site.bolt, qty=-10)], actor_id=None)

    assert str(refused.value) == "Insufficient stock at A-01-01 for BOLT-M8: on hand 5, requested 10."
    assert snapshot() == before


def test_issuing_units_reserved_for_someone_else_is_refused_as_not_available(site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 10)
    ledger.post(MovementType.RESERVE, [Line.at(a1, site.bolt, reserved=6)], actor_id=None)
    before = snapshot()

    with pytest.raises(InsufficientStock, match="available 4, requested 5"):
        ledger.post(MovementType.OUTBOUND_SALE, [Line.at(a1, site.bolt, qty=-5)], actor_id=None)
    assert snapshot() == before


@pytest.mark.parametrize(
    "line, message",
    [
        (dict(reserved=11), "available 10, requested 11"),
        (dict(held=11), "available 10, requested 11"),
        (dict(reserved=-1), "Cannot release 1 of BOLT-M8 at A-01-01: only 0 reserved."),
        (dict(held=-1), "from hold: only 0 held."),
    ],
)
def test_reserving_holding_and_releasing_respect_the_invariants(site, line, message):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 10)
    before = snapshot()
    with pytest.raises(InsufficientStock, match=message):
        ledger.post(MovementType.RESERVE, [Line.at(a1, site.bolt, **line)], actor_id=None)
    assert snapshot() == before


def test_a_posting_is_all_or_nothing_when_a_later_line_is_refused(site):
    a1, a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    receive(site.bolt, a1, 3)
    before = snapshot()

    with pytest.raises(InsufficientStock):
        ledger.post(
            MovementType.PUTAWAY,
            [
                Line.at(a2, site.bolt, qty=+5),  # applied first (key order), then rolled back
                Line.at(a1, site.bolt, qty=-5),
            ],
            actor_id=None,
        )

    assert snapshot() == before
    assert ledger.balance(site.bolt.id, a2.id) == (0, 0, 0)


def test_taking_stock_from_a_bin_that_never_had_any_is_refused(site):
    with pytest.raises(InsufficientStock, match="on hand 0, requested 1"):
        ledger.post(
            MovementType.OUTBOUND_SALE,
            [Line.at(site.bin(site.main, "A-01-02"), site.nut, qty=-1)],
            actor_id=None,
        )
    assert snapshot() == (0, 0, [])


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "Nothing to post"),
        ([dict(qty=0)], "must not be zero"),
        ([dict(qty=10**12)], "Quantity too large"),
        ([dict(qty=1.5)], "whole units"),
    ],
)
def test_malformed_postings_are_refused_before_touching_the_database(site, lines, message):
    a1 = site.bin(site.main, "A-01-01")
    with pytest.raises(InvalidPosting, match=message):
        ledger.post(MovementType.ADJUSTMENT, [Line.at(a1, site.bolt, **kw) for kw in lines], actor_id=None)
    assert snapshot() == (0, 0, [])


def test_a_balance_cannot_grow_past_what_the_column_holds(site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, ledger.MAX_LINE_QTY)
    receive(site.bolt, a1, ledger.MAX_LINE_QTY)
    with pytest.raises(InvalidPosting, match="would exceed"):
        receive(site.bolt, a1, 1)
    assert ledger.balance(site.bolt.id, a1.id)[0] == 2 * ledger.MAX_LINE_QTY


def test_replaying_a_key_returns_the_first_posting_and_writes_nothing(site):
    a1 = site.bin(site.main, "A-01-01")
    first = receive(site.bolt, a1, 7, key="scan-123")
    before = snapshot()

    again = receive(site.bolt, a1, 7, key="scan-123")

    assert (again.posting_id, again.replayed) == (first.posting_id, True)
    assert snapshot() == before
    assert ledger.balance(site.bolt.id, a1.id) == (7, 0, 0)


def test_reusing_a_key_for_a_different_change_is_refused(site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 7, key="scan-123")
    before = snapshot()
    with pytest.raises(IdempotencyKeyReused):
        receive(site.bolt, a1, 8, key="scan-123")
    assert snapshot() == before


def test_stock_at_a_past_instant_matches_a_replay_of_the_movements(site):
    a1, a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    lot = make_lot(site.glue, "L1")
    receive(site.bolt, a1, 10)
    receive(site.glue, a2, 4, lot=lot)
    ledger.post(MovementType.RESERVE, [Line.at(a1, site.bolt, reserved=3)], actor_id=None)
    middle = utcnow()
    ledger.post(
        MovementType.PUTAWAY, [Line.at(a1, site.bolt, qty=-5), Line.at(a2, site.bolt, qty=5)], actor_id=None
    )
    receive(site.glue, a2, 1, lot=lot)

    replayed = {}
    for m in db.session.scalars(select(Movement).where(Movement.created_at <= middle).order_by(Movement.id)):
        on_hand, reserved, held = replayed.get((m.product_id, m.location_id, m.bin_id, m.lot_id), (0, 0, 0))
        replayed[(m.product_id, m.location_id, m.bin_id, m.lot_id)] = (
            on_hand + m.qty,
            reserved + m.reserved_delta,
            held + m.held_delta,
        )

    assert ledger.stock_at(middle) == replayed
    assert replayed[Line.at(a1, site.bolt).key] == (10, 3, 0)
    assert ledger.stock_at(middle - timedelta(days=1)) == {}
    assert ledger.stock_at(utcnow())[Line.at(a1, site.bolt).key] == (5, 3, 0)


@pytest.mark.drift_expected
def test_verify_finds_no_drift_after_normal_postings_and_names_a_tampered_key(site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 10)
    receive(site.nut, a1, 4)
    assert ledger.verify() == []

    db.session.execute(
        text("UPDATE stock_balances SET on_hand = on_hand + 1 WHERE product_id = :p"), {"p": site.nut.id}
    )
    db.session.commit()

    drifts = ledger.verify()
    assert [d.key for d in drifts] == [Line.at(a1, site.nut).key]
    assert (drifts[0].from_movements, drifts[0].in_balances) == ((4, 0, 0), (5, 0, 0))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE stock_balances SET on_hand = -1",
        "UPDATE stock_balances SET reserved = -1",
        "UPDATE stock_balances SET held = -1",
        "UPDATE stock_balances SET reserved = on_hand, held = 1",
    ],
)
def test_the_database_refuses_a_balance_that_breaks_an_invariant(site, sql):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)
    with pytest.raises(IntegrityError):
        db.session.execute(text(sql))
        db.session.flush()
    db.session.rollback()
    assert ledger.balance(site.bolt.id, site.bin(site.main, "A-01-01").id) == (10, 0, 0)


@pytest.mark.parametrize("sql", ["UPDATE stock_movements SET qty = 99", "DELETE FROM stock_movements"])
def test_movements_are_append_only_in_the_database(site, sql):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(sql))
    db.session.rollback()
    assert db.session.scalar(select(Movement.qty)) == 10


def test_lot_tracked_stock_cannot_move_without_a_lot(site):
    shelf = site.bin(site.main, "A-01-01")
    with pytest.raises(InvalidPosting, match="GLUE-50 is lot-tracked"):
        receive(site.glue, shelf, 5)
    assert snapshot() == (0, 0, [])

    receive(site.glue, shelf, 5, lot=make_lot(site.glue, "L1"))
    assert db.session.scalar(select(func.count()).select_from(Movement)) == 1
