"""The command pipeline: every keyed write runs as one command.

    run(name, work, key=..., actor_id=..., request=..., remember=..., recall=...)

1. opens one write transaction (core.transactions; BEGIN IMMEDIATE on SQLite);
2. looks the key up in `commands` (unique per owner and key). Found: the same request is
   a replay, answered by `recall(what was remembered)` without running `work`; another
   request under the same key is refused (IdempotencyKeyReused) and nothing is written;
3. claims the key: inserts its row in this same transaction, before the work. Two first
   attempts racing on PostgreSQL meet on the unique key: the second waits for the first
   to commit, fails, rolls back and runs again, and then finds the row: a replay;
4. runs `work()` and stores `remember(result)` in the row;
5. commits: the key exists exactly when the write committed. A refused write (a domain
   error) rolls back with its key, so a retry after the cause is fixed is judged afresh.

Without a key it is just the transaction. The ledger's unique posting key stays as the
last line of defence beneath this.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import insert, select, update

from warehouse.core.errors import IdempotencyKeyReused, KeyTooLong
from warehouse.core.extensions import db
from warehouse.core.models import Command
from warehouse.core.transactions import atomically

T = TypeVar("T")
MAX_KEY = 128
# Keys carried over from the per-table guards this replaced (migrations 0008-0010): what their
# request was is not known, so any request under them is answered as a replay.
CARRIED_OVER = "*"
_commands = Command.__table__


def owner_of(actor_id: int | None) -> str:
    """Keys are namespaced per sender: one user's scan id never replays another's write."""
    return f"user:{actor_id}" if actor_id is not None else "system"


def fingerprint(name: str, request: object) -> str:
    body = json.dumps([name, request], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def by_id(model) -> dict:
    """`remember` and `recall` for a command whose answer is one row: its id is stored, the
    replay loads the row (as it is now)."""
    return {
        "remember": lambda row: {"id": row.id},
        "recall": lambda stored: db.session.get(model, stored["id"]),
    }


def run(
    name: str,
    work: Callable[[], T],
    *,
    key: str | None,
    actor_id: int | None,
    request: object,
    remember: Callable[[T], object],
    recall: Callable[[object], T],
) -> T:
    """`work()` once per key (see the module docstring); the replay gets `recall(...)`."""
    if key is None:
        return atomically(work)
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY:
        raise KeyTooLong(f"A request key is 1-{MAX_KEY} characters.")
    owner, printed = owner_of(actor_id), fingerprint(name, request)

    def once() -> T:
        seen = db.session.execute(
            select(_commands.c.fingerprint, _commands.c.result).where(
                _commands.c.owner == owner, _commands.c.key == key
            )
        ).first()
        if seen is not None:
            if seen.fingerprint not in (printed, CARRIED_OVER):
                raise IdempotencyKeyReused(
                    "This request key was already used for a different request. Send it with a new key."
                )
            return recall(json.loads(seen.result))
        claimed = db.session.execute(
            insert(_commands)
            .values(owner=owner, key=key, name=name, fingerprint=printed)
            .returning(_commands.c.id)
        ).scalar_one()
        result = work()
        db.session.execute(
            update(_commands).where(_commands.c.id == claimed).values(result=json.dumps(remember(result)))
        )
        return result

    return atomically(once)


def recalled(key: str, *, actor_id: int | None) -> object | None:
    """What a command under this sender's key stored, or None: for a page that shows the
    outcome of a form already sent."""
    stored = db.session.scalar(
        select(_commands.c.result).where(_commands.c.owner == owner_of(actor_id), _commands.c.key == key)
    )
    return json.loads(stored) if stored else None
