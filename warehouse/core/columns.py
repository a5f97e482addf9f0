"""Column helpers shared by every package's tables: UTC time and enum columns."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Enum,
)


def utcnow() -> datetime:
    """Naive UTC: both engines store it unchanged, whatever the server's time zone."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def enum_column(cls, name):
    """Store enums as their values in a VARCHAR with a CHECK (same on both engines)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def next_serial(context) -> int:
    """Column default for a `serial`: the next number of its table within the current
    organisation (TR-000001 counts per organisation). The MAX is scoped by the Core hook
    (warehouse/core/tenancy.py); two writers that read the same MAX collide on the
    (org_id, serial) unique key, and the loser's transaction runs again
    (core.transactions.atomically; SQLite has one writer at a time)."""
    from sqlalchemy import func, select

    last = getattr(context, "warehouse_serial", None)  # rows of one executemany INSERT
    if last is None:
        table = context.compiled.statement.table
        last = context.connection.scalar(select(func.coalesce(func.max(table.c.serial), 0)))
    context.warehouse_serial = last + 1
    return last + 1
