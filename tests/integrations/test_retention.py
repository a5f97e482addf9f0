"""`flask prune`: old bookkeeping goes (command keys with stored API answers, delivered webhook events with
their deliveries and attempts, failed sign-ins); anything unfinished, recent, or in the
ledger stays."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import receive
from warehouse import accounts
from warehouse.accounts.models import SignInAttempt
from warehouse.core.columns import utcnow
from warehouse.core.errors import InvalidPosting
from warehouse.core.extensions import db
from warehouse.core.models import Command
from warehouse.integrations import retention
from warehouse.integrations.models import (
    DeliveryStatus,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from warehouse.ledger.models import Movement

NOW = utcnow()
OLD, RECENT = NOW - timedelta(days=40), NOW - timedelta(days=2)


def count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def books(site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 5)  # the ledger: never pruned
    user = accounts.create_user("integrator", "long-enough-pw-1", "supervisor")
    hook = WebhookSubscription(url="http://127.0.0.1:9/x", secret="s" * 64)
    db.session.add(hook)
    for n, when in enumerate((OLD, RECENT)):
        db.session.add(
            Command(
                owner=f"user:{user.id}",
                key=f"k{n}",
                name="api",
                fingerprint="f",
                result='{"status": 201, "body": "{}"}',
                created_at=when,
            )
        )
        db.session.add(SignInAttempt(who="user:x", at=when))
    db.session.flush()

    def event(when, status):
        e = OutboxEvent(type="stock.low", payload="{}", created_at=when, dispatched_at=when)
        db.session.add(e)
        db.session.flush()
        d = WebhookDelivery(
            uuid=f"u-{e.id}",
            event_id=e.id,
            subscription_id=hook.id,
            status=status,
            attempts=1,
            next_attempt_at=when,
        )
        db.session.add(d)
        db.session.flush()
        db.session.add(WebhookAttempt(delivery_id=d.id, at=when, status_code=204))
        return e

    site.delivered_old = event(OLD, DeliveryStatus.DELIVERED)
    site.failed_old = event(OLD, DeliveryStatus.FAILED)
    site.pending_old = event(OLD, DeliveryStatus.PENDING)  # still being retried: kept
    site.delivered_recent = event(RECENT, DeliveryStatus.DELIVERED)
    db.session.add(OutboxEvent(type="stock.out", payload="{}", created_at=OLD))  # never dispatched: kept
    db.session.commit()
    return site


def test_prune_deletes_only_old_finished_bookkeeping(books):
    movements = count(Movement)
    done = retention.prune(30, now=NOW)
    assert (done.commands, done.events, done.deliveries, done.attempts, done.sign_in_attempts) == (
        1,
        2,
        2,
        2,
        1,
    )
    assert count(Command) == 1 and count(SignInAttempt) == 1
    kept = set(db.session.scalars(select(OutboxEvent.id)))
    assert books.pending_old.id in kept and books.delivered_recent.id in kept and len(kept) == 3
    assert count(WebhookDelivery) == 2 and count(WebhookAttempt) == 2
    assert count(Movement) == movements  # the ledger is never touched
    assert retention.prune(30, now=NOW).events == 0  # again: nothing more


def test_at_least_a_day_is_kept(books):
    with pytest.raises(InvalidPosting, match="Keep at least 1 day"):
        retention.prune(0, now=NOW)
    assert count(Command) == 2


def test_the_command_reports_what_it_pruned(books, app):
    result = app.test_cli_runner().invoke(args=["prune", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Pruned 1 command key(s) with their stored API answers, 2 delivered event(s)" in result.output


def test_old_command_keys_are_pruned_recent_ones_kept(books):
    db.session.add_all(
        [
            Command(owner="user:1", key="old-scan", name="counts.record", fingerprint="f", created_at=OLD),
            Command(owner="user:1", key="new-scan", name="counts.record", fingerprint="f", created_at=RECENT),
        ]
    )
    db.session.commit()
    assert retention.prune(30, now=NOW).commands == 2  # and the fixture's old API answer
    assert sorted(db.session.scalars(select(Command.key))) == ["k1", "new-scan"]


def test_prune_drops_floor_dialogues_nobody_scanned_into_since_the_cutoff(books):
    from warehouse.core.models import ScanDialogue

    user = accounts.create_user("olga", "long-enough-pw", "operator")
    db.session.add_all(
        [
            ScanDialogue(user_id=user.id, screen="count", document_id=1, state='{"bin": 1}', updated_at=OLD),
            ScanDialogue(
                user_id=user.id, screen="count", document_id=2, state='{"bin": 2}', updated_at=RECENT
            ),
        ]
    )
    db.session.commit()
    assert retention.prune(30, now=NOW).dialogues == 1
    assert list(db.session.scalars(select(ScanDialogue.document_id))) == [2]
