"""Products and their barcodes (admin, import, API): the rules a product's fields and
barcodes must keep. Every function here runs inside the caller's transaction (a command);
stock questions (may this product be deleted?) belong to the packages that own stock.

A barcode is a code and a pack quantity: an each's GTIN counts 1, a case's GTIN counts
the units in the case. A numeric code of GTIN length (8, 12, 13 or 14 digits) must carry
a right check digit; anything else (a supplier's own code) is taken as written."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import selectinload

from warehouse.catalog.models import Bin, Product, ProductBarcode
from warehouse.catalog.scan import gtin_candidates
from warehouse.core import pagers
from warehouse.core.csv_safe import FORMULA_STARTS
from warehouse.core.errors import (
    BarcodeIsABin,
    BarcodeTaken,
    DomainError,
    GtinCheckDigitWrong,
    PackQuantityInvalid,
    ProductFieldInvalid,
    SkuTaken,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg

MAX_SKU = 64
MAX_NAME = 200
MAX_BARCODE = 64
MAX_PACK = 100_000
MAX_BARCODES = 20  # per product; more is a paste gone wrong
MAX_COST = Decimal("99999999.9999")  # Numeric(12, 4)
GTIN_LENGTHS = (8, 12, 13, 14)


@dataclass(frozen=True)
class BarcodeSpec:
    code: str
    pack_qty: int = 1


@dataclass
class ProductSpec:
    """What an admin page, an import row or an API body says a product is. Fields left
    None on an update keep their value."""

    sku: str
    name: str | None = None
    unit_cost: Decimal | None = None
    lot_tracked: bool | None = None
    expiry_tracked: bool | None = None
    track_inventory: bool | None = None
    allow_backorder: bool | None = None
    active: bool | None = None
    barcodes: list[BarcodeSpec] | None = None  # None: keep; []: none
    errors: list[str] = field(default_factory=list, compare=False)


def check_digit_ok(code: str) -> bool:
    """GS1 mod-10: weights 3 and 1 from the right, the last digit makes the sum a multiple of 10."""
    digits = [int(c) for c in code]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def looks_like_gtin(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) in GTIN_LENGTHS


def validate(spec: ProductSpec, *, creating: bool) -> ProductSpec:
    """The spec cleaned (text trimmed, flags settled), or ProductFieldInvalid and its kin
    naming the first rule broken. Checks only the spec itself; `save` checks it against
    the catalog."""
    spec.sku = _text(spec.sku, "SKU", MAX_SKU)
    if "/" in spec.sku:
        raise ProductFieldInvalid(
            msg("SKU {sku} holds a /: it is part of the product's address. Use - instead.", sku=spec.sku)
        )
    if creating or spec.name is not None:
        spec.name = _text(spec.name, "Name", MAX_NAME)
    if spec.unit_cost is not None:
        spec.unit_cost = _cost(spec.unit_cost)
    if spec.barcodes is not None:
        spec.barcodes = [_barcode(b) for b in spec.barcodes]
        codes = [b.code for b in spec.barcodes]
        if len(codes) > MAX_BARCODES:
            raise ProductFieldInvalid(msg("A product has at most {most} barcodes.", most=MAX_BARCODES))
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise BarcodeTaken(
                msg(
                    "Barcode {barcode} is listed twice for {sku}: list it once.",
                    barcode=repeated[0],
                    sku=spec.sku,
                )
            )
    if spec.expiry_tracked and spec.lot_tracked is False:
        raise ProductFieldInvalid(
            msg(
                "{sku}: an expiry-tracked product is lot-tracked too (the expiry belongs to the lot).",
                sku=spec.sku,
            )
        )
    if spec.expiry_tracked:
        spec.lot_tracked = True
    return spec


def _text(value, label: str, limit: int) -> str:
    """The SKU or the Name (`label`), trimmed; each refusal a whole sentence naming which."""
    sku = label == "SKU"
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ProductFieldInvalid(msg("SKU is text.") if sku else msg("Name is text."))
    if not text:
        raise ProductFieldInvalid(
            msg("SKU is missing: write one.") if sku else msg("Name is missing: write one.")
        )
    start = text[:20]
    if len(text) > limit:
        raise ProductFieldInvalid(
            msg("SKU {start}... is too long: at most {limit} characters.", start=start, limit=limit)
            if sku
            else msg("Name {start}... is too long: at most {limit} characters.", start=start, limit=limit)
        )
    if any(ord(c) < 32 for c in text):
        raise ProductFieldInvalid(
            msg("SKU holds control characters: type it again.")
            if sku
            else msg("Name holds control characters: type it again.")
        )
    if text.startswith(FORMULA_STARTS):
        # A spreadsheet runs a cell starting with these as a formula when the export is
        # opened: refuse it rather than hand someone's Excel a command.
        raise ProductFieldInvalid(
            msg("SKU {start} starts with {sign}: start it with a letter or digit.", start=start, sign=text[0])
            if sku
            else msg(
                "Name {start} starts with {sign}: start it with a letter or digit.", start=start, sign=text[0]
            )
        )
    return text


def _cost(value) -> Decimal:
    try:
        cost = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ProductFieldInvalid(
            msg("Unit cost {value} is not a number: write e.g. 4.25.", value=repr(str(value)[:20]))
        ) from None
    if not cost.is_finite() or cost < 0 or cost > MAX_COST:
        raise ProductFieldInvalid(
            msg(
                "Unit cost {value} is out of range: 0 to {most:,}.",
                value=str(value),
                most=MAX_COST.quantize(Decimal("0.01")),
            )
        )
    return cost.quantize(Decimal("0.0001"))


def _barcode(spec: BarcodeSpec) -> BarcodeSpec:
    code = (spec.code or "").strip() if isinstance(spec.code, str) else ""
    if (
        not code
        or len(code) > MAX_BARCODE
        or not code.isascii()
        or any(ord(c) < 33 for c in code)
        or code.startswith(FORMULA_STARTS)
    ):
        raise ProductFieldInvalid(
            msg(
                "Barcode {code} is not a barcode: 1-{longest} letters or digits, no spaces, "
                "starting with a letter or digit.",
                code=repr(code[:20]),
                longest=MAX_BARCODE,
            )
        )
    if looks_like_gtin(code) and not check_digit_ok(code):
        raise GtinCheckDigitWrong(
            msg(
                "GTIN {code} has a wrong check digit: check the number on the label (the last digit).",
                code=code,
            )
        )
    pack = spec.pack_qty
    if isinstance(pack, bool) or not isinstance(pack, int) or not 1 <= pack <= MAX_PACK:
        raise PackQuantityInvalid(
            msg(
                "Pack quantity {pack} of barcode {code} is not a count: a whole number from 1 "
                "(an each) to {most:,} (units in the case).",
                pack=repr(pack),
                code=code,
                most=MAX_PACK,
            )
        )
    return BarcodeSpec(code, pack)


def save(spec: ProductSpec, *, product: Product | None = None) -> Product:
    """Create (product None) or update a product from a validated spec, after checking it
    against the catalog: SKU and barcodes unique in the organisation, no barcode that is
    a bin's label."""
    known = Known([spec])
    known.check(spec, product)
    return _write(spec, product)


