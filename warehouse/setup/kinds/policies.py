"""Reorder policies, by SKU and location: the figures given replace the policy's, a new
pair gets a policy. The max level, when set, is at or above the reorder point. Alerts of
every pair written are judged again in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from warehouse.alerts import policies
from warehouse.alerts.models import ReorderPolicy
from warehouse.alerts.policies import PolicySpec
from warehouse.catalog.models import Location, Product
from warehouse.core.errors import DomainError, ImportRowsRefused, NotFound, ReorderPointOutOfRange
from warehouse.core.extensions import db
from warehouse.setup.columns import Cells, Column

HIGH = 1_000_000_000  # inside a 32-bit INTEGER
FIGURES = ("reorder_point", "reorder_qty", "max_level", "lead_time_days", "safety_stock")
COLUMNS = [
    Column("sku", ("item", "item_code", "product_code"), required=True),
    Column("location", ("location_code", "warehouse", "site"), required=True),
    Column("reorder_point", ("rop", "min", "min_level", "reorder_level")),
    Column("reorder_qty", ("reorder_quantity", "order_qty", "eoq")),
    Column("max_level", ("max", "maximum", "max_qty")),
    Column("lead_time_days", ("lead_time", "lead_days", "leadtime")),
    Column("safety_stock", ("safety", "buffer")),
]


def parse(cells: Cells) -> dict:
    row = {"sku": cells.text("sku"), "location": cells.text("location")}
    if not row["sku"]:
        raise ValueError("sku is missing: write the product's SKU.")
    row.update({f: cells.whole(f, high=3650 if f == "lead_time_days" else HIGH) for f in FIGURES})
    return row


def identity(row: dict) -> list[tuple[str, tuple]]:
    return [(f"{row['sku']} at {row['location']}", (row["sku"], row["location"]))]


class _Known:
    def __init__(self, rows: list[dict]):
        self.products = {
            p.sku: p
            for p in db.session.scalars(select(Product).where(Product.sku.in_({r["sku"] for r in rows})))
        }
        self.locations = {
            loc.code: loc
            for loc in db.session.scalars(
                select(Location).where(Location.code.in_({r["location"] for r in rows}))
            )
        }
        ids = [p.id for p in self.products.values()]
        self.policies = {
            (p.product_id, p.location_id): p
            for p in db.session.scalars(select(ReorderPolicy).where(ReorderPolicy.product_id.in_(ids)))
        }
        self.seen: set[tuple[int, int]] = set()

    def check(self, row: dict) -> tuple[tuple[int, int], dict]:
        product, location = self.products.get(row["sku"]), self.locations.get(row["location"])
        if product is None:
            raise NotFound(f"No product {row['sku']!r}. Import or create it first.")
        if location is None:
            raise NotFound(f"No location {row['location']!r}. Create it on the Locations page first.")
        pair = (product.id, location.id)
        if pair in self.seen:
            raise DomainError(f"{product.sku} at {location.code} is listed twice: list it once.")
        policy = self.policies.get(pair)
        figures = {
            f: row[f]
            if row[f] is not None
            else (getattr(policy, f) if policy else (None if f == "max_level" else 0))
            for f in FIGURES
        }
        if figures["max_level"] is not None and figures["max_level"] < figures["reorder_point"]:
            raise ReorderPointOutOfRange(
                f"max_level {figures['max_level']:,} is below reorder_point {figures['reorder_point']:,}: "
                "raise max_level or lower the reorder point."
            )
        self.seen.add(pair)
        return pair, figures


def check(rows: list[dict]) -> list[str | None]:
    known, out = _Known(rows), []
    for row in rows:
        try:
            known.check(row)
            out.append(None)
        except DomainError as error:
            out.append(error.message)
    return out


def apply(rows: list[dict], *, skip_bad: bool, actor_id: int | None, reference: str) -> list[str | None]:
    """The rows that pass the check, saved in one go by alerts.policies (the rule the page
    and the API keep; a blank cell keeps the policy's figure)."""
    out = check(rows)
    refused = next((problem for problem in out if problem), None)
    if refused and not skip_bad:
        raise ImportRowsRefused(refused)
    good = [row for row, problem in zip(rows, out, strict=True) if problem is None]
    specs = [
        PolicySpec(r["sku"], r["location"], {f: r[f] for f in FIGURES if r[f] is not None}) for r in good
    ]
    if specs:
        policies.save(specs, actor_id=None)  # the import's admin was checked at the door
    return out


def export() -> Iterator[list[str]]:
    query = (
        select(Product.sku, Location.code, ReorderPolicy)
        .join(Product, Product.id == ReorderPolicy.product_id)
        .join(Location, Location.id == ReorderPolicy.location_id)
        .order_by(Product.sku, Location.code)
    )
    for sku, location_code, policy in db.session.execute(query):
        yield [
            sku,
            location_code,
            *("" if getattr(policy, f) is None else str(getattr(policy, f)) for f in FIGURES),
        ]
