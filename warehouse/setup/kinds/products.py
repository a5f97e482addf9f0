"""Products with their barcodes, by SKU. A file with any barcode column sets each row's
barcodes to exactly those it lists (so an exported, edited file round-trips); a file
without barcode columns leaves barcodes alone. A case barcode needs its case quantity."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from warehouse.catalog import products
from warehouse.catalog.models import Product
from warehouse.catalog.products import BarcodeSpec, ProductSpec
from warehouse.core.errors import DomainError, ProductFieldInvalid
from warehouse.core.extensions import db
from warehouse.setup.columns import Cells, Column

COLUMNS = [
    Column(
        "sku",
        ("item", "item_code", "item_number", "product_code", "article", "article_number"),
        required=True,
    ),
    Column("name", ("description", "product_name", "item_name", "title")),
    Column("unit_cost", ("cost", "unit_price_cost", "cost_price", "standard_cost")),
    Column("lot_tracked", ("lot", "lots", "batch_tracked", "lot_control")),
    Column("expiry_tracked", ("expiry", "expires", "best_before", "shelf_life_tracked")),
    Column("track_inventory", ("tracked", "stocked", "inventory_tracked")),
    Column("allow_backorder", ("backorder", "backorders", "allow_backorders")),
    Column("active", ("enabled", "status_active")),
    Column("barcode", ("gtin", "ean", "upc", "ean13", "ean_13", "gtin13", "gtin_13", "barcode_1")),
    Column(
        "case_barcode", ("case_gtin", "pack_barcode", "pack_gtin", "outer_barcode", "carton_gtin", "gtin14")
    ),
    Column(
        "case_qty", ("case_quantity", "pack_qty", "pack_quantity", "case_size", "pack_size", "units_per_case")
    ),
    Column("other_barcodes", ("barcodes", "more_barcodes", "extra_barcodes")),
]
BARCODE_COLUMNS = ("barcode", "case_barcode", "case_qty", "other_barcodes")
FLAGS = ("lot_tracked", "expiry_tracked", "track_inventory", "allow_backorder", "active")


def parse(cells: Cells) -> dict:
    spec = ProductSpec(
        sku=cells.text("sku"),
        name=cells.text("name") or None,
        unit_cost=cells.text("unit_cost") or None,
        barcodes=_barcodes(cells) if any(cells.has(c) for c in BARCODE_COLUMNS) else None,
        **{flag: cells.flag(flag) for flag in FLAGS},
    )
    spec = products.validate(spec, creating=False)
    return {
        "sku": spec.sku,
        "name": spec.name,
        "unit_cost": None if spec.unit_cost is None else str(spec.unit_cost),
        "barcodes": None if spec.barcodes is None else [[b.code, b.pack_qty] for b in spec.barcodes],
        **{flag: getattr(spec, flag) for flag in FLAGS},
    }


def _barcodes(cells: Cells) -> list[BarcodeSpec]:
    found = []
    if cells.text("barcode"):
        found.append(BarcodeSpec(cells.text("barcode")))
    case_qty = cells.whole("case_qty", low=1, high=products.MAX_PACK)
    if cells.text("case_barcode"):
        if case_qty is None:
            raise ValueError(
                f"case_barcode {cells.text('case_barcode')} needs case_qty: the units in one case."
            )
        found.append(BarcodeSpec(cells.text("case_barcode"), case_qty))
    elif case_qty is not None:
        raise ValueError(
            "case_qty is given without a case_barcode: add the case's barcode or clear case_qty."
        )
    for part in filter(None, (p.strip() for p in re.split(r"[;|]", cells.text("other_barcodes")))):
        code, _, pack = part.partition("*")
        if pack and not pack.strip().isdigit():
            raise ValueError(f"other_barcodes {part!r}: write CODE or CODE*UNITS, e.g. 19506000134359*12.")
        found.append(BarcodeSpec(code.strip(), int(pack) if pack else 1))
    return found


def identity(row: dict) -> list[tuple[str, tuple]]:
    names = [(f"SKU {row['sku']}", ("sku", row["sku"].lower()))]
    for code, _pack in row["barcodes"] or ():
        # A GTIN is the same barcode at any printed length (leading zeros).
        names.append((f"Barcode {code}", ("barcode", code.lstrip("0") if code.isdigit() else code)))
    return names


def spec_of(row: dict) -> ProductSpec:
    return ProductSpec(
        sku=row["sku"],
        name=row["name"],
        unit_cost=row["unit_cost"],
        barcodes=None if row["barcodes"] is None else [BarcodeSpec(c, p) for c, p in row["barcodes"]],
        **{flag: row[flag] for flag in FLAGS},
    )


def check(rows: list[dict]) -> list[str | None]:
    specs = [spec_of(r) for r in rows]
    known = products.Known(specs)
    out: list[str | None] = []
    for spec in specs:
        product = known.products.get(spec.sku.lower())
        try:
            if product is None and not spec.name:
                raise ProductFieldInvalid(f"{spec.sku} is a new product: give it a name.")
            known.check(spec, product)
        except DomainError as error:
            out.append(error.message)
            continue
        # A stand-in for the row's product: later rows collide with it as with the catalog.
        known.claim(spec, product or Product(sku=spec.sku, name=spec.name))
        out.append(None)
    return out


def apply(rows: list[dict], *, skip_bad: bool, actor_id: int | None, reference: str) -> list[str | None]:
    specs = [spec_of(r) for r in rows]
    return products.upsert_many(specs, skip_bad=skip_bad)


def export() -> Iterator[list[str]]:
    query = select(Product).order_by(Product.sku).options(selectinload(Product.barcodes))
    for product in db.session.scalars(query.execution_options(yield_per=1000)):
        eaches = [b for b in product.barcodes if b.pack_qty == 1]
        cases = [b for b in product.barcodes if b.pack_qty > 1]
        first, case = (eaches[0] if eaches else None), (cases[0] if cases else None)
        others = [b for b in product.barcodes if b is not first and b is not case]
        yield [
            product.sku,
            product.name,
            f"{product.unit_cost:f}".rstrip("0").rstrip(".") if product.unit_cost is not None else "",
            *("yes" if getattr(product, flag) else "no" for flag in FLAGS),
            first.code if first else "",
            case.code if case else "",
            str(case.pack_qty) if case else "",
            ";".join(b.code if b.pack_qty == 1 else f"{b.code}*{b.pack_qty}" for b in others),
        ]
