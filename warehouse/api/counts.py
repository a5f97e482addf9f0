"""Cycle counts, the supervisor's view: batches, lines with expected quantities, resolve.

Counting itself stays on the handheld (blind); this API never serves counters.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from warehouse import counts
from warehouse.accounts import permissions as P
from warehouse.catalog import locations
from warehouse.catalog.models import NO_LOT
from warehouse.core.errors import InvalidPosting
from warehouse.counts.models import CountBatch, CountLine
from warehouse.web.context import settings

from . import bp, reads
from . import control_schemas as s
from .spec import operation
from .types import Page


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
