"""Stock request pages: anyone signed in asks (list, new, lines, submit, roll back,
withdraw, comment); supervisors decide (waiting list, approve with the suggested source
preselected, reject). The same services as the API (warehouse/stock_requests/).

Every route answers a plain form post with the whole page and an htmx request with the
region it swaps (`render` decides); a refusal lands in the page with its status, never a
500. Every form that writes carries its own key: a double tap is applied once."""

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from warehouse import stock_requests
from warehouse.accounts.models import Role
from warehouse.catalog import locations
from warehouse.core import pagers
from warehouse.core.errors import DomainError
from warehouse.counts.blind import blindfold_for
from warehouse.ledger import stock
from warehouse.stock_requests.models import Fulfilment
from warehouse.web.statuses import http_status

from ..htmx import is_htmx, redirect_for_htmx, render, wants_partial
from ..i18n import number
from ..keyed import new_key
from ..security import RANK, requires
from . import bp
from .forms import (
    AddLineForm,
    ApproveForm,
    CommentForm,
    LineQtyForm,
    NewRequestForm,
    ProductSearchForm,
    RejectForm,
    RequestFilterForm,
    StepForm,
)

ID = "int(max=2147483647)"  # larger ids are 404 before they reach the database
PAGE, WHOLE = "stock_requests/detail.html", "stock_requests/_request.html"
LINES, COMMENTS = "stock_requests/_lines.html", "stock_requests/_comments.html"
S = stock_requests.S
LISTED = 100


@bp.get("")
@requires(Role.OPERATOR)
def index():
    form = RequestFilterForm(request.args)
    rows = []
    if form.validate():
        chosen = stock_requests.RequestFilter(
            status=form.status.data or None,
            category=form.category.data or None,
            requested_by=current_user.id if form.mine.data else None,
        )
        rows = pagers.offset(stock_requests.listing(chosen), page=1, size=LISTED).rows
    return render(
        "stock_requests/index.html", "stock_requests/_rows.html", form=form, rows=rows, listed=LISTED
    )


