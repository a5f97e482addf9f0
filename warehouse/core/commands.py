"""The command pipeline: every keyed write runs as one command.

    run(name, work, key=..., actor_id=..., request=..., remember=..., recall=...)

1. opens one write transaction (core.transactions; BEGIN IMMEDIATE on SQLite);
2. claims the key: one INSERT ... ON CONFLICT DO NOTHING into `commands` (unique per
   owner and key), before the work. Two first attempts racing on PostgreSQL meet on the
   unique key: the second waits there until the first commits, and then finds its row;
3. a key already there: the same request is a replay, answered by `recall(what was
   remembered)` without running `work`; another request under the same key is refused
   (IdempotencyKeyReused) and nothing is written;
4. runs `work()` and stores `remember(result)` in the row;
5. commits: the key exists exactly when the write committed. A refused write (a domain
   error) rolls back with its key, so a retry after the cause is fixed is judged afresh.
   A write that lost a race (core.transactions.RaceLost) runs again from step 1.

Without a key it is just the transaction. The ledger's unique posting key stays as the
last line of defence beneath this.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from warehouse.core.columns import utcnow
from warehouse.core.errors import IdempotencyKeyReused, KeyNotClaimed, KeyTooLong
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.models import Command
from warehouse.core.transactions import RaceLost, atomically

T = TypeVar("T")
MAX_KEY = 255  # longer keys are refused; keys over KEPT characters are kept as a digest
KEPT = 128
# Keys carried over from the per-table guards this replaced (migrations 0008-0010): what their
# request was is not known, so any request under them is answered as a replay.
CARRIED_OVER = "*"
_commands = Command.__table__


def owner_of(actor_id: int | None) -> str:
    """Keys are namespaced per sender: one user's scan id never replays another's write."""
    return f"user:{actor_id}" if actor_id is not None else "system"


def stored_key(key: str) -> str:
    """The key as the table keeps it (a long key hashed to fit the column)."""
    return key if len(key) <= KEPT else "#" + hashlib.sha256(key.encode()).hexdigest()


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
        raise KeyTooLong(msg("A request key is 1-{most} characters.", most=MAX_KEY))
    owner, key, printed = owner_of(actor_id), stored_key(key), fingerprint(name, request)

    def once() -> T:
        claimed = claim(owner, key, name, printed)
        if claimed is None:
            seen = lookup(owner, key)
            if seen is None:  # pruned between the claim and the look: claim it again
                raise RaceLost(KeyNotClaimed(msg("This request key could not be claimed. Send it again.")))
            if seen.fingerprint not in (printed, CARRIED_OVER):
                raise IdempotencyKeyReused(
                    msg("This request key was already used for a different request. Send it with a new key.")
                )
            return recall(json.loads(seen.result))
        result = work()
        db.session.execute(_STORE_RESULT, {"claimed": claimed, "result": json.dumps(remember(result))})
        return result

    return atomically(once)


def claim(owner: str, key: str, name: str, printed: str) -> int | None:
    """The new row's id, or None when the key is taken (on PostgreSQL after waiting for an
    uncommitted claim of it to commit or roll back)."""
    conn = db.session.connection()
    return conn.execute(
        _CLAIM[conn.dialect.name],
        dict(owner=owner, key=key, name=name, fingerprint=printed, created_at=utcnow()),
    ).scalar()


_STORE_RESULT = (  # built once: every keyed write stores its answer
    update(_commands).where(_commands.c.id == bindparam("claimed")).values(result=bindparam("result"))
)
_CLAIM = {  # built once per dialect: every keyed write claims its key
    name: dialect.insert(_commands)
    .on_conflict_do_nothing(index_elements=["org_id", "owner", "key"])
    .returning(_commands.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def lookup(owner: str, key: str):
    return db.session.execute(
        select(_commands.c.fingerprint, _commands.c.result).where(
            _commands.c.owner == owner, _commands.c.key == key
        )
    ).first()


def recalled(key: str, *, actor_id: int | None) -> object | None:
    """What a command under this sender's key stored, or None: for a page that shows the
    outcome of a form already sent."""
    stored = db.session.scalar(
        select(_commands.c.result).where(
            _commands.c.owner == owner_of(actor_id), _commands.c.key == stored_key(key)
        )
    )
    return json.loads(stored) if stored else None
