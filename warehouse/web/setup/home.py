"""The setup home: what to set up, in order, how far it has come, the organisation's
name (printed on badge cards) and how long its carts hold stock."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from warehouse.accounts import organisations
from warehouse.accounts.models import Role
from warehouse.core import tenancy
from warehouse.core.errors import DomainError
from warehouse.setup import overview
from warehouse.web.context import settings
from warehouse.web.statuses import http_status

from ..htmx import render
from ..security import requires
from . import bp
from .forms import OrganisationForm


@bp.get("")
@requires(Role.ADMIN)
def index():
    org = organisations.by_id(tenancy.current())
    return _page(OrganisationForm(formdata=None, name=org.name, cart_ttl_minutes=org.cart_ttl_minutes))


@bp.post("/organisation")
@requires(Role.ADMIN)
def organisation():
    form = OrganisationForm()
    if not form.validate_on_submit():
        return _page(form, 422, ("error", _("Nothing was saved. Fix the marked field.")))
    was = organisations.by_id(current_user.org_id).cart_ttl_minutes
    try:  # the signed-in admin's own organisation, never one named in the request
        org = organisations.change(
            current_user.org_id, form.name.data, cart_ttl_minutes=form.cart_ttl_minutes.data
        )
    except DomainError as refusal:
        return _page(form, http_status(refusal), ("error", refusal.message))
    said = _("The organisation is now called %(name)s.", name=org.name)
    if org.cart_ttl_minutes != was:
        said += " " + _cart_ttl(org)
    return _page(form, 200, ("ok", said))


def _cart_ttl(org) -> str:
    if org.cart_ttl_minutes:
        return _("Carts now hold stock %(minutes)s minutes.", minutes=org.cart_ttl_minutes)
    return _(
        "Carts now hold stock %(minutes)s minutes (the installation's default).",
        minutes=_default_ttl(),
    )


def _default_ttl() -> str:
    return f"{settings().reservation_ttl.total_seconds() / 60:g}"


def _page(form, status=200, outcome=None):
    code = organisations.by_id(tenancy.current()).code
    return render(
        "setup/index.html",
        "setup/index.html",
        status=status,
        counts=overview.counts(),
        default_ttl=_default_ttl(),
        form=form,
        code=code,
        outcome=outcome if request.method == "POST" else None,
    )
