"""What reserving, closing, returning and the sweeper share: limits, the posting's key,
and the answer a keyed request is replayed from.

A keyed request runs as one command (warehouse/core/commands.py): its key is claimed in
the same transaction as the posting, and a replay is answered from that posting without
writing. The posting also carries the key (`reservation:<verb>:<caller>:<key>`): the
ledger's unique posting key stays the last line of defence beneath the command.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from sqlalchemy import select

from warehouse import ledger
from warehouse.availability.models import Reservation, ReservationStatus
from warehouse.core import tenancy
from warehouse.core.errors import IdempotencyKeyReused, QuantityOutOfRange
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.core.models import Organisation
from warehouse.core.settings import Settings
from warehouse.ledger.models import MovementType

log = logging.getLogger(__name__)
MAX_QTY = 1_000_000
MAX_TTL = timedelta(days=366)
RETURNS_LOCATION = "returns"
R = ReservationStatus
rows_table = Reservation.__table__


# When a caller names no TTL. The doors pass the configured one (Settings.reservation_ttl).
DEFAULT_TTL = Settings().reservation_ttl


def cart_ttl(default: timedelta) -> timedelta:
    """How long a cart holds stock in the current organisation: its own setting, else
    `default` (the installation's, Settings.reservation_ttl)."""
    minutes = db.session.scalar(
        select(Organisation.cart_ttl_minutes).where(Organisation.id == tenancy.current())
    )
    return timedelta(minutes=minutes) if minutes else default


def check_qty(qty, verb: str) -> None:
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(_qty_range(verb))


def _qty_range(verb: str) -> Message:
    """The range refused, a whole sentence for each verb (translators see the verb in it)."""
    if verb == "Reserve":
        return msg("Reserve 1 to {max_qty:,} units.", max_qty=MAX_QTY)
    if verb == "Release":
        return msg("Release 1 to {max_qty:,} units.", max_qty=MAX_QTY)
    if verb == "Fulfill":
        return msg("Fulfill 1 to {max_qty:,} units.", max_qty=MAX_QTY)
    if verb == "Return":
        return msg("Return 1 to {max_qty:,} units.", max_qty=MAX_QTY)
    if verb == "Order":
        return msg("Order 1 to {max_qty:,} units.", max_qty=MAX_QTY)
    return msg("{verb} 1 to {max_qty:,} units.", verb=verb, max_qty=MAX_QTY)


def ledger_key(verb: str, key: str | None, actor_id: int | None) -> str | None:
    """The posting's key: namespaced by verb and caller (one caller's key never finds
    another's reservation); a long key is hashed to fit the column."""
    if key is None:
        return None
    if len(key) > 80:
        key = "#" + hashlib.sha256(key.encode()).hexdigest()
    return f"reservation:{verb}:{actor_id or 0}:{key}"


def post(verb: str, type: MovementType, lines, *, key, actor_id, reference, note) -> ledger.Posted:
    """The verb's one posting. The command claimed the key first, so the ledger finding
    the key taken means a posting the command log never recorded (a key sent before the
    log existed): refused rather than written twice."""
    posted = ledger.post(
        type, lines, actor_id=actor_id, key=ledger_key(verb, key, actor_id), reference=reference, note=note
    )
    if posted.replayed:
        raise IdempotencyKeyReused(
            msg("This request key was already used. Send a new request with a new key.")
        )
    return posted