def upsert_many(specs: list[ProductSpec], *, skip_bad: bool) -> list[str | None]:
    """Create or update each spec's product by SKU (an import's rows, a catalog sync): per
    spec None, or the message of the rule it broke. `skip_bad`: write the others; else the
    first broken rule is raised and the caller's transaction writes nothing. A handful of
    queries for the whole batch, not a few per row; new products go in by two INSERTs."""
    known = Known(specs)
    outcomes: list[str | None] = []
    new: dict[str, ProductSpec] = {}
    for spec in specs:
        product = known.products.get(spec.sku.lower())
        try:
            if spec.sku.lower() in new:
                raise SkuTaken(msg("SKU {sku} is listed twice: list it once.", sku=spec.sku))
            if product is None and not spec.name:
                raise ProductFieldInvalid(msg("{sku} is a new product: give it a name.", sku=spec.sku))
            known.check(spec, product)
        except DomainError as error:
            if not skip_bad:
                raise
            outcomes.append(error.message)
            continue
        if product is None:
            new[spec.sku.lower()] = spec
            product = Product(sku=spec.sku, name=spec.name)  # a stand-in until inserted below
        else:
            product = _write(spec, product, flush=False)
        known.claim(spec, product)
        outcomes.append(None)
    db.session.flush()
    _insert_new(list(new.values()))
    return outcomes


