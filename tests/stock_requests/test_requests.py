"""The stock request services: the state machine as a truth table, where a request is
best sent from, two approvers at once, and a request following its transfer."""

import itertools

import pytest
from sqlalchemy import func, select

from tests.conftest import in_threads
from tests.factories import make_location, receive
from warehouse import accounts, ledger, stock_requests, transfers
from warehouse.catalog.models import LocationType
from warehouse.core.errors import FourEyes, InsufficientStock, StockRequestWrongState
from warehouse.core.extensions import db
from warehouse.stock_requests.models import Fulfilment, RequestStatus, StockRequestEvent
from warehouse.transfers.models import Transfer

S = RequestStatus
ALLOWED = {
    (S.DRAFT, S.SUBMITTED),
    (S.DRAFT, S.CANCELLED),
    (S.SUBMITTED, S.DRAFT),  # rollback, before a decision
    (S.SUBMITTED, S.APPROVED),
    (S.SUBMITTED, S.REJECTED),
    (S.SUBMITTED, S.CANCELLED),
    (S.APPROVED, S.FULFILLED),  # its transfer received (or the issue posted)
    (S.APPROVED, S.SUBMITTED),  # its transfer cancelled: decide again
}


@pytest.mark.parametrize("current, target", list(itertools.product(S, S)), ids=lambda s: s.value)
def test_the_state_machine_allows_exactly_the_listed_moves(current, target):
    assert stock_requests.can_move(current, target) is ((current, target) in ALLOWED)


def test_the_truth_table_covers_every_status():
    assert set(stock_requests.TRANSITIONS) == set(S)


@pytest.fixture
def people(site):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    olga = accounts.create_user("olga", "correct-horse-battery", "operator")
    sam = accounts.create_user("sam", "correct-horse-battery", "supervisor")
    sue = accounts.create_user("sue", "correct-horse-battery", "supervisor")
    return site, olga, sam, sue


def ask(site, asker, *lines, location=None, department=None):
    request = stock_requests.create(
        location_id=location.id if location else (None if department else site.north.id),
        department=department,
        lines=[stock_requests.LineIn(product, qty) for product, qty in lines],
        actor_id=asker.id,
    )
    return stock_requests.submit(request.id, actor_id=asker.id)


# --- where from -------------------------------------------------------------------------


def test_the_suggestion_is_the_place_with_most_of_what_is_asked(people):
    site, olga, _sam, _sue = people
    east = make_location("east", bins=("RCV-01", "E-1"))
    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)  # main: 10 bolts, no nuts
    receive(site.bolt, site.bin(east, "E-1"), 4)  # east: 4 bolts and 6 nuts
    receive(site.nut, site.bin(east, "E-1"), 6)
    receive(site.bolt, site.bin(site.main, "RCV-01"), 50)  # still arriving: not available
    request = ask(site, olga, (site.bolt, 5), (site.nut, 6))

    found = stock_requests.suggest_source(stock_requests.get(request.id))
    assert (found.location.code, found.covers, found.wanted) == ("east", 10, 11)  # 4 + 6 beats 5 + 0
    assert found.why == "east has the most of what is asked available: 10 of 11 (11 units requested)."


def test_a_transfer_never_comes_from_the_requesters_own_place_an_issue_prefers_it(people):
    site, olga, _sam, _sue = people
    receive(site.bolt, site.bin(site.north, "S-01-01"), 3)
    receive(site.bolt, site.bin(site.main, "A-01-01"), 3)
    request = stock_requests.get(ask(site, olga, (site.bolt, 3)).id)
    assert stock_requests.suggest_source(request, Fulfilment.TRANSFER).location.code == "warehouse-main"
    assert stock_requests.suggest_source(request, Fulfilment.ISSUE).location.code == "service-north"


def test_nothing_is_suggested_when_nowhere_has_it(people):
    site, olga, _sam, _sue = people
    request = stock_requests.get(ask(site, olga, (site.bolt, 3)).id)
    assert stock_requests.suggest_source(request) is None


# --- deciding ---------------------------------------------------------------------------


def test_two_approvers_at_once_make_one_transfer(app, people):
    site, olga, sam, sue = people
    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)
    request_id = ask(site, olga, (site.bolt, 4)).id

    def decide(i):
        return stock_requests.approve(request_id, "transfer", actor_id=(sam, sue)[i].id).id

    results, errors = in_threads(app, 2, decide)
    assert len([r for r in results if r]) == 1
    assert [type(e) for e in errors] == [StockRequestWrongState]
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1
    assert stock_requests.get(request_id).status is S.APPROVED


def test_a_refused_approval_writes_nothing_not_even_the_transfer(people):
    site, olga, sam, _sue = people
    receive(site.bolt, site.bin(site.main, "A-01-01"), 2)
    request_id = ask(site, olga, (site.bolt, 4)).id
    with pytest.raises(InsufficientStock, match="Not enough BOLT-M8 at warehouse-main"):
        stock_requests.approve(request_id, "transfer", source_location_id=site.main.id, actor_id=sam.id)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0
    assert stock_requests.get(request_id).status is S.SUBMITTED
    with pytest.raises(FourEyes):
        stock_requests.approve(request_id, "issue", source_location_id=site.main.id, actor_id=olga.id)


def test_a_request_follows_its_transfer_to_fulfilled(people):
    site, olga, sam, _sue = people
    receive(site.bolt, site.bin(site.main, "A-01-01"), 10)
    request = stock_requests.approve(ask(site, olga, (site.bolt, 4)).id, "transfer", actor_id=sam.id)
    transfer_id = request.transfer_id
    transfers.pick(transfer_id, site.bin(site.main, "A-01-01"), site.bolt, 4, actor_id=sam.id)
    transfers.ship(transfer_id, actor_id=sam.id)
    assert stock_requests.get(request.id).status is S.APPROVED
    transfers.count_received(transfer_id, site.bolt, 4, actor_id=olga.id)
    transfers.finish_receiving(transfer_id, actor_id=olga.id)

    done = stock_requests.get(request.id)
    assert done.status is S.FULFILLED and done.fulfilled_at is not None
    last = db.session.scalars(select(StockRequestEvent).order_by(StockRequestEvent.id.desc())).first()
    assert (last.from_status, last.to_status, last.user_id) == (S.APPROVED, S.FULFILLED, olga.id)
    assert ledger.verify() == []
