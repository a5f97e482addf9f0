"""Reorder policies, by SKU and location: the figures given replace the policy's, a new
pair gets a policy. Checked and saved by alerts.policies, the rule the page and the API
keep (the max level, when set, at or above the reorder point; alerts judged again)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select

from warehouse.alerts import policies
from warehouse.alerts.models import ReorderPolicy
from warehouse.alerts.policies import FIGURES, PolicySpec
from warehouse.catalog.models import Location, Product
from warehouse.core.errors import ImportRowsRefused
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.setup.columns import Cells, Column

HIGH = 1_000_000_000  # inside a 32-bit INTEGER
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
        raise ValueError(msg("sku is missing: write the product's SKU."))
    row.update({f: cells.whole(f, high=3650 if f == "lead_time_days" else HIGH) for f in FIGURES})
    return row


def identity(row: dict) -> list[tuple[Callable, tuple]]:
    def twice(first: int):
        return msg(
            "{sku} at {location} is listed twice (first in row {first}): list it once.",
            sku=row["sku"],
            location=row["location"],
            first=first,
        )

    return [(twice, (row["sku"], row["location"]))]


def _spec(row: dict) -> PolicySpec:
    """The row as alerts.policies takes it: a blank cell keeps the policy's figure."""
    return PolicySpec(row["sku"], row["location"], {f: row[f] for f in FIGURES if row[f] is not None})


def check(rows: list[dict]) -> list[str | None]:
    return policies.problems([_spec(r) for r in rows])


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
