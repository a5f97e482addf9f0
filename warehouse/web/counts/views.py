"""Cycle count pages for supervisors: list and create batches, the ABC report with what is
due today, the review (accept, recount, reject, auto-accept within tolerance) and the
blind count sheet.

Every route answers a plain form post with the whole page and an htmx request with the
region it swaps (`render` decides), and every refusal from the domain (FourEyes 403,
CountRefused 409, InsufficientStock 409, InvalidPosting 422, NotFound 404) lands in the
page as a message with the refusal's status, never as a 500.

Auto-accept reads its tolerances from the app config COUNT_TOLERANCES, a mapping of ABC
class to counts.Tolerance, {"units": 1, "percent": "2"} or (1, "2"); a class left out
keeps counts.DEFAULT_TOLERANCES."""

from collections.abc import Mapping
from decimal import Decimal

from flask import make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import and_, case, func, select

from warehouse import counts
from warehouse.accounts.models import Role
from warehouse.catalog import locations
from warehouse.core.columns import utcnow
from warehouse.core.errors import DomainError, InvalidPosting
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.counts import abc
from warehouse.counts.models import CountLine, CountLineStatus, CountStatus
from warehouse.ledger import stock
from warehouse.paper import count_sheets
from warehouse.web.statuses import http_status

from ..context import settings
from ..htmx import is_htmx, redirect_for_htmx, render
from ..i18n import translate
from ..security import requires
from . import bp
from .forms import AbcFilterForm, DueCountForm, FromRequestsForm, NewCountForm, ResolveForm, ReviewFilterForm

ID = "int(max=2147483647)"  # larger ids are 404 before they reach the database
INDEX, ROWS, NEW_FORM = "counts/index.html", "counts/_rows.html", "counts/_new_form.html"
REQUESTS = "counts/_requests.html"
PAGE, BATCH = "counts/detail.html", "counts/_batch.html"
ABC_PAGE, ABC_REGION = "counts/abc.html", "counts/_abc.html"
PAPER = ("A4", "LETTER")
L = CountLineStatus


@bp.get("")
@requires(Role.SUPERVISOR)
def index():
    return _index(NewCountForm(formdata=None, locations=_places()), ROWS)


@bp.post("/new")
@requires(Role.SUPERVISOR)
def new():
    form = NewCountForm(locations=_places())
    if not form.validate_on_submit():
        return _index(form, NEW_FORM, status=422)
    try:
        batch = counts.create(
            form.location.data,
            form.selection(),
            actor_id=current_user.id,
            key=form.key.data or None,
            abc_shares=settings().abc_shares,
        )
    except DomainError as refusal:
        return _index(
            form, NEW_FORM, status=http_status(refusal), outcome=("error", translate(refusal.message))
        )
    return _to_batch(batch)


@bp.post("/from-requests")
@requires(Role.SUPERVISOR)
def from_requests():
    """A batch of the open count requests (short picks) of one location."""
    form = FromRequestsForm()
    location_id = form.location_id() if form.validate_on_submit() else None
    if location_id is None:
        return _index(
            NewCountForm(formdata=None, locations=_places()),
            REQUESTS,
            status=422,
            request_outcome=("error", _("That request list is out of date. Reload the page and try again.")),
        )
    try:
        batch = counts.create_from_requests(location_id, actor_id=current_user.id, key=form.key.data or None)
    except DomainError as refusal:
        return _index(
            NewCountForm(formdata=None, locations=_places()),
            REQUESTS,
            status=http_status(refusal),
            request_outcome=("error", translate(refusal.message)),
        )
    return _to_batch(batch)


@bp.get("/abc")
@requires(Role.SUPERVISOR)
def abc_report():
    places = _places()
    form = AbcFilterForm(request.args, locations=places)
    if not form.validate():
        return render(
            ABC_PAGE,
            ABC_REGION,
            form=form,
            location=None,
            rows=[],
            due=[],
            due_form=DueCountForm(formdata=None, locations=places),
        )
    location_id = form.location.data or (places[0].id if places else None)
    return _abc(places, location_id, DueCountForm(formdata=None, locations=places, location=location_id))