def _insert_new(specs: list[ProductSpec]) -> None:
    """New products and their barcodes as two multi-row INSERTs: building an ORM object
    per row cost most of an import's time."""
    if not specs:
        return
    rows = [
        dict(
            sku=s.sku,
            name=s.name,
            unit_cost=s.unit_cost if s.unit_cost is not None else Decimal("0"),
            lot_tracked=bool(s.lot_tracked),
            expiry_tracked=bool(s.expiry_tracked),
            track_inventory=s.track_inventory is not False,
            allow_backorder=bool(s.allow_backorder),
            active=s.active is not False,
        )
        for s in specs
    ]
    made = db.session.execute(
        insert(Product).returning(Product.sku, Product.id, sort_by_parameter_order=True), rows
    ).all()
    ids = dict(made)
    barcodes = [
        dict(product_id=ids[s.sku], code=b.code, pack_qty=b.pack_qty) for s in specs for b in s.barcodes or ()
    ]
    if barcodes:
        db.session.execute(insert(ProductBarcode), barcodes)


class Known:
    """What the catalog holds that a batch of specs could collide with, loaded in a few
    queries per thousand values: their products by SKU, the owners of their barcodes and
    SKUs as barcodes (in every printed length), products whose SKU is one of the barcodes,
    bins whose code or label is one of the barcodes or SKUs. A scan tries SKUs first, so a
    SKU that is another product's barcode would send that product's scans astray."""

    def __init__(self, specs: list[ProductSpec]):
        skus = {s.sku for s in specs}
        codes = {b.code for s in specs for b in s.barcodes or ()}
        printed = set().union(*(gtin_candidates(c) for c in codes | skus)) if codes | skus else set()
        self.products = {
            p.sku.lower(): p
            for p in _in_slices(
                lambda part: (
                    select(Product)
                    .where(func.lower(Product.sku).in_(part))
                    .options(selectinload(Product.barcodes))
                ),
                {s.lower() for s in skus},
            )
        }
        self.owners: dict[str, Product] = {}  # by every printed length of each barcode
        for code, owner in _in_slices(
            lambda part: (
                select(ProductBarcode.code, Product).join(Product).where(ProductBarcode.code.in_(part))
            ),
            printed,
            rows=True,
        ):
            for form in gtin_candidates(code):
                self.owners[form] = owner
        self.skus_as_codes = dict(
            _in_slices(
                lambda part: select(Product.sku, Product.name).where(Product.sku.in_(part)), codes, rows=True
            )
        )
        self.bin_codes = {
            c
            for row in _in_slices(
                lambda part: select(Bin.code, Bin.barcode).where(
                    or_(Bin.barcode.in_(part), Bin.code.in_(part))
                ),
                codes | skus,
                rows=True,
            )
            for c in row
        }

    def check(self, spec: ProductSpec, product: Product | None) -> None:
        other = self.products.get(spec.sku.lower())
        if other is not None and other is not product:
            raise SkuTaken(
                msg(
                    "SKU {sku} exists already ({name}). Choose another SKU or edit that product.",
                    sku=spec.sku,
                    name=other.name,
                )
            )
        owner = self.owners.get(spec.sku)
        if owner is not None and owner is not product:
            raise SkuTaken(
                msg(
                    "SKU {sku} is a barcode of {owner} ({name}): a scan could not tell them apart.",
                    sku=spec.sku,
                    owner=owner.sku,
                    name=owner.name,
                )
            )
        if spec.sku in self.bin_codes:
            raise BarcodeIsABin(
                msg(
                    "SKU {sku} is a bin's code: a scan could not tell the product from the bin.", sku=spec.sku
                )
            )
        for barcode in spec.barcodes or ():
            owner = self.owners.get(barcode.code)
            if owner is not None and owner is not product:
                raise BarcodeTaken(
                    msg(
                        "Barcode {barcode} belongs to {owner} ({name}). Remove it there first, or check the number.",
                        barcode=barcode.code,
                        owner=owner.sku,
                        name=owner.name,
                    )
                )
            if barcode.code in self.skus_as_codes and barcode.code != spec.sku:
                raise BarcodeTaken(
                    msg(
                        "Barcode {barcode} is the SKU of {name}: a scan could not tell them apart.",
                        barcode=barcode.code,
                        name=self.skus_as_codes[barcode.code],
                    )
                )
            if barcode.code in self.bin_codes:
                raise BarcodeIsABin(
                    msg(
                        "{barcode} is a bin's code: a scan could not tell the product from the bin. "
                        "Use the product's own barcode.",
                        barcode=barcode.code,
                    )
                )

    def claim(self, spec: ProductSpec, product: Product) -> None:
        """A row written: later rows of the batch collide with it as with the catalog."""
        self.products[spec.sku.lower()] = product
        self.skus_as_codes[spec.sku] = spec.name or product.name
        for barcode in spec.barcodes or ():
            for form in gtin_candidates(barcode.code):
                self.owners[form] = product


