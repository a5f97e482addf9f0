"""Replenishment pages for supervisors: the reorder report per location with each row's
suggested reorder point (and an Apply button), as a page, CSV and PDF.

Every route answers a plain request with the whole page and an htmx request with the
report region (`render` decides); bad filters and refusals land in the page with a 4xx
status and a message, never a 500, and write nothing."""

import re

from flask import make_response, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from warehouse.accounts.models import Role
from warehouse.alerts import replenishment
from warehouse.core.columns import utcnow
from warehouse.core.errors import DomainError
from warehouse.ledger import stock
from warehouse.paper import reorder_report
from warehouse.web.statuses import http_status

from ..htmx import render
from ..i18n import number, translate
from ..security import requires
from . import bp
from .forms import ApplyForm, ReportForm

PAGE, REPORT = "replenishment/index.html", "replenishment/_report.html"


@bp.get("")
@requires(Role.SUPERVISOR)
def index():
    form = ReportForm(request.args, locations=_places())
    if not form.validate():
        return _show(form, status=400)
    return _show(form)


@bp.post("/apply")
@requires(Role.SUPERVISOR)
def apply():
    form = ApplyForm()
    report = ReportForm(_filter_args(form), locations=_places())
    report = report if report.validate() else ReportForm(locations=_places())
    if not form.validate_on_submit():
        problems = " ".join(str(e) for name, errs in form.errors.items() for e in errs)
        return _show(
            report, status=422, outcome=("error", _("Nothing changed. %(problems)s", problems=problems))
        )
    try:
        policy = replenishment.apply_reorder_point(
            form.product.data, form.location.data, form.value.data, actor_id=current_user.id
        )
    except DomainError as refusal:
        return _show(
            report,
            status=http_status(refusal),
            outcome=("error", _("Nothing changed. %(problems)s", problems=translate(refusal.message))),
        )
    sku = stock.product(policy.product_id).sku
    return _show(
        report,
        outcome=(
            "ok",
            _(
                "Reorder point of %(sku)s at %(location)s is now %(point)s.",
                sku=sku,
                location=_code(policy.location_id),
                point=number(policy.reorder_point),
            ),
        ),
    )


@bp.get("/reorder.csv")
@requires(Role.SUPERVISOR)
def csv():
    form = ReportForm(request.args, locations=_places())
    if not form.validate():
        return _show(form, status=400)
    response = make_response(reorder_report.to_csv(replenishment.reorder_report(form.location_id)))
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_name(form)}.csv"'
    return response


@bp.get("/reorder.pdf")
@requires(Role.SUPERVISOR)
def pdf():
    form = ReportForm(request.args, locations=_places())
    if not form.validate():
        return _show(form, status=400)
    rows = replenishment.reorder_report(form.location_id)
    printed = utcnow().strftime("%Y-%m-%d %H:%M")
    filters = {
        _("Location"): form.location.data or _("All locations"),
        _("Rule"): _("on hand at or below the reorder point"),
        _("Printed"): _("%(when)s UTC", when=printed),
    }
    response = make_response(reorder_report.reorder_pdf(rows, filters, say=translate))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{_file_name(form)}.pdf"'
    return response


# --- helpers -----------------------------------------------------------------------------


def _places():
    """Every active location. Transit has no reorder policies, so its report is empty, but
    the dashboard links every location's tiles here and a link must never be a 400."""
    return [loc for loc in stock.locations() if loc.active]


def _code(location_id: int) -> str:
    return next((loc.code for loc in stock.locations() if loc.id == location_id), f"#{location_id}")


def _file_name(form: ReportForm) -> str:
    where = form.location.data or "all-locations"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", f"reorder-{where}-{utcnow():%Y-%m-%d}")


def _filter_args(form: ApplyForm) -> MultiDict:
    return MultiDict(
        {k: v for k, v in (("location", form.report_location.data), ("days", form.days.data)) if v}
    )


def _show(form: ReportForm, *, status: int = 200, outcome=None):
    """The page, or the report region for htmx; no rows while the filter is wrong."""
    rows = [] if form.errors else replenishment.reorder_report(form.location_id)
    suggested = (
        replenishment.suggestions(((r.product_id, r.location_id) for r in rows), days=form.window)
        if rows
        else {}
    )
    return render(
        PAGE,
        REPORT,
        status=status,
        form=form,
        rows=rows,
        suggested=suggested,
        apply_form=ApplyForm(formdata=None),
        outcome=outcome,
        query=_query(form),
    )


def _query(form: ReportForm) -> dict:
    """The filter as URL arguments for the CSV and PDF links (only when it is valid)."""
    if form.errors:
        return {}
    return {k: v for k, v in (("location", form.location.data), ("days", form.days.data)) if v}
