"""The requester's side of a stock request: create, edit in draft, submit, roll back,
withdraw, comment; and the state machine every step (decisions.py too) moves along.

    draft -> submitted -> approved -> fulfilled
      ^          |     \\-> rejected
      \\----------/  (rollback, before a decision)
    draft or submitted -> cancelled (withdrawn: DELETE)
    approved -> submitted (its transfer was cancelled: it waits for a new decision)

Every change writes a status history row (who, when, from, to, note) in the same
transaction. Each step runs as one command: the request row is locked, and a form's key
(or the API's Idempotency-Key around it) makes a double submit or a retry write once; a
second attempt without a key finds the request moved on and is refused
(StockRequestWrongState), writing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.catalog import locations
from warehouse.catalog.models import Location, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    CommentEmpty,
    InventoryNotTracked,
    LocationNotOffered,
    NoteTooLong,
    NotFound,
    NotTheRequester,
    ProductInactive,
    QuantityOutOfRange,
    RequesterUnnamed,
    SkuAlreadyRequested,
    StockRequestEmpty,
    StockRequestWrongState,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import atomically
from warehouse.stock_requests.models import (
    MAX_COMMENT,
    MAX_DEPARTMENT,
    MAX_LINE_NOTE,
    MAX_NOTE,
    MAX_QTY,
    RequestCategory,
    RequestStatus,
    StockRequest,
    StockRequestComment,
    StockRequestEvent,
    StockRequestLine,
)

S = RequestStatus
TRANSITIONS = {  # the state machine, as a table (tested as a truth table)
    S.DRAFT: {S.SUBMITTED, S.CANCELLED},
    S.SUBMITTED: {S.DRAFT, S.APPROVED, S.REJECTED, S.CANCELLED},
    # Back to submitted only when its transfer is cancelled (follow_transfer), never by a
    # person: the transfer would still hold its reservation while a second one was made.
    S.APPROVED: {S.FULFILLED, S.SUBMITTED},
    S.REJECTED: set(),
    S.FULFILLED: set(),
    S.CANCELLED: set(),
}
REQUESTER_MOVES = {  # what the requester may do from each status (submit, roll back, withdraw)
    S.DRAFT: (S.SUBMITTED, S.CANCELLED),
    S.SUBMITTED: (S.DRAFT, S.CANCELLED),
}
EDITABLE = {"location_id", "department", "category", "note"}


def can_move(current: RequestStatus, target: RequestStatus) -> bool:
    return target in TRANSITIONS[current]


def locked(request_id: int) -> StockRequest:
    """The request row locked for this write transaction (PostgreSQL; SQLite's BEGIN
    IMMEDIATE already serializes writers)."""
    request = db.session.get(StockRequest, request_id, with_for_update=True, populate_existing=True)
    if request is None:
        raise NotFound(msg("No stock request #{id}. Check the number.", id=request_id))
    return request


def move(request: StockRequest, target: RequestStatus, *, actor_id: int | None, note: str | None = None):
    """Change the status along TRANSITIONS and record it in the history."""
    if not can_move(request.status, target):
        raise StockRequestWrongState(
            msg(
                "{number} is {status}: it cannot become {target} now.",
                number=request.number,
                status=request.status,
                target=target,
            )
        )
    db.session.add(
        StockRequestEvent(
            request_id=request.id, from_status=request.status, to_status=target, user_id=actor_id, note=note
        )
    )
    request.status = target
    request.version += 1


# --- what a request says ----------------------------------------------------------------


@dataclass(frozen=True)
class LineIn:
    product: Product
    qty: int
    note: str = ""


def _requester(location_id: int | None, department: str | None) -> tuple[int | None, str | None]:
    department = (department or "").strip() or None
    if department and len(department) > MAX_DEPARTMENT:
        raise NoteTooLong(msg("Keep the department under {limit} characters.", limit=MAX_DEPARTMENT))
    if location_id is None and department is None:
        raise RequesterUnnamed(
            msg("Say who asks: choose the location the stock is for, or name a department.")
        )
    if location_id is not None:
        location = db.session.get(Location, location_id)
        if location is None or not locations.workable(location):
            raise LocationNotOffered(msg("Choose one of the listed locations (not transit, not inactive)."))
    return location_id, department


def _note(note: str | None, limit: int = MAX_NOTE) -> str | None:
    note = (note or "").strip() or None
    if note and len(note) > limit:
        raise NoteTooLong(msg("Keep the note under {limit} characters.", limit=limit))
    return note


def _check_line(line: LineIn) -> None:
    if not isinstance(line.qty, int) or isinstance(line.qty, bool) or not 1 <= line.qty <= MAX_QTY:
        raise QuantityOutOfRange(msg("Quantity must be 1 to {limit:,}.", limit=MAX_QTY))
    if not line.product.active:
        raise ProductInactive(msg("{sku} is inactive: it cannot be requested.", sku=line.product.sku))
    if not line.product.track_inventory:
        raise InventoryNotTracked(
            msg("{sku} holds no stock (a service): it cannot be requested.", sku=line.product.sku)
        )
    _note(line.note, MAX_LINE_NOTE)


def _add(request: StockRequest, line: LineIn) -> StockRequestLine:
    _check_line(line)
    same = next((l for l in request.lines if l.product_id == line.product.id), None)
    if same is not None:
        raise SkuAlreadyRequested(
            msg(
                "{sku} is on {number} already ({qty}). Change that line's quantity instead.",
                sku=line.product.sku,
                number=request.number,
                qty=same.qty,
            )
        )
    added = StockRequestLine(
        request_id=request.id, product_id=line.product.id, qty=line.qty, note=_note(line.note, MAX_LINE_NOTE)
    )
    request.lines.append(added)
    request.version += 1
    return added


def _theirs(request: StockRequest, actor_id: int) -> None:
    """Only the requester changes what is asked: anyone else who edited it could then
    approve what they wrote themselves (four eyes)."""
    if request.requested_by != actor_id:
        raise NotTheRequester(
            msg(
                "Only the person who asked for {number} changes, submits or rolls it back. "
                "Comment on it to ask for a change.",
                number=request.number,
            )
        )


def _editable(request: StockRequest, actor_id: int) -> None:
    _theirs(request, actor_id)
    if request.status is not S.DRAFT:
        said = dict(number=request.number, status=request.status)
        raise StockRequestWrongState(
            msg("{number} is {status}: only drafts can be edited. Roll it back to draft first.", **said)
            if request.status is S.SUBMITTED
            else msg("{number} is {status}: only drafts can be edited.", **said)
        )


# --- the requester's steps --------------------------------------------------------------


def create(
    *,
    location_id: int | None,
    department: str | None,
    category: RequestCategory | str = RequestCategory.REPLENISHMENT,
    note: str | None = None,
    lines: list[LineIn] = (),
    actor_id: int,
    key: str | None = None,
) -> StockRequest:
    """A draft request with its lines (all or nothing). Checks: who asks (a location to
    work with, or a department); the note; each line's quantity, product and SKU once."""
    category, note = RequestCategory(category), _note(note)

    def make() -> StockRequest:
        where, department_ = _requester(location_id, department)
        request = StockRequest(
            location_id=where, department=department_, category=category, note=note, requested_by=actor_id
        )
        db.session.add(request)
        db.session.flush()
        db.session.add(StockRequestEvent(request_id=request.id, to_status=S.DRAFT, user_id=actor_id))
        for line in lines:
            _add(request, line)
        db.session.flush()
        return request

    request = [location_id, department, category.value, note, [[l.product.id, l.qty, l.note] for l in lines]]
    return commands.run(
        "stock_requests.create",
        make,
        key=key,
        actor_id=actor_id,
        request=request,
        **commands.by_id(StockRequest),
    )