SLICE = 1_000  # values per IN list: PostgreSQL takes at most 65,535 parameters a statement


def _in_slices(query_for, values: set, *, rows: bool = False) -> list:
    """`query_for(part)` run for each slice of `values`, the results together."""
    values, found = sorted(values), []
    for at in range(0, len(values), SLICE):
        result = db.session.execute(query_for(values[at : at + SLICE]))
        found += result.all() if rows else result.scalars().all()
    return found


def _write(spec: ProductSpec, product: Product | None, *, flush: bool = True) -> Product:
    if product is None:
        product = Product(sku=spec.sku, unit_cost=Decimal("0"))
        db.session.add(product)
    product.sku = spec.sku
    for name in (
        "name",
        "unit_cost",
        "lot_tracked",
        "expiry_tracked",
        "track_inventory",
        "allow_backorder",
        "active",
    ):
        value = getattr(spec, name)
        if value is not None:
            setattr(product, name, value)
    if spec.barcodes is not None:
        _set_barcodes(product, spec.barcodes)
    if flush:
        db.session.flush()
    return product


def _set_barcodes(product: Product, wanted: list[BarcodeSpec]) -> None:
    by_code = {b.code: b for b in product.barcodes}
    keep = {b.code for b in wanted}
    for code, row in by_code.items():
        if code not in keep:
            product.barcodes.remove(row)
    if len(by_code) != len(keep & by_code.keys()):
        db.session.flush()  # a code removed must leave before another row may take it
    for spec in wanted:
        row = by_code.get(spec.code)
        if row is None:
            product.barcodes.append(ProductBarcode(code=spec.code, pack_qty=spec.pack_qty))
        else:
            row.pack_qty = spec.pack_qty


def by_sku(sku: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.sku == sku))


def page(search: str = "", *, number: int = 1, size: int = 50, active_only: bool = False):
    """One page of products by SKU, matching `search` in SKU, name or barcode."""
    query = select(Product).order_by(Product.sku)
    search = (search or "").strip()
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Product.sku).like(pattern),
                func.lower(Product.name).like(pattern),
                Product.id.in_(select(ProductBarcode.product_id).where(ProductBarcode.code == search)),
            )
        )
    if active_only:
        query = query.where(Product.active.is_(True))
    return pagers.offset(query.options(selectinload(Product.barcodes)), page=number, size=size, count=True)
