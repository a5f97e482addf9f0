"""Writes run in one transaction; with an Idempotency-Key the first answer is kept.

The key's row (api_idempotency, unique per user and key) is inserted in the SAME
transaction as the write itself, before it. So: a retry after success finds the row and
gets the first answer, writing nothing; two racing first attempts cannot both run (on
PostgreSQL the second INSERT waits for the first transaction and then hits the unique
key; on SQLite BEGIN IMMEDIATE queues them), and a refused write (4xx) rolls back with its
key, so a retry after fixing stock is judged afresh. The same key with another method,
path or body is refused with 422.

Services that own their transactions (reservations) cannot share ours: for them the key's
row is claimed first, pending, in a transaction of its own (`_run_outside`). The same key
sent at the same moment with another request (say a reserve and a release) then finds the
claim and is refused before it writes anything, instead of both writing and one being
told "422" afterwards.
"""

from __future__ import annotations

import hashlib
import json

from flask import Response, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.core.models import ApiIdempotency
from warehouse.core.transactions import transaction

from .errors import ApiError

HEADER = "Idempotency-Key"
MAX_KEY = 128
table = ApiIdempotency.__table__


def run(who, call, *, atomic: bool = True) -> Response:
    key = _key()
    if key is None or who is None:
        if not atomic:
            return _json(*call())
        with transaction():
            body, status = call()
        return _json(body, status)
    fingerprint = _fingerprint()
    if not atomic:
        return _run_outside(who, key, fingerprint, call)
    try:
        with transaction():
            if (earlier := _earlier(who.user_id, key)) is not None:
                return _replay(earlier, fingerprint)
            db.session.execute(
                insert(table).values(
                    user_id=who.user_id,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=0,
                    response_body="",
                    created_at=utcnow(),
                )
            )
            body, status = call()
            db.session.execute(
                update(table)
                .where(table.c.user_id == who.user_id, table.c.key == key)
                .values(status_code=status, response_body=body)
            )
        return _json(body, status)
    except IntegrityError:
        earlier = _earlier(who.user_id, key)
        if earlier is None:
            raise
        return _replay(earlier, fingerprint)


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is not None and (not 1 <= len(key) <= MAX_KEY or not key.isprintable()):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"{HEADER} must be 1-{MAX_KEY} printable characters (a UUID is ideal).",
        )
    return key


def service_key(who) -> str | None:
    """The key a service that owns its transactions gets: the service's own replay check
    makes its write happen once, even for two racing first attempts."""
    key = _key()
    if key is None or who is None:
        return None
    return "api-" + hashlib.sha256(f"{who.user_id}:{key}".encode()).hexdigest()[:40]


def _run_outside(who, key: str, fingerprint: str, call) -> Response:
    """For services with their own transactions: claim the key (a pending row), call the
    service (which dedups by `service_key`), keep its answer. Another request with this key
    is refused before it writes; a pending twin of this same request runs the service too
    and gets the same result from it. A refused call gives the claim back."""
    claimed, earlier = _claim(who.user_id, key, fingerprint)
    if earlier is not None and (earlier.fingerprint != fingerprint or earlier.status_code):
        return _replay(earlier, fingerprint)  # 422 for other content, else the first answer
    try:
        body, status = call()
    except BaseException:
        if claimed:
            _unclaim(who.user_id, key)
        raise
    with transaction():
        db.session.execute(
            update(table)
            .where(table.c.user_id == who.user_id, table.c.key == key, table.c.status_code == 0)
            .values(status_code=status, response_body=body)
        )
    return _json(body, status)


def _claim(user_id: int, key: str, fingerprint: str):
    """(True, None) when this request claimed the key, else (False, the key's row)."""
    try:
        with transaction():
            db.session.execute(
                insert(table).values(
                    user_id=user_id,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=0,
                    response_body="",
                    created_at=utcnow(),
                )
            )
        return True, None
    except IntegrityError:
        return False, _earlier(user_id, key)


def _unclaim(user_id: int, key: str) -> None:
    with transaction():
        db.session.execute(
            delete(table).where(table.c.user_id == user_id, table.c.key == key, table.c.status_code == 0)
        )


def _earlier(user_id: int, key: str):
    return db.session.execute(
        select(table.c.fingerprint, table.c.status_code, table.c.response_body).where(
            table.c.user_id == user_id, table.c.key == key
        )
    ).first()


def _replay(earlier, fingerprint: str) -> Response:
    if earlier.fingerprint != fingerprint:
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"This {HEADER} was already used for a different request. Use a new key for a new request.",
        )
    response = _json(earlier.response_body, earlier.status_code)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _fingerprint() -> str:
    raw = request.get_data(cache=True)
    try:  # the same JSON with other spacing or key order is the same request
        raw = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        pass
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + raw).hexdigest()


def _json(body: str, status: int) -> Response:
    return Response(body, status, mimetype="application/json")
