"""One decorator per endpoint: it registers the route, checks the permission, validates
the query and body with the endpoint's pydantic models, runs writes in one transaction
(with Idempotency-Key replay), serialises the answer with the response model, and records
all of it so /api/openapi.json is built from the very models that validate requests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Response, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from warehouse.accounts import permissions
from warehouse.accounts.models import Role
from warehouse.core.errors import DomainError
from warehouse.core.extensions import csrf
from warehouse.core.transactions import atomically
from warehouse.web.statuses import http_status

from . import auth, idempotency
from .errors import ApiError, error_response, invalid

MAX_BODY = 64 * 1024  # an API body is a few lines of JSON; anything bigger is a mistake
MAX_ID = 2_147_483_647


@dataclass
class Operation:
    method: str
    rule: str  # Flask rule, e.g. /transfers/<int:transfer_id>
    endpoint: str
    summary: str
    tag: str
    permission: str | None
    role: Role | None
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel]
    status: int
    description: str = ""
    reads: bool = False  # a POST that only reads (a check with a body): no transaction, no key
    max_body: int = MAX_BODY
    example: dict | None = None  # a request body, shown in the document (and sent by its fuzzing)
    answer: dict | None = None  # an answer to it, shown in the document

    @property
    def path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def writes(self) -> bool:
        return self.method in auth.WRITES and not self.reads


OPERATIONS: list[Operation] = []


def operation(
    bp,
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    response: type[BaseModel],
    permission: str | None = None,
    role: Role | None = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    status: int = 200,
    reads: bool = False,
    max_body: int = MAX_BODY,
    example: dict | None = None,
    answer: dict | None = None,
):
    """Register `view(caller, [query], [body], **path)` returning a response-model instance.

    A write is one transaction from the token lookup to the stored answer (one command,
    keyed by the Idempotency-Key when sent); services called inside join it. `max_body`
    raises the body limit for a bulk call; `example` and `answer` show a request body and
    its answer in the document."""

    def decorate(view):
        op = Operation(
            method,
            rule,
            f"{view.__module__.rsplit('.', 1)[-1]}_{view.__name__}",
            summary,
            tag,
            permission,
            role,
            query,
            body,
            response,
            status,
            description=(view.__doc__ or "").strip(),
            reads=reads,
            max_body=max_body,
            example=example,
            answer=answer,
        )
        OPERATIONS.append(op)

        def handler(**path):
            return _handle(op, view, path)

        handler.__name__ = op.endpoint
        handler.api_auth = True  # the sign-in gate leaves /api auth to us (JSON 401)
        if permission:
            handler.required_permission = permission
            handler.required_role = role or permissions.lowest_role(permission)
        else:
            handler.public = True
        csrf.exempt(handler)  # bearer calls carry no cookies; session writes: auth._check_csrf
        bp.add_url_rule(rule, endpoint=op.endpoint, view_func=handler, methods=[method])
        return view

    return decorate


def _handle(op: Operation, view, path: dict) -> Response:
    try:
        request.max_content_length = op.max_body
        if any(isinstance(v, int) and v > MAX_ID for v in path.values()):
            raise ApiError(404, "not_found", "Not found. Check the id.")
        if op.writes:
            # The body is read off the socket before the write transaction begins: a slow
            # client must never hold SQLite's writer turn (or a PostgreSQL transaction).
            _refuse_nul(request.get_data(cache=True))
            return idempotency.response(*atomically(_write, op, view, path))
        who, kwargs = _arguments(op, path)
        return idempotency.response(*_call(op, view, kwargs), replayed=False)
    except ApiError as e:
        return error_response(e.status, e.code, e.message, e.details, e.headers)
    except DomainError as e:  # a rule about a list names each refused line in `details`
        return error_response(http_status(e), e.code, e.message, getattr(e, "details", None))
    except HTTPException as e:  # 413 from reading an oversized body, mostly
        if e.code == 413:
            return error_response(
                413, "payload_too_large", f"The body is larger than {op.max_body // 1024} KiB. Send less."
            )
        return error_response(e.code or 400, e.name.lower().replace(" ", "_"), e.description or e.name)
    except IntegrityError:
        return error_response(
            409,
            "conflict",
            "That conflicts with data changed meanwhile (a duplicate code?). Reload and try again.",
        )
    except (DataError, UnicodeError):
        return error_response(
            422,
            "unprocessable_value",
            "A value could not be stored as given. Check text fields for unusual characters.",
        )


def _refuse_nul(raw: bytes) -> None:
    """The app's NUL guard (web/errors.py) reads bodies up to MAX_BODY only; a bulk call's
    bigger body is checked here, before anything is stored."""
    if len(raw) > MAX_BODY and (b"\x00" in raw or b"\\u0000" in raw):
        raise ApiError(
            400,
            "nul_character",
            "The body holds a NUL character (\\0), which no field may contain. Remove it and send again.",
        )


def _write(op: Operation, view, path: dict) -> tuple[str, int, bool]:
    who, kwargs = _arguments(op, path)
    return idempotency.run(who, lambda: _call(op, view, kwargs))


def _arguments(op: Operation, path: dict):
    """The caller (or 401/403) and the view's keyword arguments (or 400/422)."""
    who = auth.require(op.permission, op.role) if op.permission else None
    kwargs = dict(path)
    if op.query is not None:
        kwargs["query"] = _parse(op.query.model_validate, request.args.to_dict(), "query parameters")
    if op.body is not None:
        kwargs["body"] = _body(op.body)
    if who is not None:
        kwargs["caller"] = who
    return who, kwargs


def _call(op: Operation, view, kwargs) -> tuple[str, int]:
    result = view(**kwargs)
    status = op.status
    if isinstance(result, tuple):
        result, status = result
    return json.dumps(result.model_dump(mode="json")), status


def _parse(validate, data, where: str):
    try:
        return validate(data)
    except ValidationError as e:
        raise invalid(e, where) from e


def _body(model: type[BaseModel]):
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(400, "body_required", "Send a JSON object as the request body.")
    try:
        return model.model_validate_json(raw)
    except ValidationError as e:
        if any(p["type"] == "json_invalid" for p in e.errors()):
            raise ApiError(400, "malformed_json", "The body is not valid JSON.") from e
        raise invalid(e, "body") from e
