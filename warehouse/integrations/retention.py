"""Pruning the bookkeeping tables that only ever grow: command keys for replays (with the
API answers stored on them), webhook events already delivered (with their deliveries and attempts), old failed
sign-ins and floor screens' dialogues nobody has scanned into since (a document long
finished, or left half-way: the next scan there starts afresh). Never the ledger: postings and movements are the audit trail and stay forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from warehouse import ledger
from warehouse.accounts.models import SignInAttempt
from warehouse.core.columns import utcnow
from warehouse.core.errors import RetentionTooShort
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.models import Command, ScanDialogue
from warehouse.integrations.models import DeliveryStatus, OutboxEvent, WebhookAttempt, WebhookDelivery

MIN_DAYS = 1  # an Idempotency-Key must replay for at least a day (clients retry for hours)


@dataclass(frozen=True)
class Pruned:
    commands: int  # command keys (core.commands), API answers with them
    events: int
    deliveries: int
    attempts: int
    sign_in_attempts: int
    dialogues: int = 0  # floor screens' scan dialogues idle since before the cutoff


def prune(days: int, *, now: datetime | None = None) -> Pruned:
    """Delete what is older than `days` and finished with, in one transaction."""
    if not isinstance(days, int) or days < MIN_DAYS:
        raise RetentionTooShort(msg("Keep at least {days} day(s).", days=MIN_DAYS))
    cutoff = (now or utcnow()) - timedelta(days=days)
    return ledger.atomically(_prune, cutoff)


def _prune(cutoff: datetime) -> Pruned:
    run = db.session.execute
    keys = run(delete(Command).where(Command.created_at < cutoff)).rowcount
    # Events dispatched before the cutoff whose every delivery has ended (delivered or
    # given up): a pending delivery keeps its event, whatever its age.
    unfinished = exists().where(
        WebhookDelivery.event_id == OutboxEvent.id, WebhookDelivery.status == DeliveryStatus.PENDING
    )
    done = select(OutboxEvent.id).where(
        OutboxEvent.dispatched_at.is_not(None), OutboxEvent.dispatched_at < cutoff, ~unfinished
    )
    done_ids = [row for row in db.session.scalars(done)]
    deliveries = attempts = events = 0
    for start in range(0, len(done_ids), 500):  # bounded IN lists
        chunk = done_ids[start : start + 500]
        delivery_ids = select(WebhookDelivery.id).where(WebhookDelivery.event_id.in_(chunk))
        attempts += run(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))).rowcount
        deliveries += run(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(chunk))).rowcount
        events += run(delete(OutboxEvent).where(OutboxEvent.id.in_(chunk))).rowcount
    sign_ins = run(delete(SignInAttempt).where(SignInAttempt.at < cutoff)).rowcount
    dialogues = run(delete(ScanDialogue).where(ScanDialogue.updated_at < cutoff)).rowcount
    return Pruned(keys, events, deliveries, attempts, sign_ins, dialogues)
