"""Core tables: the command log (one row per keyed write) and the API's answer cache for
Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.core.columns import utcnow
from warehouse.core.extensions import db


class ApiIdempotency(db.Model):
    """The first response to an API write with an Idempotency-Key, replayed on a retry."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body
    status_code: Mapped[int]
    response_body: Mapped[str] = mapped_column(db.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
