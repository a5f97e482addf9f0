"""Idempotency-Key: an API write with a key runs as one command (warehouse/core/commands.py).

The key is claimed in the write's own transaction, before the view runs, and the answer
(status and body) is stored with it. So a retry after success gets the first answer and
writes nothing (marked `Idempotent-Replayed: true`); two racing first attempts cannot
both run; a refused write (an error) rolls back with its key, so a retry after fixing
the cause is judged afresh. The same key with another method, path or body is refused
with 422. Keys are per user: one client's key never meets another's.
"""

from __future__ import annotations

import hashlib
import json
import re

from flask import Response, request

from warehouse.core import commands
from warehouse.core.errors import IdempotencyKeyReused

from .errors import ApiError

HEADER = "Idempotency-Key"
MAX_KEY = 128
KEY = re.compile(rf"[!-~]{{1,{MAX_KEY}}}")  # as the OpenAPI document says: visible ASCII, no spaces
NAME = "api"  # every API write is one kind of command; the fingerprint tells them apart


def run(who, call) -> tuple[str, int, bool]:
    """`call()` -> (body, status) run once per key: (body, status, replayed). Joins the
    transaction the caller opened (the whole request is one transaction)."""
    key = _key() if who is not None else None
    try:
        return commands.run(
            NAME,
            lambda: (*call(), False),
            key=key,
            actor_id=who.user_id if who is not None else None,
            request=_fingerprint() if key is not None else None,
            remember=lambda answer: {"status": answer[1], "body": answer[0]},
            recall=_answer,
        )
    except IdempotencyKeyReused as e:
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"This {HEADER} was already used for a different request. Use a new key for a new request.",
        ) from e


def _answer(stored) -> tuple[str, int, bool]:
    """The stored answer of an API write. A key that stored something else (a scan id or a
    form key of the same user, carried from before the command log) is another request."""
    if not isinstance(stored, dict) or not {"status", "body"} <= stored.keys():
        raise IdempotencyKeyReused("This key was used for another request.")
    return stored["body"], stored["status"], True


def response(body: str, status: int, replayed: bool) -> Response:
    answer = Response(body, status, mimetype="application/json")
    if replayed:
        answer.headers["Idempotent-Replayed"] = "true"
    return answer


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is not None and not KEY.fullmatch(key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"{HEADER} must be 1-{MAX_KEY} visible ASCII characters, no spaces (a UUID is ideal).",
        )
    return key


def _fingerprint() -> str:
    """Method, path (with its query, when it has one: `?atomic=true` is another request) and
    body: the same JSON with other spacing or key order is the same request. (Migration 0011
    carried keys stored before the command log with this digest; writes without a query
    digest exactly as they did.)"""
    raw = request.get_data(cache=True)
    try:
        raw = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        pass
    target = request.path.encode()
    if request.query_string:
        target += b"?" + request.query_string
    return hashlib.sha256(request.method.encode() + b" " + target + b"\n" + raw).hexdigest()
