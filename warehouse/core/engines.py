"""Per-engine connection setup.

SQLite: WAL, foreign keys and a busy timeout on every connection, and we emit BEGIN
ourselves so that ledger writes can ask for BEGIN IMMEDIATE. A deferred transaction that
reads and then writes can fail to upgrade its lock when another writer committed in
between; IMMEDIATE takes the write lock up front, so concurrent writers queue instead.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine

IMMEDIATE = "warehouse_immediate"  # execution option: this transaction will write


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
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
