"""Cycle counts, the supervisor's view: batches, lines with expected quantities, resolve,
cancel; the ABC classes and batches of what is due.

Counting itself stays on the handheld (blind). The one answer for counters is the blind
count form (the count sheet as JSON): bins and items, never a quantity.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from warehouse import counts
from warehouse.accounts import permissions as P
from warehouse.catalog import locations
from warehouse.catalog.models import NO_LOT
from warehouse.core.clock import utcnow
from warehouse.core.errors import InvalidPosting
from warehouse.counts import abc
from warehouse.counts.models import CountBatch, CountLine
from warehouse.web.context import settings

from . import bp, examples, reads
from . import control_schemas as s
from .spec import operation
from .types import Page, PageMeta


def _summary(batch: CountBatch, line_count: int) -> dict:
    return dict(
        id=batch.id,
        number=batch.number,
        location=batch.location.code,
        status=batch.status,
        selection=batch.selection,
        created_at=batch.created_at,
        submitted_at=batch.submitted_at,
        resolved_at=batch.resolved_at,
        line_count=line_count,
    )


def _detail(batch: CountBatch) -> s.CycleCountDetail:
    return s.CycleCountDetail(
        **_summary(batch, len(batch.lines)),
        lines=[
            s.CycleCountLineOut(
                id=l.id,
                bin=l.bin.code,
                sku=l.product.sku,
                lot=l.lot.code if l.lot_id != NO_LOT else None,
                status=l.status.value,
                unexpected=l.unexpected,
                counted_quantity=l.counted_qty,
                ledger_quantity_at_count=l.ledger_qty_at_count,
                variance=l.variance,
                counted_by=reads.username(l.counter),
                counted_at=l.counted_at,
                recount_of_id=l.recount_of_id,
            )
            for l in batch.lines
        ],
    )


@operation(
    bp,
    "GET",
    "/cycle-counts",
    summary="Cycle-count batches, newest first",
    tag="cycle-counts",
    permission=P.INVENTORY_CYCLECOUNT,
    query=s.CycleCountQuery,
    response=Page[s.CycleCountOut],
)
def list_counts(caller, query: s.CycleCountQuery):
    lines = select(func.count(CountLine.id)).where(CountLine.batch_id == CountBatch.id).scalar_subquery()
    q = select(CountBatch, lines).options(joinedload(CountBatch.location)).order_by(CountBatch.id.desc())
    if query.status:
        q = q.where(CountBatch.status == query.status)
    listed = reads.page_of(q, query.page, query.limit, scalars=False)
    return Page[s.CycleCountOut](
        data=[s.CycleCountOut(**_summary(b, n)) for b, n in listed.rows], meta=listed.meta
    )


@operation(
    bp,
    "POST",
    "/cycle-counts",
    summary="Start a blind count batch",
    tag="cycle-counts",
    permission=P.INVENTORY_CYCLECOUNT,
    body=s.CycleCountIn,
    response=s.CycleCountDetail,
    status=201,
    example=examples.CYCLE_COUNT_IN,
)
def create_count(caller, body: s.CycleCountIn):
    location = locations.require(body.location)
    selection = counts.Selection(
        bins_like=body.bins_like,
        skus=tuple(body.skus),
        abc_class=body.abc_class,
        not_counted_days=body.not_counted_days,
    )
    batch = counts.create(location.id, selection, actor_id=caller.user_id, abc_shares=settings().abc_shares)
    return _detail(counts.get(batch.id))


@operation(
    bp,
    "GET",
    "/cycle-counts/<int:batch_id>",
    summary="One batch with counted and expected quantities (supervisor view)",
    tag="cycle-counts",
    permission=P.INVENTORY_CYCLECOUNT,
    response=s.CycleCountDetail,
)
def get_count(caller, batch_id: int):
    return _detail(counts.get(batch_id))


@operation(
    bp,
    "POST",
    "/cycle-counts/<int:batch_id>/resolve",
    summary="Accept, recount or reject counted lines (four eyes: not your own counts)",
    tag="cycle-counts",
    permission=P.INVENTORY_CYCLECOUNT,
    body=s.ResolveIn,
    response=s.CycleCountDetail,
    example=examples.RESOLVE_IN,
)
def resolve_count(caller, batch_id: int, body: s.ResolveIn):
    chosen = body.accept + body.recount + body.reject
    if not chosen:
        raise InvalidPosting("Choose at least one line to accept, recount or reject.")
    if len(set(chosen)) != len(chosen):
        raise InvalidPosting("Each line may be in one list only, once.")
    for action, line_ids in (
        (counts.accept, body.accept),
        (counts.recount, body.recount),
        (counts.reject, body.reject),
    ):
        if line_ids:
            action(batch_id, line_ids, actor_id=caller.user_id)
    return _detail(counts.get(batch_id))


@operation(
    bp,
    "PATCH",
    "/cycle-counts/<int:batch_id>",
    summary="Cancel a batch not yet in review",
    tag="cycle-counts",
    permission=P.INVENTORY_CYCLECOUNT,
    body=s.CycleCountPatch,
    response=s.CycleCountDetail,
    example=examples.COUNT_PATCH,
)
def change_count(caller, batch_id: int, body: s.CycleCountPatch):
    """`cancelled` is the one change: an open, counting or submitted batch is set aside
    (nothing was posted from it; its bins are no longer hidden from operators). A batch in
    review, resolved or cancelled is 409 count_refused (a cancelled one stays cancelled:
    200)."""
    counts.cancel(batch_id, actor_id=caller.user_id)
    return _detail(counts.get(batch_id))


# --- ABC classes ------------------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/cycle-counts/abc",
    summary="ABC classes for cycle counting: each product's class, outbound value, and whether it is due",
    tag="cycle-counts",
    permission=P.INVENTORY_CYCLECOUNT,
    query=s.AbcQuery,
    response=s.AbcOut,
)
def abc_classes(caller, query: s.AbcQuery):
    """Classes from the last 12 months of outbound value (A: the top share of the value, B:
    the next, C: the rest and what did not move), as the /counts/abc page shows them."""
    location = locations.require(query.location) if query.location else None
    now, every_days = utcnow(), settings().abc_count_every_days
    rows = [
        (row, abc.is_due(row, now, every_days))
        for row in abc.report(
            now, location_id=location.id if location else None, shares=settings().abc_shares
        )
    ]
    chosen = [
        (row, due)
        for row, due in rows
        if (query.abc_class is None or row.abc == query.abc_class) and (query.due is None or due == query.due)
    ]
    first = (query.page - 1) * query.limit
    return s.AbcOut(
        location=location.code if location else None,
        classes=_classes(rows, every_days),
        data=[_abc_row(row, due) for row, due in chosen[first : first + query.limit]],
        meta=PageMeta(
            total=len(chosen), page=query.page, limit=query.limit, has_more=first + query.limit < len(chosen)
        ),
    )


def _classes(rows, every_days) -> list[s.AbcClassOut]:
    a_share, b_share = settings().abc_shares
    shares = {"A": str(a_share), "B": str(b_share), "C": None}
    return [
        s.AbcClassOut(
            abc_class=cls,
            share=shares[cls],
            count_every_days=every_days[cls],
            products=sum(1 for row, _ in rows if row.abc == cls),
            due=sum(1 for row, due in rows if row.abc == cls and due),
        )
        for cls in "ABC"
    ]


def _abc_row(row: abc.Classified, due: bool) -> s.AbcRowOut:
    return s.AbcRowOut(
        product_id=row.product.id,
        sku=row.product.sku,
        product_name=row.product.name,
        abc_class=row.abc,
        outbound_value=f"{row.outbound_value:.2f}",
        last_counted_at=row.last_counted_at,
        due=due,
    )


@operation(
    bp,
    "POST",
    "/cycle-counts/abc",
    summary="Start a blind count batch for each ABC class with SKUs due today (or for one class)",
    tag="cycle-counts",
    permission=P.INVENTORY_CYCLECOUNT,
    body=s.AbcDueIn,
    response=s.AbcDueOut,
    status=201,
    example=examples.ABC_DUE_IN,
)
def count_due(caller, body: s.AbcDueIn):
    """As the /counts/abc page's "Count what is due": a batch of the class's due SKUs that
    hold stock here. Nothing due (of the class) is 422."""
    location = locations.require(body.location)
    made = counts.create_due(
        location.id,
        actor_id=caller.user_id,
        abc_class=body.abc_class or "",
        abc_shares=settings().abc_shares,
        every_days=settings().abc_count_every_days,
    )
    return s.AbcDueOut(batches=[_detail(counts.get(batch.id)) for batch in made])


# --- the blind count form ---------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/cycle-counts/<int:batch_id>/blind-form",
    summary="The blind count form: bins and items to count, never a quantity (for counters too)",
    tag="cycle-counts",
    permission=P.INVENTORY_READ,
    response=s.BlindFormOut,
)
def blind_form(caller, batch_id: int):
    """The count sheet as data, for operators as well (they count blind): per bin its code
    and label barcode, per item the SKU, name and lot, and whether a recount of it waits.
    No expected, on-hand or counted quantity is in it."""
    batch = counts.get(batch_id)
    return s.BlindFormOut(
        id=batch.id,
        number=batch.number,
        location=batch.location.code,
        location_name=batch.location.name,
        status=batch.status,
        selection=batch.selection,
        created_at=batch.created_at,
        bins=[
            s.BlindBinOut(
                bin=entry.bin.code,
                barcode=entry.bin.barcode,
                items=[
                    s.BlindItemOut(sku=i.sku, name=i.name, lot=i.lot, recount=i.recount) for i in entry.items
                ],
            )
            for entry in counts.blind_form(batch)
        ],
    )
