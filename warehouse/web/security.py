"""The sign-in gate and role checks.

Every endpoint is either public (listed here: sign-in pages and static files) or carries
@requires(role). A test walks the URL map and fails if any endpoint has neither.
"""

from functools import wraps

from flask import Flask, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from warehouse.accounts.models import Role, User
from warehouse.core import tenancy
from warehouse.core.extensions import db, login_manager

from .context import enter_organisation
from .htmx import is_htmx, redirect_for_htmx

PUBLIC_ENDPOINTS = {"static"}
# Files served to anyone (static files, the service worker, the camera's decoder): the gate
# answers them without reading the session at all. Reading it for a visitor who has not
# signed in yet rewrites their session cookie (Flask-Login's session protection), and such
# a response arriving after the sign-in's (a file the service worker fetches while the
# person signs in) put the signed-out cookie back: the next page went to the sign-in page.
FILE_ENDPOINTS = {"static"}
RANK = {Role.OPERATOR: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


def public(endpoint_or_view):
    """Mark a view (or an endpoint name) as reachable without signing in."""
    if isinstance(endpoint_or_view, str):
        PUBLIC_ENDPOINTS.add(endpoint_or_view)
        return endpoint_or_view
    endpoint_or_view.public = True
    return endpoint_or_view


def public_file(endpoint_or_view):
    """Mark a view (or an endpoint name) as a file anyone may fetch: public, and served
    without reading the session (see FILE_ENDPOINTS)."""
    if isinstance(endpoint_or_view, str):
        FILE_ENDPOINTS.add(endpoint_or_view)
    else:
        endpoint_or_view.file = True
    return public(endpoint_or_view)


def requires(role: Role):
    """Allow the view to users of this role or higher (operator < supervisor < admin)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if RANK[current_user.role] < RANK[role]:
                from flask import abort

                abort(403)
            return view(*args, **kwargs)

        wrapper.required_role = role
        return wrapper

    return decorate


def _gate():
    """Before every request: anyone not signed in goes to the sign-in page; a signed-in
    person works in their organisation."""
    if _is_file(request.endpoint):
        return None
    with tenancy.identifying():  # who it is decides the organisation, not the other way round
        if current_user.is_authenticated:
            enter_organisation(current_user.org_id)
    ended = _end_stale_session()
    view = request.endpoint and _view_function(request.endpoint)
    if request.endpoint in PUBLIC_ENDPOINTS or getattr(view, "public", False):
        return None
    if request.blueprint == "api" or request.path.startswith("/api/"):
        # The API answers for itself: bearer token or session, JSON 401/403/404, never a
        # redirect to the sign-in page (its views carry required_permission).
        if view is None or getattr(view, "api_auth", False) or current_user.is_authenticated:
            return None
        return jsonify(
            error={
                "code": "authentication_required",
                "message": "Sign in or send 'Authorization: Bearer <token>'.",
            }
        ), 401
    if current_user.is_authenticated:
        return None
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx():
        return redirect_for_htmx(target)  # a 302 would be swapped into a panel
    flash(_("Your session has ended. Sign in again.") if ended else _("Please sign in."), "warn")
    return redirect(target)


def _is_file(endpoint: str | None) -> bool:
    return endpoint in FILE_ENDPOINTS or getattr(endpoint and _view_function(endpoint), "file", False)


def _end_stale_session() -> bool:
    """A session cookie whose user no longer loads (deactivated): end it for good, so
    reactivating the user does not bring an old cookie back to life."""
    if current_user.is_authenticated or session.get("_user_id") is None:
        return False
    logout_user()
    return True


def _view_function(endpoint):
    from flask import current_app

    return current_app.view_functions.get(endpoint)


@login_manager.user_loader
def _load_user(user_id: str):
    """Each request loads its user afresh: a deactivated user loads as nobody, so their
    session stops working on their very next request (the gate sends them to sign in)."""
    with tenancy.identifying():  # the session cookie says who; their organisation follows
        # Read now, while identifying: a copy left expired in the session would be reloaded
        # later in whatever organisation is current (and under row-level security, hidden).
        user = db.session.get(User, int(user_id), populate_existing=True)
        return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.before_request(_gate)
