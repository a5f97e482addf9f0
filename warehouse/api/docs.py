"""/api/openapi.json (built from the endpoints' own pydantic models) and /api/docs, the
same document rendered as a plain HTML page (no scripts, nothing from a CDN)."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from flask import jsonify, render_template
from pydantic.json_schema import models_json_schema

from warehouse.accounts.models import Role

from ..web.security import requires
from . import auth, bp, idempotency
from .errors import ApiError, error_response
from .spec import MAX_ID, OPERATIONS, Operation
from .types import ErrorBody

ERRORS = {
    400: "Malformed request (bad JSON, missing body, CSRF)",
    401: "No or unknown credentials",
    403: "The permission is missing",
    404: "Not found",
    409: "Conflicts with the stock or state",
    413: "Body too large",
    422: "Invalid input (each bad field named) or a reused idempotency key",
}
PATH_PARAMS = {
    "int": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "string": {"type": "string", "minLength": 1, "maxLength": 64},
}


@lru_cache(maxsize=1)
def document() -> dict:
    entries = []
    for op in OPERATIONS:
        entries += [(m, "validation") for m in (op.query, op.body) if m is not None]
        entries.append((op.response, "serialization"))
    entries.append((ErrorBody, "serialization"))
    refs, top = models_json_schema(list(dict.fromkeys(entries)), ref_template="#/components/schemas/{model}")
    components = top.get("$defs", {})
    paths: dict = {}
    for op in OPERATIONS:
        paths.setdefault(bp.url_prefix + op.path, {})[op.method.lower()] = _operation(op, refs, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Warehouse API",
            "version": "1.0.0",
            "description": "Stock, reservations, transfers and cycle counts over one ledger. "
            "See docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `flask create-token USER`",
                }
            },
        },
        "security": [{"bearerAuth": []}],
    }


def _operation(op: Operation, refs: dict, components: dict) -> dict:
    out: dict = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _path_params(op),
    }
    if op.description:
        out["description"] = op.description
    if op.query is not None:
        out["parameters"] += _query_params(_resolve(refs[(op.query, "validation")], components))
    if op.writes:
        out["parameters"].append(
            {
                "name": idempotency.HEADER,
                "in": "header",
                "required": False,
                "description": "Retry safely: a replay returns the first answer",
                "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": r"^[!-~]+$"},
            }
        )
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": _media(refs[(op.body, "validation")], op.example)},
        }
    responses = {
        str(op.status): {
            "description": "OK",
            "content": {"application/json": _media(refs[(op.response, "serialization")], op.answer)},
        }
    }
    if op.permission:
        error = {"application/json": {"schema": refs[(ErrorBody, "serialization")]}}
        for status, text in ERRORS.items():
            if status != 413 or op.writes:
                responses[str(status)] = {"description": text, "content": error}
        out["x-permission"] = op.permission
    else:
        out["security"] = []
    out["responses"] = responses
    return out


def _media(schema: dict, example: dict | None) -> dict:
    return {"schema": schema, "example": example} if example is not None else {"schema": schema}


def _path_params(op: Operation) -> list[dict]:
    return [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMS[converter or "string"]}
        for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", op.rule)
    ]


def _resolve(ref: dict, components: dict) -> dict:
    return components[ref["$ref"].rsplit("/", 1)[-1]]


def _query_params(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        options = [o for o in prop.pop("anyOf", []) if o != {"type": "null"}]
        if options:  # a query parameter is absent rather than null
            prop.update(options[0] if len(options) == 1 else {"anyOf": options})
        if prop.get("default", 0) is None:
            prop.pop("default")
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


@bp.get("/openapi.json")
def openapi():
    """For any signed-in person or valid token (sign-in is required everywhere but the
    sign-in page): an integrator fetches it with the token they call the API with."""
    try:
        auth.caller()
    except ApiError as refused:
        return error_response(refused.status, refused.code, refused.message, headers=refused.headers)
    return jsonify(document())


openapi.api_auth = True  # the sign-in gate leaves it to us: JSON 401, never a redirect
openapi.required_role = Role.OPERATOR


def brief(schema: dict) -> str:
    """A schema in a few words for people: "integer 1-100, default 20"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        kinds = [brief(s) for s in schema["anyOf"] if s != {"type": "null"}]
        return " or ".join(kinds) + (" or null" if len(kinds) < len(schema["anyOf"]) else "")
    if "enum" in schema:
        text = "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    elif "const" in schema:
        text = json.dumps(schema["const"])
    elif schema.get("type") == "array":
        text = f"list of {brief(schema.get('items', {}))}"
        if "maxItems" in schema:
            text += f" ({schema.get('minItems', 0)}-{schema['maxItems']} items)"
    else:
        text = schema.get("type", "any")
        if schema.get("format"):
            text += f" ({schema['format']})"
        low, high = (
            schema.get("minimum", schema.get("minLength")),
            schema.get("maximum", schema.get("maxLength")),
        )
        if low is not None or high is not None:
            text += (
                f" {low}-{high}"
                if low is not None and high is not None
                else f" up to {high}"
                if high is not None
                else f" from {low}"
            )
            text += " chars" if "maxLength" in schema or "minLength" in schema else ""
    if "default" in schema:
        text += f", default {json.dumps(schema['default'])}"
    return text


@bp.get("/docs")
@requires(Role.OPERATOR)
def docs_page():
    doc = document()
    return render_template("api/docs.html", doc=doc, brief=brief)
