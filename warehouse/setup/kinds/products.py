"""Products with their barcodes, by SKU. A file with any barcode column sets each row's
barcodes to exactly those it lists (so an exported, edited file round-trips); a file
without barcode columns leaves barcodes alone. A case barcode needs its case quantity."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from warehouse.catalog import products
from warehouse.catalog.models import Product
from warehouse.catalog.products import BarcodeSpec, ProductSpec
from warehouse.core.errors import DomainError, ProductFieldInvalid
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.setup import products as product_commands
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
        "case_barcode",
        (
            "case_gtin",
            "case_ean",
            "case_upc",
            "pack_barcode",
            "pack_gtin",
            "pack_ean",
            "outer_barcode",
            "outer_gtin",
            "outer_ean",
            "carton_barcode",
            "carton_gtin",
            "carton_ean",
            "gtin14",
        ),
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
        found.append(BarcodeSpec(_sheet_code(cells.text("barcode"))))
    case_qty = cells.whole("case_qty", low=1, high=products.MAX_PACK)
    if cells.text("case_barcode"):
        if case_qty is None:
            raise ValueError(
                msg(
                    "case_barcode {code} needs case_qty: the units in one case.",
                    code=cells.text("case_barcode"),
                )
            )
        found.append(BarcodeSpec(_sheet_code(cells.text("case_barcode")), case_qty))
    elif case_qty is not None:
        raise ValueError(
            msg("case_qty is given without a case_barcode: add the case's barcode or clear case_qty.")
        )
    for part in filter(None, (p.strip() for p in re.split(r"[;|]", cells.text("other_barcodes")))):
        code, _, pack = part.partition("*")
        pack = pack.strip()
        if pack and not (pack.isascii() and pack.isdigit() and len(pack) <= 6):
            raise ValueError(
                msg(
                    "other_barcodes {part}: write CODE or CODE*UNITS, e.g. 19506000134359*12.",
                    part=repr(part),
                )
            )
        found.append(BarcodeSpec(_sheet_code(code.strip()), int(pack) if pack else 1))
    return found


_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE]\+\d+")


def _sheet_code(code: str) -> str:
    """A barcode as a spreadsheet may have kept it: a GTIN stored as a number loses its
    leading zero (a UPC's 12 digits become 11), which is put back when the check digit
    then holds; a number shown in scientific notation has lost digits for good."""
    if _SCIENTIFIC.fullmatch(code):
        raise ValueError(
            msg(
                "Barcode {code} was written in scientific notation by a spreadsheet and lost digits: "
                "format the column as text and type the barcodes again.",
                code=code,
            )
        )
    if code.isascii() and code.isdigit() and len(code) in (7, 11) and products.check_digit_ok("0" + code):
        return "0" + code
    return code


def identity(row: dict) -> list[tuple[Callable, tuple]]:
    def sku_twice(first: int):
        return msg(
            "SKU {sku} is listed twice (first in row {first}): list it once.", sku=row["sku"], first=first
        )

    def barcode_twice(code: str):
        return lambda first: msg(
            "Barcode {code} is listed twice (first in row {first}): list it once.", code=code, first=first
        )

    names = [(sku_twice, ("sku", row["sku"].lower()))]
    for code, _pack in row["barcodes"] or ():
        # A GTIN is the same barcode at any printed length (leading zeros).
        names.append((barcode_twice(code), ("barcode", code.lstrip("0") if code.isdigit() else code)))
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
    locked = product_commands.tracking_locked(specs, known)
    out: list[str | None] = []
    for spec in specs:
        product = known.products.get(spec.sku.lower())
        try:
            if product is None and not spec.name:
                raise ProductFieldInvalid(msg("{sku} is a new product: give it a name.", sku=spec.sku))
            if spec.sku.lower() in locked:
                raise locked[spec.sku.lower()]
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
    locked = product_commands.tracking_locked(specs, products.Known(specs))
    if locked and not skip_bad:
        raise next(iter(locked.values()))
    writable = [s for s in specs if s.sku.lower() not in locked]
    written = iter(products.upsert_many(writable, skip_bad=skip_bad))
    return [locked[s.sku.lower()].message if s.sku.lower() in locked else next(written) for s in specs]


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
