"""Stock requests: a location or a department asks for SKUs; a supervisor approves (into
a transfer, or an issue from stock) or rejects; the request follows its transfer to
fulfilled. The same services as the /stock-requests pages (warehouse/stock_requests/).

Who: `stockrequests.read` and `.write` (operators up) ask and follow; `.approve`
(supervisors up) decides, never on a request of their own (403 four_eyes)."""

from __future__ import annotations

from sqlalchemy import select

from warehouse import stock_requests
from warehouse.accounts import permissions as P
from warehouse.accounts.models import Role, User
from warehouse.catalog import locations
from warehouse.core.errors import NotFound
from warehouse.core.extensions import db
from warehouse.ledger import stock
from warehouse.stock_requests.models import StockRequest

from . import bp, reads
from . import stock_request_schemas as s
from .spec import operation
from .types import Page, PageMeta, Paging

TAG = "stock requests"
ID = "/stock-requests/<int:request_id>"


def _out(r: StockRequest, suggestion=None) -> s.StockRequestOut:
    return s.StockRequestOut(
        id=r.id,
        number=r.number,
        status=r.status,
        category=r.category,
        location=r.location.code if r.location else None,
        department=r.department,
        requester=r.requester_name,
        requested_by=r.requester.username,
        note=r.note,
        created_at=r.created_at,
        submitted_at=r.submitted_at,
        decided_at=r.decided_at,
        decided_by=reads.username(r.decider),
        fulfilled_at=r.fulfilled_at,
        reject_reason=r.reject_reason,
        fulfilment=r.fulfilment,
        source_location=r.source_location.code if r.source_location else None,
        transfer=s.TransferRef(id=r.transfer.id, number=r.transfer.number, status=r.transfer.status.value)
        if r.transfer
        else None,
        issue_reference=f"{stock_requests.REFERENCE}:{r.number}" if r.issue_posting_id else None,
        lines=[
            s.RequestLineOut(
                id=l.id, sku=l.product.sku, product_name=l.product.name, quantity=l.qty, note=l.note
            )
            for l in r.lines
        ],
        suggestion=_suggestion(suggestion),
    )


def _suggestion(found) -> s.SuggestionOut | None:
    if found is None:
        return None
    return s.SuggestionOut(
        source_location=found.location.code,
        units_available=found.covers,
        units_requested=found.wanted,
        why=found.why,
    )


def _listed(rows: list[StockRequest], caller) -> list[s.StockRequestOut]:
    """Requests as this caller sees them: an approver gets, for each submitted one, where
    to send it from (two queries for the whole page)."""
    waiting = [r for r in rows if r.status is stock_requests.S.SUBMITTED and r.lines]
    found = stock_requests.suggest_sources(waiting) if P.STOCKREQUESTS_APPROVE in caller.permissions else {}
    return [_out(r, found.get(r.id)) for r in rows]


def _shown(request_id: int, caller) -> s.StockRequestOut:
    (shown,) = _listed([stock_requests.get(request_id)], caller)
    return shown


def _lines(body_lines) -> list[stock_requests.LineIn]:
    return [stock_requests.LineIn(stock.product_by_code(l.sku), l.quantity, l.note) for l in body_lines]


def _location_id(code: str | None) -> int | None:
    return locations.require(code).id if code else None


def request_filter(caller, q: s.RequestFilterQuery) -> stock_requests.RequestFilter:
    requested_by = caller.user_id if q.mine else None
    if q.requested_by:
        user = db.session.scalar(select(User).where(User.username == q.requested_by))
        if user is None:
            raise NotFound(f"No user {q.requested_by!r}. Check the name.")
        requested_by = user.id
    return stock_requests.RequestFilter(
        status=q.status,
        category=q.category,
        location_id=_location_id(q.location),
        department=q.department,
        requested_by=requested_by,
        number=getattr(q, "number", None),
    )


# --- the request ------------------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/stock-requests",
    summary="Stock requests, newest first, filtered",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    query=s.StockRequestQuery,
    response=Page[s.StockRequestOut],
)
def list_requests(caller, query: s.StockRequestQuery):
    listed = reads.page_of(stock_requests.listing(request_filter(caller, query)), query.page, query.limit)
    return Page[s.StockRequestOut](data=_listed(listed.rows, caller), meta=listed.meta)


