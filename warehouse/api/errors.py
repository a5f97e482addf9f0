"""The API's one error shape: {"error": {"code", "message", "details"}}, always JSON."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from pydantic import ValidationError


class ApiError(Exception):
    """A refusal raised by the API layer itself (auth, validation, idempotency)."""

    def __init__(
        self, status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details or {}, headers or {}


def error_response(
    status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def invalid(e: ValidationError, where: str) -> ApiError:
    """422 naming each bad field: {"fields": {"items.0.quantity": "..."}}."""
    fields: dict[str, str] = {}
    for problem in e.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in problem["loc"]) or where
        fields.setdefault(name, problem["msg"])
    if list(fields) == [where]:  # a rule of the whole body (two names for one field ...): say it
        rule = fields[where].removeprefix("Value error, ")
        return ApiError(422, "validation_failed", f"Invalid {where}: {rule}", {"fields": fields})
    listed = ", ".join(list(fields)[:5]) + ("..." if len(fields) > 5 else "")
    return ApiError(422, "validation_failed", f"Invalid {where}: check {listed}.", {"fields": fields})