def edit(
    request_id: int,
    changes: dict,
    *,
    lines: list[LineIn] | None = None,
    actor_id: int,
    key: str | None = None,
) -> StockRequest:
    """Change a draft: the fields in `changes` (location_id, department, category, note),
    and, when `lines` is given, replace every line with them."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")

    def run() -> StockRequest:
        request = locked(request_id)
        _editable(request, actor_id)
        where = changes.get("location_id", request.location_id)
        request.location_id, request.department = _requester(
            where, changes.get("department", request.department)
        )
        if "category" in changes:
            request.category = RequestCategory(changes["category"])
        if "note" in changes:
            request.note = _note(changes["note"])
        if lines is not None:
            for old in list(request.lines):
                request.lines.remove(old)
                db.session.delete(old)
            db.session.flush()  # the old lines go before new ones take their SKUs
            for line in lines:
                _add(request, line)
        request.version += 1
        return request

    fingerprint = [request_id, sorted(changes.items()), [[l.product.id, l.qty, l.note] for l in lines or []]]
    return commands.run(
        "stock_requests.edit",
        run,
        key=key,
        actor_id=actor_id,
        request=fingerprint,
        **commands.by_id(StockRequest),
    )


def add_line(
    request_id: int, product: Product, qty: int, *, note: str = "", actor_id: int, key: str | None = None
) -> StockRequestLine:
    """Add a SKU to a draft (each SKU once)."""

    def run() -> StockRequestLine:
        request = locked(request_id)
        _editable(request, actor_id)
        line = _add(request, LineIn(product, qty, note))
        db.session.flush()
        return line

    return commands.run(
        "stock_requests.add_line",
        run,
        key=key,
        actor_id=actor_id,
        request=[request_id, product.id, qty, note],
        **commands.by_id(StockRequestLine),
    )


def set_line(request_id: int, line_id: int, qty: int, *, actor_id: int) -> StockRequest:
    """Set a draft line's quantity; 0 removes the line. The same quantity again changes
    nothing (a resend)."""
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(msg("Quantity must be 0 to {limit:,}.", limit=MAX_QTY))

    def run() -> StockRequest:
        request = locked(request_id)
        _editable(request, actor_id)
        line = next((l for l in request.lines if l.id == line_id), None)
        if line is None and qty == 0:
            return request  # removed already: a double tap on "remove" is a resend
        if line is None:
            raise NotFound(msg("No such line on {number}.", number=request.number))
        if qty == 0:
            request.lines.remove(line)
            db.session.delete(line)
        elif line.qty != qty:
            line.qty = qty
        else:
            return request
        request.version += 1
        return request

    return atomically(run)


def _step(name: str, request_id: int, work, *, actor_id: int, key: str | None) -> StockRequest:
    """One command on the locked request (a form's key replays the first answer)."""

    def run() -> StockRequest:
        request = locked(request_id)
        work(request)
        db.session.flush()
        return request

    return commands.run(
        f"stock_requests.{name}",
        run,
        key=key,
        actor_id=actor_id,
        request=[request_id],
        **commands.by_id(StockRequest),
    )


def submit(request_id: int, *, actor_id: int, key: str | None = None) -> StockRequest:
    """Send a draft to the approvers. Refused without a line (StockRequestEmpty)."""

    def work(request: StockRequest) -> None:
        _theirs(request, actor_id)
        if request.status is not S.DRAFT:
            raise StockRequestWrongState(
                msg(
                    "{number} is {status}: only a draft can be submitted.",
                    number=request.number,
                    status=request.status,
                )
            )
        if not request.lines:
            raise StockRequestEmpty(
                msg("{number} has no lines. Add at least one SKU, then submit.", number=request.number)
            )
        move(request, S.SUBMITTED, actor_id=actor_id)
        request.submitted_by, request.submitted_at = actor_id, utcnow()

    return _step("submit", request_id, work, actor_id=actor_id, key=key)


def rollback(request_id: int, *, actor_id: int, key: str | None = None) -> StockRequest:
    """A submitted request back to draft, before anyone decided on it."""

    def work(request: StockRequest) -> None:
        _theirs(request, actor_id)
        if request.status is not S.SUBMITTED:
            raise StockRequestWrongState(
                msg(
                    "{number} is {status}: only a submitted request waiting for a "
                    "decision can be rolled back to draft.",
                    number=request.number,
                    status=request.status,
                )
            )
        move(request, S.DRAFT, actor_id=actor_id, note="rolled back to draft")
        request.submitted_by, request.submitted_at = None, None

    return _step("rollback", request_id, work, actor_id=actor_id, key=key)


def cancel(request_id: int, *, actor_id: int, key: str | None = None) -> StockRequest:
    """Withdraw a draft or a submitted request (before a decision). It is kept, with its
    history, as cancelled; its number is not used again."""

    def work(request: StockRequest) -> None:
        if request.status not in (S.DRAFT, S.SUBMITTED):
            raise StockRequestWrongState(
                msg(
                    "{number} is {status}: only a draft or a request waiting for a decision can be withdrawn.",
                    number=request.number,
                    status=request.status,
                )
            )
        move(request, S.CANCELLED, actor_id=actor_id, note="withdrawn")

    return _step("cancel", request_id, work, actor_id=actor_id, key=key)


def comment(request_id: int, text: str, *, actor_id: int, key: str | None = None) -> StockRequestComment:
    """A comment on a request, in any status (a question, an answer, a delivery note)."""
    text = (text or "").strip()
    if not text:
        raise CommentEmpty(msg("Write a comment first."))
    if len(text) > MAX_COMMENT:
        raise NoteTooLong(msg("Keep the comment under {limit} characters.", limit=MAX_COMMENT))

    def run() -> StockRequestComment:
        request = locked(request_id)
        said = StockRequestComment(request_id=request.id, user_id=actor_id, body=text)
        db.session.add(said)
        db.session.flush()
        return said

    return commands.run(
        "stock_requests.comment",
        run,
        key=key,
        actor_id=actor_id,
        request=[request_id, text],
        **commands.by_id(StockRequestComment),
    )
