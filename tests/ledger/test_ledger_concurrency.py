"""Two scanners on one bin must never oversell: real threads, real database."""

import threading

from tests.conftest import ORG_ID
from tests.factories import receive
from warehouse import ledger
from warehouse.core import tenancy
from warehouse.core.errors import InsufficientStock
from warehouse.core.extensions import db
from warehouse.ledger import Line
from warehouse.ledger.models import MovementType

WORKERS, ATTEMPTS = 16, 320


def test_sixteen_workers_racing_for_one_hundred_units_take_exactly_one_hundred(app, site):
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 100)
    line = Line.at(a1, site.bolt, qty=-1)
    outcomes, errors = [], []
    start = threading.Barrier(WORKERS)

    def worker(n_attempts):
        with app.app_context(), tenancy.acting_for(ORG_ID):  # each thread has its own session and connection
            start.wait()
            for _ in range(n_attempts):
                try:
                    ledger.post(MovementType.OUTBOUND_SALE, [line], actor_id=None)
                    outcomes.append("taken")
                except InsufficientStock:
                    outcomes.append("refused")
                except Exception as unexpected:  # noqa: BLE001 - reported below
                    errors.append(repr(unexpected))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(ATTEMPTS // WORKERS,)) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    db.session.rollback()  # end this thread's read snapshot (SQLite WAL) before reading again
    assert errors == []
    assert (outcomes.count("taken"), outcomes.count("refused")) == (100, 220)
    assert ledger.balance(site.bolt.id, a1.id) == (0, 0, 0)
    assert ledger.verify() == []


def test_concurrent_replays_of_one_key_post_once(app, site):
    a1 = site.bin(site.main, "A-01-01")
    results = []
    start = threading.Barrier(8)

    def worker():
        with app.app_context(), tenancy.acting_for(ORG_ID):
            start.wait()
            results.append(receive(site.bolt, a1, 3, key="double-tap").posting_id)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    db.session.rollback()
    assert len(results) == 8 and len(set(results)) == 1
    assert ledger.balance(site.bolt.id, a1.id) == (3, 0, 0)
