"""Dashboard and reports. Each view: filters -> one analytics/reports call -> template
or file. A bad filter (unknown location, text period, impossible date) answers 400 with
the reason on the page, and the page still renders its filter form."""

from datetime import date, timedelta

from flask import Response, make_response, redirect, request, url_for
from flask_babel import gettext as _

from warehouse.accounts.models import Role
from warehouse.catalog import locations
from warehouse.catalog.models import Location
from warehouse.core.columns import utcnow
from warehouse.core.errors import NotFound
from warehouse.ledger import stock
from warehouse.ledger.models import MovementType
from warehouse.paper import report_files
from warehouse.reporting import analytics, periods, reports
from warehouse.web.context import streamed

from ..htmx import is_htmx, render
from ..i18n import translate
from ..security import requires
from ..words import word
from . import bp, charts
from .forms import DashboardFilterForm, MovementReportForm, RangeFilterForm, ValuationFilterForm

FORMATS = "<any(csv,pdf):fmt>"


@bp.get("")
@requires(Role.SUPERVISOR)
def index():
    form, location, error = _dashboard_filters()
    if error:
        return _page("dashboard/index.html", 400, form=form, error=error)
    data = analytics.dashboard(location, periods.period(form.period.data))
    filters = {"location": location.code if location else None, "period": form.period.data}
    return _page(
        "dashboard/index.html",
        200,
        form=form,
        data=data,
        tiles=data.tiles,
        filters=filters,
        span=data.period,
        charts={
            "flows": charts.flows(data, filters),
            "units": charts.movers(data, filters, "units"),
            "value": charts.movers(data, filters, "value"),
            "values": charts.values(data, filters),
            "counts": charts.count_trend(data, filters),
        },
    )


@bp.get("/tiles")
@requires(Role.SUPERVISOR)
def tiles():
    """The tiles alone, polled by htmx every 30 s; a plain request gets the whole page."""
    if not is_htmx():
        return redirect(url_for("dashboard.index", **request.args))
    form, location, error = _dashboard_filters()
    if error:
        return _page("dashboard/_tiles.html", 400, form=form, error=error, locations=())
    span = periods.period(form.period.data)
    return _page(
        "dashboard/_tiles.html",
        200,
        form=form,
        error=None,
        span=span,
        locations=(),  # no picker: no query
        tiles=analytics.tiles(location.id if location else None, span),
        filters={"location": location.code if location else None, "period": form.period.data},
    )


@bp.get("/reports")
@requires(Role.SUPERVISOR)
def reports_index():
    return _page("reports/index.html", 200, today=utcnow().date())


@bp.get("/reports/valuation", defaults={"fmt": "html"})
@bp.get(f"/reports/valuation.{FORMATS}")
@requires(Role.SUPERVISOR)
def valuation(fmt):
    form = ValuationFilterForm(request.args)
    location, error = _location(form)
    if error:
        return _report_error(form, "reports/valuation.html", error)
    as_of = form.as_of.data or utcnow().date()
    report = reports.valuation(as_of, location, cap=_cap(fmt), basis=form.cost.data)
    return _deliver(report, fmt, "reports/valuation.html", form, "valuation")


@bp.get("/reports/movements", defaults={"fmt": "html"})
@bp.get(f"/reports/movements.{FORMATS}")
@requires(Role.SUPERVISOR)
def movements(fmt):
    form = MovementReportForm(request.args)
    location, error = _location(form)
    product = None
    if not error and form.sku.data:
        try:
            product = stock.product_by_code(form.sku.data)
        except NotFound as e:
            error = translate(e.message)
    if error:
        return _report_error(form, "reports/movements.html", error)
    since, until = _range(form)
    kind = MovementType(form.type.data) if form.type.data else None
    report = reports.movements(since, until, location=location, product=product, type=kind, cap=_cap(fmt))
    return _deliver(report, fmt, "reports/movements.html", form, "movements")


@bp.get("/reports/variances", defaults={"fmt": "html"})
@bp.get(f"/reports/variances.{FORMATS}")
@requires(Role.SUPERVISOR)
def variances(fmt):
    form = RangeFilterForm(request.args)
    location, error = _location(form)
    if error:
        return _report_error(form, "reports/variances.html", error)
    since, until = _range(form)
    report = reports.count_variances(since, until, location=location, cap=_cap(fmt))
    return _deliver(report, fmt, "reports/variances.html", form, "count-variances")


# --- helpers -----------------------------------------------------------------------------


def _dashboard_filters():
    form = DashboardFilterForm(request.args)
    location, error = _location(form)
    return form, location, error


def _location(form) -> tuple[Location | None, str | None]:
    """Validate the form; resolve its location code. (location, None) or (None, error)."""
    if not form.validate():
        problems = " ".join(f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items())
        return None, _("%(problems)s Fix the filter and try again.", problems=problems)
    if not form.location.data:
        return None, None
    location = locations.by_code(form.location.data)
    if location is None:
        return None, _("No location %(code)s: choose one from the list.", code=repr(form.location.data))
    return location, None


def _range(form) -> tuple[date, date]:
    """From/to days; by default the last 30 days up to today."""
    until = form.until.data or utcnow().date()
    since = form.since.data or min(until, utcnow().date()) - timedelta(days=29)
    return min(since, until), until


def _cap(fmt: str) -> int | None:
    """A page or a PDF shows the first rows; a CSV takes them all (it is for spreadsheets
    and auditors, and the movement history streams)."""
    return None if fmt == "csv" else reports.MAX_ROWS


def _deliver(report: reports.Report, fmt: str, template: str, form, name: str) -> Response:
    if fmt == "csv":
        lines = streamed(line.encode() for line in report_files.csv_lines(report))
        return _file(lines, "text/csv; charset=utf-8", f"{name}.csv")
    if fmt == "pdf":
        return _file(report_files.to_pdf(report, say=translate, name=word), "application/pdf", f"{name}.pdf")
    args = {k: v for k, v in request.args.items() if v}
    return _page(
        template,
        200,
        form=form,
        report=report,
        args=args,
        locations=stock.locations(),
        endpoint=request.endpoint,
    )


def _report_error(form, template: str, error: str) -> Response:
    return _page(
        template,
        400,
        form=form,
        report=None,
        args={},
        error=error,
        locations=stock.locations(),
        endpoint=request.endpoint,
    )


def _file(body, mimetype: str, filename: str) -> Response:
    response = Response(body) if not isinstance(body, bytes) else make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page(template: str, status: int, **context) -> Response:
    if "locations" not in context:  # setdefault would run the query even when given
        context["locations"] = stock.locations()
    context.setdefault("timedelta", timedelta)
    return render(template, template, status=status, **context)
