"""PUT /api/products: a catalog sync of up to 1,000 products by SKU, with one answer line
per item. Checked as a batch with the catalog's own rules (catalog.products.validate and
Known, as an import checks its rows), written with catalog.products.upsert_many: a few
queries per call, not per item.

An item that changes nothing is `unchanged` and not written; an item that breaks a rule
is an `error` line with the rule's code, and the others are written (what a sync wants:
one bad row does not hold back the rest), unless the call is atomic, when any error
refuses the whole call with 422 and writes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from warehouse.catalog import products
from warehouse.catalog.models import Product
from warehouse.catalog.products import BarcodeSpec, ProductSpec
from warehouse.core.errors import DomainError, ProductFieldInvalid, SkuListedTwice
from warehouse.core.extensions import db
from warehouse.setup import products as product_commands

from . import product_schemas as s
from .errors import ApiError

MAX_BODY = 1024 * 1024  # 1,000 products with their barcodes fit with room to spare
# The product fields a body may set besides its SKU and barcodes (POST, PATCH and sync alike).
FIELDS = (
    "name",
    "unit_cost",
    "lot_tracked",
    "expiry_tracked",
    "track_inventory",
    "allow_backorder",
    "active",
)


@dataclass
class _Item:
    spec: ProductSpec
    status: str = "error"
    product: Product | None = None
    error: DomainError | None = None


def sync(items: list[s.SyncItem], *, atomic: bool) -> s.SyncOut:
    planned = _plan([_spec(item) for item in items])
    refused = [(i, p) for i, p in enumerate(planned) if p.error is not None]
    if atomic and refused:
        raise _all_refused(refused, len(planned))
    writes = [p for p in planned if p.status in ("created", "updated")]
    if writes:
        products.upsert_many([p.spec for p in writes], skip_bad=False)
        _load_created(writes)
    lines = [_line(p) for p in planned]
    count = Counter(line.status for line in lines)
    return s.SyncOut(
        created=count["created"],
        updated=count["updated"],
        unchanged=count["unchanged"],
        errors=count["error"],
        items=lines,
    )


def _spec(item: s.SyncItem) -> ProductSpec:
    return ProductSpec(
        sku=item.sku,
        **{name: getattr(item, name) for name in FIELDS},
        barcodes=None if item.barcodes is None else [BarcodeSpec(b.code, b.pack_qty) for b in item.barcodes],
    )


def _plan(specs: list[ProductSpec]) -> list[_Item]:
    """Each item's outcome, judged in order against the catalog and the items before it."""
    planned = [_Item(spec) for spec in specs]
    valid = [p for p in planned if _validated(p)]
    known, seen = products.Known([p.spec for p in valid]), set()
    locked = product_commands.tracking_locked([p.spec for p in valid], known)
    for item in valid:
        try:
            if item.spec.sku.lower() in locked:
                raise locked[item.spec.sku.lower()]
            _judge(item, known, seen)
        except DomainError as refusal:
            item.status, item.error = "error", refusal
    return planned


def _validated(item: _Item) -> bool:
    try:
        item.spec = products.validate(item.spec, creating=False)
    except DomainError as refusal:
        item.error = refusal
        return False
    return True


def _judge(item: _Item, known: products.Known, seen: set[str]) -> None:
    spec, key = item.spec, item.spec.sku.lower()
    if key in seen:
        raise SkuListedTwice(f"SKU {spec.sku} is listed twice in this call: list it once.")
    seen.add(key)
    product = known.products.get(key)
    if product is None and not spec.name:
        raise ProductFieldInvalid(f"{spec.sku} is a new product: give it a name.")
    if product is not None and _unchanged(spec, product):
        item.status, item.product = "unchanged", product
        return
    known.check(spec, product)
    # A stand-in for a new product (never added to the session): later items collide with
    # its SKU and barcodes as with the catalog's.
    known.claim(spec, product or Product(sku=spec.sku, name=spec.name))
    item.status, item.product = ("updated", product) if product is not None else ("created", None)


def _unchanged(spec: ProductSpec, product: Product) -> bool:
    if spec.sku != product.sku:
        return False  # a change of case is a change
    if any(
        getattr(spec, name) is not None and getattr(spec, name) != getattr(product, name) for name in FIELDS
    ):
        return False
    if spec.barcodes is None:
        return True
    return sorted((b.code, b.pack_qty) for b in spec.barcodes) == sorted(
        (b.code, b.pack_qty) for b in product.barcodes
    )


def _load_created(writes: list[_Item]) -> None:
    """The ids of the products just created, in one query."""
    new = {p.spec.sku.lower(): p for p in writes if p.product is None}
    if new:
        for product in db.session.scalars(select(Product).where(func.lower(Product.sku).in_(new))):
            new[product.sku.lower()].product = product


def _line(item: _Item) -> s.SyncLine:
    error = s.LineError(code=item.error.code, message=item.error.message) if item.error else None
    return s.SyncLine(
        sku=item.spec.sku, status=item.status, id=item.product.id if item.product else None, error=error
    )


def _all_refused(refused: list[tuple[int, _Item]], total: int) -> ApiError:
    first_index, first = refused[0]
    return ApiError(
        422,
        "products_refused",
        f"Nothing was written: {len(refused)} of {total} items are refused (each is named in "
        f"details.items). The first, item {first_index}: {first.error.message}",
        {"items": [_problem(i, p) for i, p in refused]},
    )


def _problem(index: int, item: _Item) -> dict:
    return {"index": index, "sku": item.spec.sku, "code": item.error.code, "message": item.error.message}
