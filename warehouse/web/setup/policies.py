"""Reorder policies: every SKU x location policy, searchable and paged, each editable in
its row with its suggested reorder point beside it (Apply sets it), and a form to add one.
Saving goes through alerts.policies, the rule the API and the import keep too."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.alerts import policies, replenishment
from warehouse.alerts.policies import FIGURES, PolicySpec
from warehouse.catalog import locations
from warehouse.catalog import products as catalog_products
from warehouse.core import commands
from warehouse.core.errors import DomainError, NotFound
from warehouse.core.i18n import msg
from warehouse.setup import policies as policy_list
from warehouse.web.statuses import http_status

from ..htmx import render
from ..i18n import number
from ..keyed import new_key
from ..security import requires
from . import bp
from .forms import ApplyForm, PolicyFilterForm, PolicyForm


@bp.route("/policies", methods=["GET", "POST"])
@requires(Role.ADMIN)
def policies_page():
    if request.method == "GET":
        return _page(PolicyForm(formdata=None))
    form = PolicyForm()
    if not form.validate_on_submit():
        return _page(form, 422, ("error", _("Nothing was saved. Fix the marked fields.")))
    # An empty max level clears it; other empty figures keep theirs (0 for a new policy).
    figures = {
        f: getattr(form, f).data for f in FIGURES if getattr(form, f).data is not None or f == "max_level"
    }
    spec = PolicySpec(sku=form.sku.data.strip(), location=form.location.data.strip(), figures=figures)
    try:
        commands.run(
            "policy.save",
            lambda: policies.save_one(spec, actor_id=current_user.id),
            key=form.key.data or None,
            actor_id=current_user.id,
            request=[spec.sku, spec.location, figures],
            remember=lambda p: {"id": p.id},
            recall=lambda stored: stored,
        )
    except DomainError as refusal:
        return _page(form, http_status(refusal), ("error", refusal.message))
    return _page(
        PolicyForm(formdata=None),
        200,
        ("ok", _("Saved the policy of %(sku)s at %(location)s.", sku=spec.sku, location=spec.location)),
    )


@bp.post("/policies/apply")
@requires(Role.ADMIN)
def policy_apply():
    form = ApplyForm()
    if not form.validate_on_submit():
        return _page(PolicyForm(formdata=None), 422, ("error", _("Choose a suggestion to apply.")))
    try:
        product = catalog_products.by_sku(form.sku.data)
        location = locations.by_code(form.location.data)
        if product is None or location is None:
            raise NotFound(msg("No such policy. Reload the page."))
        replenishment.apply_reorder_point(product.id, location.id, form.value.data, actor_id=current_user.id)
    except DomainError as refusal:
        return _page(PolicyForm(formdata=None), http_status(refusal), ("error", refusal.message))
    said = _(
        "Reorder point of %(sku)s at %(location)s is now %(value)s.",
        sku=product.sku,
        location=location.code,
        value=number(form.value.data),
    )
    return _page(PolicyForm(formdata=None), 200, ("ok", said))


def _page(form, status=200, outcome=None):
    search = PolicyFilterForm(request.args)
    if not search.validate():
        search.q.data, search.location.data, search.page.data = "", "", 1
    place = locations.by_code(search.location.data) if search.location.data else None
    if search.location.data and place is None:
        outcome = outcome or (
            "error",
            _("No location %(code)s: showing every location.", code=repr(search.location.data)),
        )
    page = policy_list.listing(search.q.data or "", place.id if place else None, number=search.page.data or 1)
    return render(
        "setup/policies.html",
        "setup/_policies.html",
        status=status,
        form=form,
        search=search,
        page=page,
        number=search.page.data or 1,
        outcome=outcome,
        figures=FIGURES,
        new_key=new_key,
    )
