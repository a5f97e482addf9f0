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
