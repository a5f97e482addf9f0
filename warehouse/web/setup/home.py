"""The setup home: what to set up, in order, how far it has come, and the organisation's
name (printed on badge cards)."""

from flask import request
from flask_login import current_user

from warehouse.accounts import organisations
from warehouse.accounts.models import Role
from warehouse.core import tenancy
from warehouse.core.errors import DomainError
from warehouse.setup import overview
from warehouse.web.statuses import http_status

from ..htmx import render
from ..security import requires
from . import bp
from .forms import OrganisationForm


@bp.get("")
@requires(Role.ADMIN)
def index():
    return _page(OrganisationForm(formdata=None, name=organisations.by_id(tenancy.current()).name))


@bp.post("/organisation")
@requires(Role.ADMIN)
def organisation():
    form = OrganisationForm()
    if not form.validate_on_submit():
        return _page(form, 422, ("error", "Nothing was saved. Fix the marked field."))
    try:  # the signed-in admin's own organisation, never one named in the request
        org = organisations.rename(current_user.org_id, form.name.data)
    except DomainError as refusal:
        return _page(form, http_status(refusal), ("error", refusal.message))
    return _page(form, 200, ("ok", f"The organisation is now called {org.name}."))


def _page(form, status=200, outcome=None):
    code = organisations.by_id(tenancy.current()).code
    return render(
        "setup/index.html",
        "setup/index.html",
        status=status,
        counts=overview.counts(),
        form=form,
        code=code,
        outcome=outcome if request.method == "POST" else None,
    )
