"""The reorder report: what to order where (the same rows as the /replenishment page)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from warehouse.accounts import permissions as P
from warehouse.alerts import replenishment
from warehouse.catalog import locations

from . import bp
from .spec import operation
from .types import LocationCode, Out, Page, PageMeta, Paging


class ReorderQuery(Paging):
    location: LocationCode | None = Field(None, description="a location code; all locations when left out")


class ReorderRowOut(Out):
    sku: str
    product_name: str
    location: str
    on_hand: int
    reserved: int
    held: int
    available: int
    inbound: int
    reorder_point: int
    reorder_qty: int
    max_level: int | None
    suggested_qty: int
    unit_cost: Decimal
    suggested_value: Decimal


@operation(
    bp,
    "GET",
    "/replenishment/reorder",
    summary="Reorder report",
    tag="replenishment",
    permission=P.REPLENISHMENT_READ,
    query=ReorderQuery,
    response=Page[ReorderRowOut],
)
def reorder_report(caller, query: ReorderQuery):
    """SKUs at or below their reorder point, with units inbound on transfers and the
    suggested quantity (reorder_qty, else up to max_level)."""
    location_id = None
    if query.location:
        location_id = locations.require(query.location).id
    rows = replenishment.reorder_report(location_id)
    start = (query.page - 1) * query.limit
    shown = rows[start : start + query.limit]
    return Page[ReorderRowOut](
        data=[
            ReorderRowOut(
                location=r.location_code,
                **{name: getattr(r, name) for name in ReorderRowOut.model_fields if name != "location"},
            )
            for r in shown
        ],
        meta=PageMeta(
            total=len(rows), page=query.page, limit=query.limit, has_more=start + query.limit < len(rows)
        ),
    )
