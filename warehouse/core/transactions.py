"""Write transactions for every service that changes rows.

On SQLite a write transaction begins IMMEDIATE: a transaction that reads and then writes
would otherwise fail at once ("database is locked") whenever another writer committed in
between, and busy_timeout does not help there. On PostgreSQL it is an ordinary
transaction; the services lock or guard the rows they change.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from warehouse.core.engines import IMMEDIATE
from warehouse.core.extensions import db


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
        session.connection(execution_options={IMMEDIATE: True})
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info["in_ledger_tx"] = False


def atomically(work, *args, **kwargs):
    """Run `work` in one write transaction and return its result.

    On PostgreSQL two first attempts with one idempotency key can both pass the replay
    check; the loser's insert then fails on the unique key once the winner commits. We
    roll back and run `work` once more, when its replay check finds the winner's posting.
    Inside an outer transaction, failures go to the outer caller, which retries whole.
    """
    if db.session().info.get("in_ledger_tx"):
        return work(*args, **kwargs)
    for attempt in (1, 2):
        try:
            with transaction():
                return work(*args, **kwargs)
        except IntegrityError:
            if attempt == 2:
                raise
