"""Core tables: the command log (one row per keyed write, the API's stored answers among them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.core.columns import utcnow
from warehouse.core.extensions import db


class Command(db.Model):
    """A keyed write that ran: who sent it, its key (a scan id, a form key), a fingerprint
    of the request, and what the replay needs to answer as the first time did. Claimed in
    the write's own transaction (warehouse/core/commands.py), so it exists exactly when the
    write committed."""

    __tablename__ = "commands"
    __table_args__ = (UniqueConstraint("owner", "key", name="uq_commands_owner_key"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(40))  # "user:7": one sender's keys never meet another's
    key: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64))  # what ran, e.g. "counts.record"
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(db.Text)  # JSON: what the replay answers from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
