"""Write transactions for every service that changes rows.

On SQLite a write transaction begins IMMEDIATE: a transaction that reads and then writes
would otherwise fail at once ("database is locked") whenever another writer committed in
between, and busy_timeout does not help there. On PostgreSQL it is an ordinary
transaction; the services lock or guard the rows they change.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from warehouse.core.engines import IMMEDIATE, writer_turn
from warehouse.core.errors import Conflict, DomainError
from warehouse.core.extensions import db
from warehouse.core.i18n import msg

ATTEMPTS = 4  # a write that keeps losing races is refused with the refusal it last met


class RaceLost(Exception):
    """A guarded UPDATE matched no row, or a balance went short, because a concurrent
    writer changed what this transaction read: run the whole transaction again. `refusal`
    is the error the caller gets when every attempt lost."""

    def __init__(self, refusal: DomainError):
        super().__init__(refusal.message)
        self.refusal = refusal


@contextmanager
def transaction() -> Iterator[None]:
    """One write transaction that commits on success and rolls back on any error.

    Services that change stock (and their own rows, e.g. a task's status) run inside one
    of these so the whole business event is atomic. On SQLite it begins IMMEDIATE: the
    write lock is taken before the first read, so concurrent writers queue rather than
    fail to upgrade. Nested use joins the outer transaction.
    """
    session = db.session()  # the real Session behind the scoped proxy
    if session.info.get("in_ledger_tx"):
        yield
        return
    if session.in_transaction():
        # End whatever read transaction the request autobegan; there must be no pending
        # writes here (a service owns its transaction), so this commit writes nothing.
        session.commit()
    session.info["in_ledger_tx"] = True
    try:
        with writer_turn(session.get_bind()):  # SQLite: this write's turn (core/engines.py)
            try:
                session.connection(execution_options={IMMEDIATE: True})
                yield
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        session.info["in_ledger_tx"] = False


def serialise(name: str) -> None:
    """Inside a write transaction: no other transaction about `name` runs until this one
    ends. PostgreSQL: an advisory transaction lock on the name's hash (read committed alone
    lets concurrent transactions each count only their own insert). SQLite: nothing to do,
    a write transaction there is the only writer."""
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE for deadlock_detected


def atomically(work, *args, **kwargs):
    """Run `work` in one write transaction and return its result.

    Three reasons to run it again from the start, each after a rollback (nothing it wrote
    is kept), up to ATTEMPTS runs in all: a RaceLost (a concurrent writer changed what it
    read); on PostgreSQL a deadlock (two writers took the same rows in opposite orders:
    the server rolled one back); and an IntegrityError on PostgreSQL (two first attempts
    with one idempotency key both passed the replay check, or two writers read the same
    last serial number (core/columns.py next_serial): the next run finds the winner's
    row). Several writers at once may each lose more than once, so none of the three is
    retried only once. Inside an outer transaction all go to the outer caller, which runs
    again whole.
    """
    if db.session().info.get("in_ledger_tx"):
        return work(*args, **kwargs)
    for _attempt in range(ATTEMPTS):
        try:
            with transaction():
                return work(*args, **kwargs)
        except RaceLost as lost:
            refusal = lost.refusal
        except OperationalError as failed:
            if getattr(failed.orig, "sqlstate", None) != DEADLOCK:
                raise
            refusal = Conflict(msg("This write met another at the same moment. Send it again."))
        except IntegrityError as clash:
            refusal = clash  # after the last run, raised as it is: not a rule a person broke
    raise refusal
