"""Sign-in by username + password, or by badge scan then PIN (floor staff)."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from warehouse import accounts
from warehouse.accounts.models import Role
from warehouse.core.errors import SignInRefused, SignInThrottled
from warehouse.web.context import enter_organisation
from warehouse.web.statuses import http_status

from ..security import public, requires
from .forms import BadgeForm, SignInForm

bp = Blueprint("auth", __name__)


def _limits():
    return dict(
        max_failures=current_app.config["SIGN_IN_MAX_FAILURES"],
        window_minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"],
        address=request.remote_addr,  # the client's, behind a proxy with PROXY_HOPS set
        max_address_failures=current_app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"],
    )


def _safe_next(target: str | None, user) -> str:
    """Only same-site paths: never redirect off the app after sign-in. Without one,
    operators land on the floor home, supervisors and admins on stock."""
    if (
        target
        and urlsplit(target).netloc == ""
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return url_for("floor.home") if user.role is Role.OPERATOR else url_for("stock.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = SignInForm(next=request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data, **_limits())
        except (SignInRefused, SignInThrottled) as refusal:
            form.password.errors.append(refusal.message)
            status = http_status(refusal)
        else:
            enter_organisation(user.org_id)  # the rest of this request is theirs
            login_user(user)
            return redirect(_safe_next(form.next.data, user))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/login/badge", methods=["GET", "POST"])
@public
def badge_login():
    form = BadgeForm()
    status = 200
    if form.validate_on_submit():
        if not form.pin.data:  # the badge was just scanned: ask for the PIN next
            return render_template("auth/badge.html", form=form, ask_pin=True)
        try:
            user = accounts.authenticate_badge(form.badge.data, form.pin.data, **_limits())
        except (SignInRefused, SignInThrottled) as refusal:
            form.badge.errors.append(refusal.message)
            form.badge.data = ""
            status = http_status(refusal)
        else:
            enter_organisation(user.org_id)  # the rest of this request is theirs
            login_user(user)
            return redirect(_safe_next(None, user))
    elif request.method == "POST":
        status = 422
    return render_template("auth/badge.html", form=form, ask_pin=False), status


@bp.route("/logout", methods=["POST"])
@requires(Role.OPERATOR)
def logout():
    said = _("Signed out.")  # in their language, while they are still signed in
    logout_user()
    flash(said, "ok")
    return redirect(url_for("auth.login"))