@bp.post("/abc/due")
@requires(Role.SUPERVISOR)
def due():
    places = _places()
    form = DueCountForm(locations=places)
    if not form.validate_on_submit():
        return _abc(places, None, form, status=422, outcome=("error", _problems(form)))
    now, wanted = utcnow(), form.abc_class.data
    skus = tuple(
        row.product.sku
        for row in abc.due_today(now, location_id=form.location.data, **_abc_settings())
        if row.abc == wanted
    )
    try:
        if not skus:
            raise InvalidPosting(
                msg("Nothing of class {abc_class} is due today here. Choose another class.", abc_class=wanted)
            )
        batch = counts.create(
            form.location.data,
            counts.Selection(skus=skus, abc_class=wanted),
            actor_id=current_user.id,
            now=now,
            abc_shares=settings().abc_shares,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return _abc(
            places,
            form.location.data,
            form,
            status=http_status(refusal),
            outcome=("error", translate(refusal.message)),
        )
    return _to_batch(batch)


@bp.get(f"/<{ID}:id>")
@requires(Role.SUPERVISOR)
def detail(id):
    return _show(counts.get(id))


@bp.post(f"/<{ID}:id>/resolve")
@requires(Role.SUPERVISOR)
def resolve(id):
    batch = counts.get(id)
    form = ResolveForm()
    if not form.validate_on_submit():
        return _show(batch, status=422, outcome=("error", _("Nothing changed. %(why)s", why=_problems(form))))
    try:
        done = form.service()(id, form.line.data, actor_id=current_user.id)
    except DomainError as refusal:
        return _show(
            counts.get(id),
            status=http_status(refusal),
            outcome=("error", _("Nothing changed. %(why)s", why=translate(refusal.message))),
        )
    return _show(counts.get(id), outcome=("ok", _done(form.action.data, len(done))))


@bp.post(f"/<{ID}:id>/auto-accept")
@requires(Role.SUPERVISOR)
def auto_accept(id):
    batch = counts.get(id)  # CSRF was checked app-wide (CSRFProtect) before the view
    fitting = counts.within_tolerance(batch, _tolerances(), abc_shares=settings().abc_shares)
    ids = [line.id for line in fitting if line.counted_by != current_user.id]
    skipped = len(fitting) - len(ids)
    note = (
        ngettext(
            "Skipped %(num)d line you counted: another supervisor must resolve them.",
            "Skipped %(num)d lines you counted: another supervisor must resolve them.",
            skipped,
        )
        if skipped
        else ""
    )
    if not ids:
        return _show(batch, outcome=("warn", _joined(_("No line to accept within tolerance."), note)))
    try:
        counts.accept(id, ids, actor_id=current_user.id)
    except DomainError as refusal:
        return _show(
            counts.get(id),
            status=http_status(refusal),
            outcome=("error", _("Nothing changed. %(why)s", why=translate(refusal.message))),
        )
    accepted = ngettext(
        "Accepted %(num)d line within tolerance.", "Accepted %(num)d lines within tolerance.", len(ids)
    )
    return _show(counts.get(id), outcome=("ok", _joined(accepted, note)))


@bp.get(f"/<{ID}:id>/sheet.pdf")
@requires(Role.SUPERVISOR)
def sheet(id):
    batch = counts.get(id)
    size = (request.args.get("size") or "A4").strip().upper()
    if size not in PAPER:
        return render(
            "errors/error.html",
            "partials/_error.html",
            status=400,
            status_code=400,
            message=_("Paper size must be A4 or LETTER (e.g. ?size=A4)."),
        )
    response = make_response(count_sheets.count_sheet(batch, size, say=translate))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{batch.number}-count-sheet.pdf"'
    return response


# --- helpers -----------------------------------------------------------------------------


def _places():
    """Where a count can happen: active locations other than transit."""
    return locations.places()


def _to_batch(batch):
    target = url_for("counts.detail", id=batch.id)
    return redirect_for_htmx(target) if is_htmx() else redirect(target, 303)


def _index(form, partial: str, *, status: int = 200, outcome=None, request_outcome=None):
    rows = counts.listing()
    return render(
        INDEX,
        partial,
        status=status,
        form=form,
        rows=rows,
        outcome=outcome,
        summary=_summary([batch.id for batch in rows]),
        requests=_requests_by_location(),
        request_outcome=request_outcome,
    )


def _requests_by_location() -> list[tuple[object, list, FromRequestsForm]]:
    """Open count requests grouped by location, each group with its "Count these" form."""
    groups: dict[int, list] = {}
    for request_ in counts.open_requests():
        groups.setdefault(request_.location_id, []).append(request_)
    places = {loc.id: loc for loc in stock.locations()}
    return [
        (places[location_id], items, FromRequestsForm(formdata=None, location=location_id))
        for location_id, items in groups.items()
    ]


def _summary(batch_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Batch id -> (lines, lines with a variance), in one query; replaced lines (a recount
    was asked) are not counted."""
    live = CountLine.status != L.RECOUNT
    varied = and_(
        live,
        CountLine.counted_qty.is_not(None),
        CountLine.ledger_qty_at_count.is_not(None),
        CountLine.counted_qty != CountLine.ledger_qty_at_count,
    )
    query = (
        select(CountLine.batch_id, func.sum(case((live, 1), else_=0)), func.sum(case((varied, 1), else_=0)))
        .where(CountLine.batch_id.in_(batch_ids))
        .group_by(CountLine.batch_id)
    )
    return {
        batch_id: (int(lines or 0), int(varies or 0)) for batch_id, lines, varies in db.session.execute(query)
    }


def _abc(places, location_id, due_form, *, status: int = 200, outcome=None):
    now = utcnow()
    location = next((loc for loc in places if loc.id == location_id), None)
    rows = abc.report(now, location_id=location.id, shares=settings().abc_shares) if location else []
    due = abc.due_today(now, location_id=location.id, **_abc_settings()) if location else []
    form = AbcFilterForm(formdata=None, locations=places, location=location.id if location else None)
    return render(
        ABC_PAGE,
        ABC_REGION,
        status=status,
        form=form,
        location=location,
        rows=rows,
        due=due,
        due_form=due_form,
        outcome=outcome,
    )


def _show(batch, *, status: int = 200, outcome=None):
    """The review page, or its region, filtered by the query string (?variances=1,
    ?min_value=50), which the action forms keep in their URLs."""
    filters = ReviewFilterForm(request.args)
    lines = [line for line in batch.lines if filters.keep(line)] if filters.validate() else list(batch.lines)
    values = {line.id: counts.value(line) for line in batch.lines}
    args = {
        k: v
        for k, v in (("variances", filters.variances.data), ("min_value", request.args.get("min_value")))
        if v and not filters.errors
    }
    return render(
        PAGE,
        BATCH,
        status=status,
        batch=batch,
        lines=lines,
        values=values,
        filters=filters,
        args=args,
        outcome=outcome,
        reviewing=batch.status in (CountStatus.SUBMITTED, CountStatus.IN_REVIEW),
        net=sum((values[line.id] for line in lines), Decimal(0)),
        L=L,
    )


def _abc_settings() -> dict:
    return {"shares": settings().abc_shares, "every_days": settings().abc_count_every_days}


def _tolerances() -> dict[str, counts.Tolerance]:
    configured = settings().count_tolerances
    return {**counts.DEFAULT_TOLERANCES, **{cls: _tolerance(rule) for cls, rule in configured.items()}}


def _tolerance(rule) -> counts.Tolerance:
    if isinstance(rule, counts.Tolerance):
        return rule
    units, percent = (rule["units"], rule["percent"]) if isinstance(rule, Mapping) else rule
    return counts.Tolerance(int(units), Decimal(str(percent)))


def _done(action: str, n: int) -> str:
    """What a review action did, a whole sentence for each action."""
    if action == "accept":
        return ngettext("Accepted: %(num)d line.", "Accepted: %(num)d lines.", n)
    if action == "recount":
        return ngettext("Recount asked for: %(num)d line.", "Recount asked for: %(num)d lines.", n)
    return ngettext("Rejected: %(num)d line.", "Rejected: %(num)d lines.", n)


def _joined(*sentences: str) -> str:
    """Whole sentences, each translated on its own, one after another."""
    return " ".join(s for s in sentences if s)


def _problems(form) -> str:
    # str(): a validator's message is a lazy translation, said in the page's language here.
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
