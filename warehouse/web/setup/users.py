"""Users and badges: the list with a new-user form, and each user's page (role, password,
PIN, badge, deactivate or reactivate) with their badge card as a PDF. Deactivating takes
effect at once: the user's session and API tokens stop working on their next request."""

import hashlib

from flask import abort, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from warehouse import accounts
from warehouse.accounts import organisations, users
from warehouse.accounts.models import Role, User
from warehouse.core import commands, tenancy
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.paper import badges
from warehouse.web.errors import error_response
from warehouse.web.statuses import http_status

from ..htmx import redirect_for_htmx, render
from ..i18n import translate
from ..security import requires
from . import bp
from .forms import BadgeForm, NewUserForm, PasswordForm, PinForm, RoleForm, SearchForm


@bp.route("/users", methods=["GET", "POST"])
@requires(Role.ADMIN)
def users_list():
    form = NewUserForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        return _list(form)
    if not form.validate_on_submit():
        return _list(form, 422, ("error", _("Nobody was added. Fix the marked fields.")))
    try:
        user = commands.run(
            "user.create",
            lambda: _created(form),
            key=form.key.data or None,
            actor_id=current_user.id,
            request=[form.username.data, form.role.data, form.badge_code.data],
            **commands.by_id(User),
        )
    except DomainError as refusal:
        return _list(form, http_status(refusal), ("error", refusal.message))
    return _go(url_for("setup.user", username=user.username, made=1))


def _created(form) -> User:
    user = accounts.create_user(
        form.username.data,
        form.password.data,
        form.role.data,
        badge_code=form.badge_code.data or None,
        pin=form.pin.data or None,
    )
    db.session.flush()  # its id is the command's answer
    return user


def _list(form, status=200, outcome=None):
    search = SearchForm(request.args)
    if not search.validate():
        search.q.data, search.page.data = "", 1
    page = users.users_page(search.q.data or "", search.page.data or 1)
    return render(
        "setup/users.html",
        "setup/_users.html",
        status=status,
        form=form,
        search=search,
        page=page,
        number=search.page.data or 1,
        outcome=outcome,
    )


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    return user or abort(404)


@bp.get("/users/<username>")
@requires(Role.ADMIN)
def user(username):
    person = _user(username)
    outcome = ("ok", _("Added %(username)s.", username=person.username)) if request.args.get("made") else None
    return _page(person, outcome=outcome)


ACTIONS = {
    "role": (
        RoleForm,
        lambda p, f: users.set_role(p.id, f.role.data, actor_id=current_user.id),
        _l("Role changed."),
    ),
    "password": (
        PasswordForm,
        lambda p, f: users.reset_password(p.id, f.password.data, actor_id=current_user.id),
        _l("Password reset."),
    ),
    "pin": (PinForm, lambda p, f: users.set_pin(p.id, f.pin.data, actor_id=current_user.id), _l("PIN set.")),
    "badge": (
        BadgeForm,
        lambda p, f: users.set_badge(p.id, f.badge_code.data or None, actor_id=current_user.id),
        _l("Badge saved."),
    ),
}


@bp.post("/users/<username>/<any(role, password, pin, badge):what>")
@requires(Role.ADMIN)
def user_change(username, what):
    person = _user(username)
    form_class, act, done = ACTIONS[what]
    form = form_class()
    if not form.validate_on_submit():
        said = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _page(person, 422, ("error", said))
    try:
        # Keyed: a retried reset (a double tap) stores its new hash once.
        commands.run(
            f"user.{what}",
            lambda: act(person, form),
            key=form.key.data or None,
            actor_id=current_user.id,
            request=[person.id, what, _digest(form)],
            **commands.by_id(User),
        )
    except DomainError as refusal:
        return _page(person, http_status(refusal), ("error", refusal.message))
    return _page(person, 200, ("ok", done))


@bp.post("/users/<username>/active")
@requires(Role.ADMIN)
def user_active(username):
    person = _user(username)
    wanted = request.form.get("active") == "1"
    try:
        if wanted:
            users.reactivate(person.id, actor_id=current_user.id)
        else:
            users.deactivate(person.id, actor_id=current_user.id)
    except DomainError as refusal:
        return _page(person, http_status(refusal), ("error", refusal.message))
    said = (
        _("%(username)s can sign in again (make new API tokens).", username=person.username)
        if wanted
        else _(
            "%(username)s is deactivated: signed out everywhere, API tokens revoked.",
            username=person.username,
        )
    )
    return _page(person, 200, ("ok", said))


def _digest(form) -> str:
    """What the change sets, for the key's fingerprint (a reused key with another value is
    refused, not replayed); secrets go in as a digest."""
    values = [str(f.data) for f in form if f.name not in ("csrf_token", "key")]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()


def _page(person, status=200, outcome=None):
    db.session.refresh(person)
    role = RoleForm(formdata=None, role=person.role.value)
    badge = BadgeForm(formdata=None, badge_code=person.badge_code or "")
    return render(
        "setup/user.html",
        "setup/_user.html",
        status=status,
        person=person,
        role_form=role,
        password_form=PasswordForm(formdata=None),
        pin_form=PinForm(formdata=None),
        badge_form=badge,
        outcome=outcome,
    )


@bp.get("/users/<username>/badge.pdf")
@requires(Role.ADMIN)
def badge_pdf(username):
    person = _user(username)
    if not person.badge_code:
        return error_response(
            400, msg("{username} has no badge code. Set one on their page first.", username=person.username)
        )
    organisation = organisations.by_id(tenancy.current())
    card = badges.BadgeCard(
        name=person.username,
        role=person.role.value,
        badge_code=person.badge_code,
        organisation=organisation.name,
    )
    try:
        pdf = badges.badge_cards_pdf([card], say=translate)
    except ValueError as refusal:  # a badge code too long for the card
        reason = refusal.args[0] if refusal.args else str(refusal)
        return error_response(
            400,
            msg("{reason} Give {username} a shorter badge code.", reason=reason, username=person.username),
        )
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="badge-{person.username}.pdf"'
    return response


def _go(target):
    return redirect_for_htmx(target) if request.headers.get("HX-Request") else redirect(target, 303)
