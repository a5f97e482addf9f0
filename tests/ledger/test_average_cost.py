"""Weighted average cost per SKU x location, kept by the postings (ledger/costing.py):
units received with a cost move their place's average, units that leave do not, a place
with no costed receipt is valued at the product's standard cost, and the valuation report
can use either."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import in_threads
from warehouse import ledger
from warehouse.core.errors import CostNotValid, IdempotencyKeyReused
from warehouse.core.extensions import db
from warehouse.ledger import costing
from warehouse.ledger.models import AverageCost, Movement, MovementType
from warehouse.reporting import reports


def bought(site, bin_code: str, qty: int, cost: str | None, key=None):
    bin = site.bin(site.main, bin_code)
    line = ledger.Line.at(bin, site.bolt, qty=qty, cost=Decimal(cost) if cost else None)
    return ledger.post(MovementType.INBOUND_PURCHASE, [line], actor_id=None, key=key)


def sold(site, bin_code: str, qty: int):
    line = ledger.Line.at(site.bin(site.main, bin_code), site.bolt, qty=-qty)
    return ledger.post(MovementType.OUTBOUND_SALE, [line], actor_id=None)


def average(site) -> Decimal | None:
    db.session.rollback()
    return costing.average_cost(site.bolt.id, site.main.id)


def test_receipts_with_a_cost_move_the_average_and_sales_do_not(site):
    bought(site, "A-01-01", 10, "5.00")
    assert average(site) == Decimal("5.0000")
    bought(site, "A-01-02", 10, "7.00")  # another bin of the same place
    assert average(site) == Decimal("6.0000")
    sold(site, "A-01-01", 5)
    assert average(site) == Decimal("6.0000")
    bought(site, "A-01-01", 5, "9.00")  # (15 x 6 + 5 x 9) / 20
    assert average(site) == Decimal("6.7500")
    costs = db.session.scalars(select(Movement.cost_per_unit).order_by(Movement.id)).all()
    assert costs == [Decimal("5.0000"), Decimal("7.0000"), None, Decimal("9.0000")]


def test_units_already_there_count_at_the_standard_cost(site):
    site.bolt.unit_cost = Decimal("4.00")
    db.session.commit()
    bought(site, "A-01-01", 10, None)  # no cost given: no average yet
    assert average(site) is None
    bought(site, "A-01-01", 10, "6.00")  # (10 x 4 + 10 x 6) / 20
    assert average(site) == Decimal("5.0000")


def test_a_cost_on_units_that_leave_or_below_zero_is_refused_and_writes_nothing(site):
    bought(site, "A-01-01", 10, "5.00")
    before = db.session.scalar(select(func.count()).select_from(Movement))
    bin = site.bin(site.main, "A-01-01")
    for line in (
        ledger.Line.at(bin, site.bolt, qty=-2, cost=Decimal("5")),
        ledger.Line.at(bin, site.bolt, qty=2, cost=Decimal("-1")),
        ledger.Line.at(bin, site.bolt, qty=2, cost=Decimal("100000000")),
    ):
        with pytest.raises(CostNotValid):
            ledger.post(MovementType.ADJUSTMENT, [line], actor_id=None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Movement)) == before
    assert average(site) == Decimal("5.0000")


def test_a_replay_moves_the_average_once_and_another_cost_is_another_request(site):
    first = bought(site, "A-01-01", 10, "5.00", key="po-1")
    assert bought(site, "A-01-01", 10, "5.00", key="po-1").posting_id == first.posting_id
    bought(site, "A-01-01", 10, "8.00")
    assert average(site) == Decimal("6.5000")
    with pytest.raises(IdempotencyKeyReused):
        bought(site, "A-01-01", 10, "6.00", key="po-1")


def test_receipts_racing_into_one_place_each_count_once(app, site):
    lines = [  # built here: the threads share no ORM object with this session
        ledger.Line.at(site.bin(site.main, code), site.bolt, qty=10, cost=Decimal(cost))
        for code, cost in (("A-01-01", "3.00"), ("A-01-02", "9.00")) * 2
    ]

    def receive(i):
        return ledger.post(MovementType.INBOUND_PURCHASE, [lines[i]], actor_id=None)

    _, errors = in_threads(app, 4, receive)
    assert errors == []
    # 20 at 3 and 20 at 9, whatever the order: 6. A receipt that read the on-hand before
    # another's units were in would weigh its cost wrongly.
    assert average(site) == Decimal("6.0000")
    assert db.session.scalar(select(func.count()).select_from(AverageCost)) == 1


def test_the_valuation_report_values_at_the_average_or_the_standard_cost(site):
    site.bolt.unit_cost = Decimal("4.00")
    db.session.commit()
    bought(site, "A-01-01", 10, "5.00")
    bought(site, "A-01-01", 10, "7.00")
    standard = reports.valuation(date.today(), site.main)
    averaged = reports.valuation(date.today(), site.main, basis="average")
    assert standard.total[-1] == Decimal("80.00")
    assert averaged.total[-1] == Decimal("120.00")
    assert ("Valued at", "weighted average cost") in averaged.filters


def test_units_moved_to_another_location_carry_their_average_with_them(site):
    """A transfer's legs (here straight from one location to another in one posting, as a
    transfer's receive moves units out of transit) value the arriving units at the average
    of the place they left: moving stock does not change what it is worth."""
    site.bolt.unit_cost = Decimal("4.00")
    db.session.commit()
    bought(site, "A-01-01", 10, "10.00")  # main: 10 at 10
    north = site.bin(site.north, "S-01-01")
    ledger.post(MovementType.INBOUND_PURCHASE, [ledger.Line.at(north, site.bolt, qty=10)], actor_id=None)
    moved = [
        ledger.Line.at(site.bin(site.main, "A-01-01"), site.bolt, qty=-5),
        ledger.Line.at(north, site.bolt, qty=5),
    ]
    ledger.post(MovementType.TRANSFER_IN, moved, actor_id=None)

    # north had 10 at the standard 4; 5 arrive at main's 10: (10 x 4 + 5 x 10) / 15 = 6
    db.session.rollback()
    assert costing.average_cost(site.bolt.id, site.north.id) == Decimal("6.0000")
    assert average(site) == Decimal("10.0000")  # leaving does not change main's
    arrived = db.session.scalars(
        select(Movement.cost_per_unit).where(Movement.type == MovementType.TRANSFER_IN, Movement.qty > 0)
    ).one()
    assert arrived == Decimal("10.0000")
    worth = reports.valuation(date.today(), None, basis="average").total[-1]
    assert worth == Decimal("5") * 10 + Decimal("15") * 6  # 140: what was bought, 10 x 10 + 10 x 4
