"""The command pipeline (warehouse/core/commands.py): a keyed write runs once, its replay
is answered from what the first run stored, the same key with another request is refused,
and a refused write leaves no key behind. On both engines, racing threads included."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import in_threads
from warehouse import accounts
from warehouse.core import commands
from warehouse.core.errors import IdempotencyKeyReused, InvalidPosting, KeyTooLong, ReservationChanged
from warehouse.core.extensions import db
from warehouse.core.models import Command
from warehouse.core.transactions import RaceLost


class Tally:
    """A stand-in service: counts how often it really ran."""

    def __init__(self):
        self.runs = 0

    def work(self):
        self.runs += 1
        return {"run": self.runs}


def command(tally, *, key="scan-1", actor_id=1, request=("bin", "item", 1)):
    return commands.run(
        "test.tally",
        tally.work,
        key=key,
        actor_id=actor_id,
        request=request,
        remember=lambda result: result,
        recall=lambda stored: {**stored, "replayed": True},
    )


def stored_keys() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Command))


def test_a_retried_command_runs_once_and_gets_the_first_answer(app, operator_id):
    tally = Tally()
    first = command(tally, actor_id=operator_id)
    again = command(tally, actor_id=operator_id)
    assert first == {"run": 1}
    assert again == {"run": 1, "replayed": True}
    assert tally.runs == 1 and stored_keys() == 1


def test_the_same_key_with_another_request_is_refused_and_writes_nothing(app, operator_id):
    tally = Tally()
    command(tally, actor_id=operator_id)
    with pytest.raises(IdempotencyKeyReused, match="different request"):
        command(tally, actor_id=operator_id, request=("bin", "item", 2))
    assert tally.runs == 1 and stored_keys() == 1


def test_a_refused_command_leaves_no_key_so_a_retry_is_judged_afresh(app, operator_id):
    def refuse():
        raise InvalidPosting("Not now.")

    with pytest.raises(InvalidPosting):
        commands.run(
            "test.refuse",
            refuse,
            key="k",
            actor_id=operator_id,
            request=1,
            remember=lambda r: r,
            recall=lambda s: s,
        )
    assert stored_keys() == 0
    assert command(Tally(), key="k", actor_id=operator_id) == {"run": 1}


def test_keys_belong_to_their_sender(app, operator_id, supervisor_id):
    tally = Tally()
    command(tally, actor_id=operator_id)
    command(tally, actor_id=supervisor_id)
    assert tally.runs == 2 and stored_keys() == 2


def test_a_command_without_a_key_just_runs(app):
    tally = Tally()
    command(tally, key=None)
    command(tally, key=None)
    assert tally.runs == 2 and stored_keys() == 0


@pytest.mark.parametrize("key", ["", "k" * 256, 42])
def test_a_key_out_of_bounds_is_refused(app, operator_id, key):
    with pytest.raises(KeyTooLong):
        command(Tally(), key=key, actor_id=operator_id)
    assert stored_keys() == 0


def test_a_long_key_is_kept_as_a_digest_and_still_replays(app, operator_id):
    tally = Tally()
    command(tally, key="k" * 255, actor_id=operator_id)
    command(tally, key="k" * 255, actor_id=operator_id)
    command(tally, key="k" * 254, actor_id=operator_id)  # another key, not a digest collision
    assert tally.runs == 2 and stored_keys() == 2
    assert all(len(key) <= 128 for key in db.session.scalars(select(Command.key)))


def test_first_attempts_racing_with_one_key_run_once(app, operator_id):
    tally = Tally()
    results, errors = in_threads(app, 4, lambda i: command(tally, key="race", actor_id=operator_id))
    assert errors == []
    assert tally.runs == 1 and stored_keys() == 1
    assert sorted(r.get("replayed", False) for r in results) == [False, True, True, True]


@pytest.fixture
def operator_id(app):
    return _user("op", "operator")


@pytest.fixture
def supervisor_id(app):
    return _user("boss", "supervisor")


def _user(name, role):
    return accounts.create_user(name, "long-enough-pw", role).id


def test_a_command_that_lost_a_race_runs_again_whole_and_its_key_is_claimed_once(app, operator_id):
    tries = []

    def work():
        tries.append(1)
        if len(tries) < 3:  # a guarded UPDATE found the row changed by another writer
            raise RaceLost(ReservationChanged("changed meanwhile"))
        return {"run": len(tries)}

    def send():
        return commands.run(
            "test.race",
            work,
            key="k",
            actor_id=operator_id,
            request=1,
            remember=lambda result: result,
            recall=lambda stored: {**stored, "replayed": True},
        )

    assert send() == {"run": 3} and send() == {"run": 3, "replayed": True}
    assert len(tries) == 3 and stored_keys() == 1


def test_a_command_that_keeps_losing_races_is_refused_with_the_last_refusal_and_leaves_no_key(
    app, operator_id
):
    def work():
        raise RaceLost(ReservationChanged("changed meanwhile"))

    with pytest.raises(ReservationChanged, match="changed meanwhile"):
        commands.run("test.race", work, key="k", actor_id=operator_id, request=1, remember=str, recall=str)
    assert stored_keys() == 0
