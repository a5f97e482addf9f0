"""Core tables: the command log (one row per keyed write, the API's stored answers among
them) and the floor's scan dialogues (what each operator's screen waits for)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScoped


class Organisation(db.Model):
    """A company (or a 3PL's client) whose stock, people and settings are its own. Every
    business table carries its id (warehouse/core/tenancy.py)."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # flask create-org CODE; --org CODE
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # How long a cart holds stock (minutes); NULL: the installation's RESERVATION_TTL_MINUTES.
    cart_ttl_minutes: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Command(OrgScoped, db.Model):
    """A keyed write that ran: who sent it, its key (a scan id, a form key), a fingerprint
    of the request, and what the replay needs to answer as the first time did. Claimed in
    the write's own transaction (warehouse/core/commands.py), so it exists exactly when the
    write committed."""

    __tablename__ = "commands"
    __table_args__ = (UniqueConstraint("org_id", "owner", "key", name="uq_commands_org_owner_key"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(40))  # "user:7": one sender's keys never meet another's
    key: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64))  # what ran, e.g. "counts.record"
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(db.Text)  # JSON: what the replay answers from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScanDialogue(OrgScoped, db.Model):
    """Where one operator is in one floor screen's dialogue about one document (a receipt,
    a count batch, a transfer): the bin scanned last, the item whose lot is being asked,
    a quantity typed for the next item. Held here, not in the page, so scans sent one at
    a time (or queued offline and sent later) are read in the state the one before left
    (warehouse/core/dialogues.py)."""

    __tablename__ = "scan_dialogues"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id", "screen", "document_id", name="uq_scan_dialogues_screen"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    screen: Mapped[str] = mapped_column(String(24))  # receive | count | pick | transfer_receive | putaway
    document_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