@operation(
    bp,
    "POST",
    "/stock-requests",
    summary="Create a draft stock request (with its lines)",
    tag=TAG,
    permission=P.STOCKREQUESTS_WRITE,
    body=s.StockRequestIn,
    response=s.StockRequestOut,
    status=201,
    example=s.REQUEST_IN,
    answer={
        **s.REQUEST_OUT,
        "status": "draft",
        "transfer": None,
        "fulfilment": None,
        "source_location": None,
        "decided_at": None,
        "decided_by": None,
        "submitted_at": None,
    },
)
def create_request(caller, body: s.StockRequestIn):
    created = stock_requests.create(
        location_id=_location_id(body.location),
        department=body.department,
        category=body.category,
        note=body.note,
        lines=_lines(body.lines),
        actor_id=caller.user_id,
    )
    return _shown(created.id, caller)


@operation(
    bp,
    "GET",
    ID,
    summary="One stock request with its lines (and, for an approver, where to send it from)",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    response=s.StockRequestOut,
)
def get_request(caller, request_id: int):
    return _shown(request_id, caller)


@operation(
    bp,
    "PATCH",
    ID,
    summary="Change a draft: who asks, category, note, or all of its lines",
    tag=TAG,
    permission=P.STOCKREQUESTS_WRITE,
    body=s.StockRequestPatch,
    response=s.StockRequestOut,
    example={"category": "consumables", "lines": [{"sku": "LAPTOP-001", "quantity": 3}]},
)
def change_request(caller, request_id: int, body: s.StockRequestPatch):
    given = body.model_fields_set
    changes = {}
    if "location" in given:
        changes["location_id"] = _location_id(body.location)
    if "department" in given:
        changes["department"] = body.department
    if "category" in given and body.category is not None:
        changes["category"] = body.category
    if "note" in given:
        changes["note"] = body.note
    lines = _lines(body.lines) if body.lines is not None else None
    stock_requests.edit(request_id, changes, lines=lines, actor_id=caller.user_id)
    return _shown(request_id, caller)


@operation(
    bp,
    "DELETE",
    ID,
    summary="Withdraw a draft or submitted request (kept as cancelled, with its history)",
    tag=TAG,
    permission=P.STOCKREQUESTS_WRITE,
    response=s.StockRequestOut,
)
def delete_request(caller, request_id: int):
    stock_requests.cancel(request_id, actor_id=caller.user_id)
    return _shown(request_id, caller)


# --- lines, comments, status ------------------------------------------------------------


@operation(
    bp,
    "GET",
    f"{ID}/lines",
    summary="A stock request's lines",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    query=Paging,
    response=Page[s.RequestLineOut],
)
def list_lines(caller, request_id: int, query: Paging):
    lines = _out(stock_requests.get(request_id)).lines
    start = (query.page - 1) * query.limit
    meta = PageMeta(
        total=len(lines), page=query.page, limit=query.limit, has_more=start + query.limit < len(lines)
    )
    return Page[s.RequestLineOut](data=lines[start : start + query.limit], meta=meta)


@operation(
    bp,
    "POST",
    f"{ID}/lines",
    summary="Add a SKU to a draft (each SKU once)",
    tag=TAG,
    permission=P.STOCKREQUESTS_WRITE,
    body=s.RequestLineIn,
    response=s.RequestLineOut,
    status=201,
    example={"sku": "LAPTOP-001", "quantity": 2, "note": ""},
)
def add_line(caller, request_id: int, body: s.RequestLineIn):
    product = stock.product_by_code(body.sku)
    line = stock_requests.add_line(
        request_id, product, body.quantity, note=body.note, actor_id=caller.user_id
    )
    return s.RequestLineOut(
        id=line.id, sku=product.sku, product_name=product.name, quantity=line.qty, note=line.note
    )


@operation(
    bp,
    "POST",
    f"{ID}/comment",
    summary="Comment on a stock request (any status)",
    tag=TAG,
    permission=P.STOCKREQUESTS_WRITE,
    body=s.CommentIn,
    response=s.CommentOut,
    status=201,
    example={"text": "Can half come today and the rest on Monday?"},
)
def comment(caller, request_id: int, body: s.CommentIn):
    said = stock_requests.comment(request_id, body.text, actor_id=caller.user_id)
    return s.CommentOut(id=said.id, by=caller.username, text=said.body, created_at=said.created_at)


@operation(
    bp,
    "GET",
    f"{ID}/comments",
    summary="A stock request's comments, oldest first",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    response=s.CommentsOut,
)
def list_comments(caller, request_id: int):
    request = stock_requests.get(request_id)
    said = stock_requests.comments(request.id)
    return s.CommentsOut(
        data=[s.CommentOut(id=c.id, by=c.user.username, text=c.body, created_at=c.created_at) for c in said]
    )