@bp.get("/approvals")
@requires(Role.SUPERVISOR)
def approvals():
    rows = pagers.offset(stock_requests.pending(current_user.id), page=1, size=LISTED).rows
    return render(
        "stock_requests/approvals.html", "stock_requests/_rows.html", rows=rows, form=None, listed=LISTED
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def new():
    form = NewRequestForm(locations=locations.places())
    if request.method == "GET":
        form.location.data = current_user.location_id  # the requester's own place first
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render("stock_requests/new.html", "stock_requests/_new_form.html", status=status, form=form)
    try:
        made = stock_requests.create(
            location_id=form.location.data,
            department=form.department.data,
            category=form.category.data,
            note=form.note.data,
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        outcome = ("error", refusal.message)
        return render(
            "stock_requests/new.html",
            "stock_requests/_new_form.html",
            status=http_status(refusal),
            form=form,
            outcome=outcome,
        )
    target = url_for("stock_requests.detail", id=made.id)
    return redirect_for_htmx(target) if is_htmx() else redirect(target, 303)


@bp.get(f"/<{ID}:id>")
@requires(Role.OPERATOR)
def detail(id):
    return _show(stock_requests.get(id), WHOLE)


# --- lines ------------------------------------------------------------------------------


@bp.post(f"/<{ID}:id>/lines")
@requires(Role.OPERATOR)
def add_line(id):
    form = AddLineForm()
    if not form.validate_on_submit():
        outcome = ("error", _("Nothing was added. Fix the marked fields."))
        return _show(stock_requests.get(id), LINES, status=422, add_form=form, lines_outcome=outcome)
    try:
        product = stock.product_by_code(form.code.data)
        stock_requests.add_line(
            id,
            product,
            form.qty.data,
            note=form.note.data or "",
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        outcome = ("error", refusal.message)
        return _show(
            stock_requests.get(id), LINES, status=http_status(refusal), add_form=form, lines_outcome=outcome
        )
    added = _("Added %(qty)s × %(sku)s.", qty=number(form.qty.data), sku=product.sku)
    return _show(stock_requests.get(id), LINES, lines_outcome=("ok", added))


@bp.post(f"/<{ID}:id>/lines/<{ID}:line_id>")
@requires(Role.OPERATOR)
def change_line(id, line_id):
    form = LineQtyForm()
    if not form.validate_on_submit():
        nothing = _("Nothing changed. %(errors)s", errors=_errors(form))
        return _show(stock_requests.get(id), LINES, status=422, lines_outcome=("error", nothing))
    try:
        stock_requests.set_line(id, line_id, form.qty.data, actor_id=current_user.id)
    except DomainError as refusal:
        outcome = ("error", refusal.message)
        return _show(stock_requests.get(id), LINES, status=http_status(refusal), lines_outcome=outcome)
    done = (
        _("Line removed.") if form.qty.data == 0 else _("Quantity set to %(qty)s.", qty=number(form.qty.data))
    )
    return _show(stock_requests.get(id), LINES, lines_outcome=("ok", done))


@bp.get("/products")
@requires(Role.OPERATOR)
def products():
    """Up to 10 active SKUs starting with what was typed, each with what the request's
    location has available (blind for operators while a bin there is being counted)."""
    search = ProductSearchForm(request.args)
    if not search.validate() and search.request.errors:
        return render(
            "errors/error.html",
            "partials/_error.html",
            status=400,
            status_code=400,
            message=_("Open a request first, then search for SKUs to add."),
        )
    asked = stock_requests.get(search.request.data)
    matches = _matches(search.q.data, asked.location_id) if search.q.data and not search.errors else []
    return render(
        "stock_requests/products.html",
        "stock_requests/_products.html",
        req=asked,
        search=search,
        matches=matches,
        standalone=not wants_partial(),
        new_key=new_key,  # each Add form its own key: a double tap adds once
    )


def _matches(text: str, location_id: int | None) -> list:
    found = pagers.offset(stock_requests.product_search(text), page=1, size=10).rows
    if location_id is None:
        return [(p, None) for p in found]
    free = stock_requests.available({p.id for p in found}, {location_id})
    shown = stock_requests.figures(
        blindfold_for(current_user.role),
        [(p.id, location_id, free.get((location_id, p.id), 0)) for p in found],
    )
    return list(zip(found, shown, strict=True))


# --- the requester's steps and comments -------------------------------------------------


@bp.post(f"/<{ID}:id>/submit")
@requires(Role.OPERATOR)
def submit(id):
    return _step(id, stock_requests.submit, _l("%(number)s is submitted: a supervisor decides next."))


@bp.post(f"/<{ID}:id>/rollback")
@requires(Role.OPERATOR)
def rollback(id):
    return _step(
        id, stock_requests.rollback, _l("%(number)s is back in draft: change it, then submit again.")
    )


@bp.post(f"/<{ID}:id>/cancel")
@requires(Role.OPERATOR)
def cancel(id):
    return _step(id, stock_requests.cancel, _l("%(number)s is withdrawn."))


@bp.post(f"/<{ID}:id>/comments")
@requires(Role.OPERATOR)
def comment(id):
    form = CommentForm()
    if not form.validate_on_submit():
        outcome = ("error", _errors(form))
        return _show(
            stock_requests.get(id), COMMENTS, status=422, comment_form=form, comments_outcome=outcome
        )
    try:
        stock_requests.comment(id, form.text.data, actor_id=current_user.id, key=form.key.data or None)
    except DomainError as refusal:
        outcome = ("error", refusal.message)
        return _show(
            stock_requests.get(id),
            COMMENTS,
            status=http_status(refusal),
            comment_form=form,
            comments_outcome=outcome,
        )
    return _show(stock_requests.get(id), COMMENTS, comments_outcome=("ok", _("Comment added.")))


# --- the approver's decisions -----------------------------------------------------------


@bp.post(f"/<{ID}:id>/approve")
@requires(Role.SUPERVISOR)
def approve(id):
    asked = stock_requests.get(id)
    form = ApproveForm(locations=locations.places())
    if not form.validate_on_submit():
        return _show(
            asked,
            WHOLE,
            status=422,
            approve_form=form,
            outcome=("error", _("Nothing was approved. %(errors)s", errors=_errors(form))),
        )
    try:
        done = stock_requests.approve(
            id,
            form.fulfil_as.data,
            source_location_id=form.source.data,
            note=form.remark.data,
            actor_id=current_user.id,
            key=form.key.data or None,
        )
    except DomainError as refusal:
        return _show(
            stock_requests.get(id),
            WHOLE,
            status=http_status(refusal),
            approve_form=form,
            outcome=("error", refusal.message),
        )
    return _show(stock_requests.get(id), WHOLE, outcome=("ok", _approved(stock_requests.get(done.id))))


@bp.post(f"/<{ID}:id>/reject")
@requires(Role.SUPERVISOR)
def reject(id):
    form = RejectForm()
    if not form.validate_on_submit():
        return _show(
            stock_requests.get(id),
            WHOLE,
            status=422,
            reject_form=form,
            outcome=("error", _("Nothing was rejected. %(errors)s", errors=_errors(form))),
        )
    try:
        stock_requests.reject(id, form.reason.data, actor_id=current_user.id, key=form.key.data or None)
    except DomainError as refusal:
        return _show(
            stock_requests.get(id),
            WHOLE,
            status=http_status(refusal),
            reject_form=form,
            outcome=("error", refusal.message),
        )
    return _show(
        stock_requests.get(id), WHOLE, outcome=("ok", _("Rejected: the requester sees your reason."))
    )


# --- helpers ----------------------------------------------------------------------------


def _step(id, service, done):
    """`done`: what the page says when the step went through, with the request's number."""
    asked = stock_requests.get(id)
    form = StepForm()
    if not form.validate_on_submit():
        return _show(asked, WHOLE, status=400, outcome=("error", _("Reload the page and try again.")))
    try:
        service(id, actor_id=current_user.id, key=form.key.data or None)
    except DomainError as refusal:
        return _show(
            stock_requests.get(id), WHOLE, status=http_status(refusal), outcome=("error", refusal.message)
        )
    return _show(stock_requests.get(id), WHOLE, outcome=("ok", str(done) % {"number": asked.number}))


def _errors(form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _approved(done) -> str:
    if done.fulfilment is Fulfilment.ISSUE:
        return _(
            "%(number)s is issued from %(location)s and fulfilled.",
            number=done.number,
            location=done.source_location.code,
        )
    return _(
        "%(number)s is approved as %(transfer)s from %(location)s: print its pick list.",
        number=done.number,
        transfer=done.transfer.number,
        location=done.source_location.code,
    )


def _decider(asked) -> str | None:
    """What the person looking may decide: "decide", "own" (four eyes), or None."""
    if RANK[current_user.role] < RANK[Role.SUPERVISOR] or asked.status is not S.SUBMITTED:
        return None
    return "own" if current_user.id in (asked.requested_by, asked.submitted_by) else "decide"


def _approve_form(asked, suggestion):
    how = stock_requests.usual_way(asked)
    source = suggestion.location.id if suggestion else None
    return ApproveForm(formdata=None, locations=locations.places(), fulfil_as=how.value, source=source)


def _show(asked, partial: str, *, status: int = 200, outcome=None, **forms):
    """The detail page, or one region of it. `forms` carries a refused form to show again
    with its errors (add_form, comment_form, approve_form, reject_form) and the outcome of
    a region (lines_outcome, comments_outcome)."""
    decider = _decider(asked)
    suggestion = stock_requests.suggest_source(asked) if decider == "decide" and asked.lines else None
    return render(
        PAGE,
        partial,
        status=status,
        req=asked,
        draft=asked.status is S.DRAFT,
        outcome=outcome,
        lines_outcome=forms.get("lines_outcome"),
        comments_outcome=forms.get("comments_outcome"),
        add_form=forms.get("add_form") or AddLineForm(formdata=None),
        comment_form=forms.get("comment_form") or CommentForm(formdata=None),
        steps={name: StepForm(formdata=None) for name in ("submit", "rollback", "cancel")},
        decider=decider,
        suggestion=suggestion,
        approve_form=forms.get("approve_form") or _approve_form(asked, suggestion),
        reject_form=forms.get("reject_form") or RejectForm(formdata=None),
        search=ProductSearchForm(formdata=None),
        matches=[],
        history=stock_requests.history(asked.id),
        comments=stock_requests.comments(asked.id),
        sees_transfers=RANK[current_user.role] >= RANK[Role.SUPERVISOR],
    )
