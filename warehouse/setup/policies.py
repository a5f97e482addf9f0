"""The reorder policies list of the setup page: one page of policies by SKU, with each
one's suggested reorder point (daily outbound x lead time + safety stock) beside it, in
four queries whatever the page size. Saving is alerts.policies (the same rule as the API)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from warehouse.alerts import replenishment
from warehouse.alerts.models import ReorderPolicy
from warehouse.alerts.replenishment import Suggestion
from warehouse.catalog.models import Location, Product
from warehouse.core import pagers


@dataclass(frozen=True)
class PolicyRow:
    policy: ReorderPolicy
    sku: str
    name: str
    location: str
    suggestion: Suggestion | None


def listing(sku_prefix: str = "", location_id: int | None = None, *, number: int = 1, size: int = 50):
    query = (
        select(ReorderPolicy, Product.sku, Product.name, Location.code)
        .join(Product, Product.id == ReorderPolicy.product_id)
        .join(Location, Location.id == ReorderPolicy.location_id)
        .order_by(Product.sku, Location.code)
    )
    if sku_prefix:
        query = query.where(Product.sku.startswith(sku_prefix.strip(), autoescape=True))
    if location_id is not None:
        query = query.where(ReorderPolicy.location_id == location_id)
    page = pagers.offset(query, page=number, size=size, count=True, scalars=False)
    suggested = replenishment.suggestions((p.product_id, p.location_id) for p, *_ in page.rows)
    page.rows = [
        PolicyRow(p, sku, name, code, suggested.get((p.product_id, p.location_id)))
        for p, sku, name, code in page.rows
    ]
    return page