def _status(request_id: int) -> s.StatusOut:
    request = stock_requests.get(request_id)
    return s.StatusOut(
        number=request.number,
        status=request.status,
        next=[t.value for t in stock_requests.REQUESTER_MOVES.get(request.status, ())],
        history=[
            s.EventOut(
                from_status=e.from_status,
                to_status=e.to_status,
                by=reads.username(e.user),
                at=e.at,
                note=e.note,
            )
            for e in stock_requests.history(request.id)
        ],
    )


@operation(
    bp,
    "GET",
    f"{ID}/status",
    summary="A stock request's status, where it can go next, and its history",
    tag=TAG,
    permission=P.STOCKREQUESTS_READ,
    response=s.StatusOut,
)
def get_status(caller, request_id: int):
    return _status(request_id)


@operation(
    bp,
    "POST",
    f"{ID}/status",
    summary="Move a stock request as its requester: submitted, draft (roll back) or cancelled",
    tag=TAG,
    permission=P.STOCKREQUESTS_WRITE,
    body=s.StatusIn,
    response=s.StatusOut,
    example={"status": "submitted"},
)
def change_status(caller, request_id: int, body: s.StatusIn):
    step = {
        "submitted": stock_requests.submit,
        "draft": stock_requests.rollback,
        "cancelled": stock_requests.cancel,
    }
    step[body.status](request_id, actor_id=caller.user_id)
    return _status(request_id)


@operation(
    bp,
    "POST",
    f"{ID}/submit",
    summary="Submit a draft for approval (it needs a line)",
    tag=TAG,
    permission=P.STOCKREQUESTS_WRITE,
    response=s.StockRequestOut,
)
def submit(caller, request_id: int):
    stock_requests.submit(request_id, actor_id=caller.user_id)
    return _shown(request_id, caller)


@operation(
    bp,
    "POST",
    f"{ID}/rollback",
    summary="Roll a submitted request back to draft (before a decision)",
    tag=TAG,
    permission=P.STOCKREQUESTS_WRITE,
    response=s.StockRequestOut,
)
def rollback(caller, request_id: int):
    stock_requests.rollback(request_id, actor_id=caller.user_id)
    return _shown(request_id, caller)


# --- decisions --------------------------------------------------------------------------


@operation(
    bp,
    "POST",
    f"{ID}/approve",
    summary="Approve a submitted request: a transfer from the source, or an issue from stock",
    tag=TAG,
    permission=P.STOCKREQUESTS_APPROVE,
    role=Role.SUPERVISOR,
    body=s.ApproveIn,
    response=s.StockRequestOut,
    example={"fulfil_as": "transfer", "source_location": "wh-east", "note": "on the 14:00 van"},
    answer=s.REQUEST_OUT,
)
def approve(caller, request_id: int, body: s.ApproveIn):
    """Nobody approves their own request (403 four_eyes). A transfer is created and
    approved (reserved at the source) in this same transaction; the request is fulfilled
    when the transfer is received. An issue posts at once and fulfils the request."""
    stock_requests.approve(
        request_id,
        body.fulfil_as,
        source_location_id=_location_id(body.source_location),
        note=body.note,
        actor_id=caller.user_id,
    )
    return _shown(request_id, caller)


@operation(
    bp,
    "POST",
    f"{ID}/reject",
    summary="Reject a submitted request, saying why",
    tag=TAG,
    permission=P.STOCKREQUESTS_APPROVE,
    role=Role.SUPERVISOR,
    body=s.RejectIn,
    response=s.StockRequestOut,
    example={"reason": "Use the spares in the van first."},
)
def reject(caller, request_id: int, body: s.RejectIn):
    stock_requests.reject(request_id, body.reason, actor_id=caller.user_id)
    return _shown(request_id, caller)


@operation(
    bp,
    "GET",
    "/stock-requests/pending-approvals",
    summary="Submitted requests waiting for the caller's decision, oldest first",
    tag=TAG,
    permission=P.STOCKREQUESTS_APPROVE,
    role=Role.SUPERVISOR,
    query=Paging,
    response=Page[s.StockRequestOut],
)
def pending_approvals(caller, query: Paging):
    """The caller's own requests (asked or submitted by them) are left out: someone else
    decides on those."""
    listed = reads.page_of(stock_requests.pending(caller.user_id), query.page, query.limit)
    return Page[s.StockRequestOut](data=_listed(listed.rows, caller), meta=listed.meta)
