"""Per-engine connection setup, and SQLite's writer queue.

SQLite: WAL, foreign keys and a busy timeout on every connection, and we emit BEGIN
ourselves so that ledger writes can ask for BEGIN IMMEDIATE. A deferred transaction that
reads and then writes can fail to upgrade its lock when another writer committed in
between; IMMEDIATE takes the write lock up front, so concurrent writers queue instead.

SQLite has one writer at a time, and writers that meet inside it wait in its busy
handler, which sleeps and polls (sleeps of up to 100 ms): with eight clients writing, the
p99 was the sleeping, not the work. So writers queue in front of BEGIN IMMEDIATE instead
(`writer_turn`): threads of this process on a lock, processes (gunicorn workers) on an
flock of a file beside the database. Each wakes the moment the one before it is done.

The WAL is checkpointed outside requests: SQLite's automatic checkpoint runs inside the
commit that crosses its threshold, which put the whole checkpoint into one unlucky
request. Here every CHECKPOINT_EVERY commits a short-lived background thread runs a
PASSIVE checkpoint (it never blocks readers or writers).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

IMMEDIATE = "warehouse_immediate"  # execution option: this transaction will write
CHECKPOINT_EVERY = 200  # commits; about SQLite's own 1000-page threshold for our writes
log = logging.getLogger(__name__)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN in the "begin" hook below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA wal_autocheckpoint=0")  # WriterQueue checkpoints, outside requests
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    _queues[engine] = WriterQueue(engine)


class WriterQueue:
    """One SQLite database's writers, in turn (see the module docstring)."""

    def __init__(self, engine: Engine):
        self._engine = weakref.ref(engine)
        database = engine.url.database
        in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
        self._path = None if in_memory else f"{database}-writers.lock"
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None
        self._commits = 0
        self._checkpointing = threading.Event()

    def forget_parent(self) -> None:
        """In a forked worker: the parent's lock holder and checkpoint thread are not here."""
        self._threads = threading.Lock()
        self._checkpointing.clear()

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._threads:
            fd = self._lock_file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            self._commits += 1
            due = self._commits >= CHECKPOINT_EVERY and not self._checkpointing.is_set()
            if due:
                self._commits = 0
                self._checkpointing.set()
        if due:
            threading.Thread(target=self._checkpoint, name="wal-checkpoint", daemon=True).start()

    def _lock_file(self) -> int | None:
        if self._path is None:
            return None
        if self._pid != os.getpid():  # first use, or a forked worker: a descriptor of its own
            self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            weakref.finalize(self, os.close, self._fd)  # closed with the queue (its engine gone)
        return self._fd

    def _checkpoint(self) -> None:
        try:
            engine = self._engine()
            if engine is not None:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # noqa: BLE001 - a missed checkpoint is retried after the next commits
            log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            self._checkpointing.clear()


_queues: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()


def _after_fork_in_child() -> None:
    """A forked worker starts with every queue free: a lock or a checkpoint in flight in
    the parent at fork time belongs to a thread the child does not have."""
    for queue in list(_queues.values()):
        queue.forget_parent()


os.register_at_fork(after_in_child=_after_fork_in_child)


@contextmanager
def writer_turn(engine: Engine) -> Iterator[None]:
    """Wait for this write's turn (SQLite), or go at once (PostgreSQL: row locks)."""
    queue = _queues.get(engine)
    if queue is None:
        yield
        return
    with queue.turn():
        yield
