"""Who is calling and what they may do.

Two ways in: `Authorization: Bearer <token>` (integrations; no cookies, so no CSRF check)
or the browser session of a signed-in person calling from our own pages (cookies, so
writes must carry the X-CSRFToken header). A bearer header always wins over a session.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from warehouse import accounts
from warehouse.accounts import organisations, permissions
from warehouse.accounts.models import Role, User
from warehouse.core.errors import UserInactive
from warehouse.core.extensions import csrf
from warehouse.web.context import enter_organisation

from .errors import ApiError

WRITES = {"POST", "PATCH", "PUT", "DELETE"}
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class Caller:
    user_id: int
    username: str
    role: Role
    permissions: frozenset[str]
    via_token: bool


def caller() -> Caller:
    """The authenticated caller of this request (not kept on g: tests share one app
    context across requests, and one lookup per request is all the API makes)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
            raise _unauthorized("invalid_token", "Send the token as 'Authorization: Bearer <token>'.")
        try:
            found = accounts.token_identity(token)
        except UserInactive as e:  # deactivated: a new token would not help, an admin would
            raise _unauthorized(e.code, e.message) from e
        if found is None:
            raise _unauthorized(
                "invalid_token",
                "This token is unknown or revoked. Ask an admin for a new one (flask create-token).",
            )
        user, row = found
        enter_organisation(user.org_id)  # the token's, whatever a session cookie says
        _check_named_organisation(user.org_id)
        scopes = permissions.parse_scopes(row.scopes)
        return Caller(user.id, user.username, user.role, permissions.granted(user.role, scopes), True)
    if current_user.is_authenticated:
        if request.method in WRITES:
            _check_csrf()
        user: User = current_user
        _check_named_organisation(user.org_id)
        return Caller(user.id, user.username, user.role, permissions.granted(user.role), False)
    raise _unauthorized(
        "authentication_required", "Sign in, or send an API token as 'Authorization: Bearer <token>'."
    )


ORGANISATION_HEADERS = ("X-Organisation", "orgid")  # the second as the systems we replace send it


def _check_named_organisation(org_id: int) -> None:
    """A caller may name its organisation (by code or id) in a header; naming another one
    is answered as if it did not exist, never with the other's data."""
    named = next((request.headers[h] for h in ORGANISATION_HEADERS if request.headers.get(h)), None)
    if named is None:
        return
    own = organisations.by_id(org_id)
    if named.strip().lower() not in (own.code, str(own.id)):
        raise ApiError(
            404,
            "organisation_not_found",
            "No such organisation for this token. Leave the organisation header out, or name your own.",
        )


def _check_csrf() -> None:
    """Session calls carry cookies a browser sends by itself: writes need our CSRF token."""
    try:
        csrf.protect()
    except CSRFError as e:
        raise ApiError(
            400, "csrf_failed", "Send the page's CSRF token in the X-CSRFToken header (or use an API token)."
        ) from e


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def require(permission: str, role: Role | None = None) -> Caller:
    """The caller, if they hold `permission` (and at least `role`); else 403."""
    who = caller()
    if permission not in who.permissions:
        raise ApiError(
            403,
            "permission_denied",
            f"This needs the {permission} permission, which "
            f"{'this token' if who.via_token else 'your role'} does not have.",
            {"permission": permission},
        )
    if role is not None and _RANK[who.role] < _RANK[role]:
        raise ApiError(403, "permission_denied", f"This needs the {role.value} role.", {"role": role.value})
    return who


_RANK = {Role.OPERATOR: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}
