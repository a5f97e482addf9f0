"""Products: list and read with their stock status, create (with opening stock and a
reorder policy), change, and sync a catalog in bulk. The same commands as the admin's
product pages (warehouse/setup/products.py); deleting stays on the pages (deactivate with
PATCH active=false).

Stock figures that sum a bin being counted are withheld from an operator's token
(api/blind.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from warehouse import ledger
from warehouse.accounts import permissions as P
from warehouse.alerts import policies
from warehouse.catalog import locations, lots
from warehouse.catalog.models import Location, Product
from warehouse.catalog.products import BarcodeSpec, ProductSpec
from warehouse.core.errors import InventoryNotTracked, LotNotTracked, LotRequired, NotFound
from warehouse.core.extensions import db
from warehouse.counts.blind import Blindfold, blindfold_for
from warehouse.inbound import receiving
from warehouse.ledger.models import MovementType, ReasonCode
from warehouse.setup import products as product_commands
from warehouse.setup.products import Inventory

from . import blind, bp, examples, product_sync, reads
from . import product_schemas as s
from .spec import operation
from .types import Page


def _out(
    product: Product, stock: Inventory, *, inventory: bool, blindfold: Blindfold, counted: bool
) -> s.ProductOut:
    """Behind a blindfold, figures that sum a bin being counted are null (being_counted);
    stock_status and in_stock still answer (bounds, as the availability check's `ok`)."""
    figures = blind.shown(blindfold, counted, stock_quantity=stock.on_hand)
    return s.ProductOut(
        id=product.id,
        sku=product.sku,
        name=product.name,
        unit_cost=product.unit_cost,
        track_inventory=product.track_inventory,
        allow_backorder=product.allow_backorder,
        lot_tracked=product.lot_tracked,
        expiry_tracked=product.expiry_tracked,
        active=product.active,
        barcodes=[s.BarcodeOut(code=b.code, pack_qty=b.pack_qty) for b in product.barcodes],
        **figures,
        reorder_point=stock.reorder_point,
        reorder_quantity=stock.reorder_qty,
        stock_status=stock.status.value,
        in_stock=stock.available > 0,
        inventory=_inventory(stock, blindfold, counted) if inventory else None,
    )


def _inventory(stock: Inventory, blindfold: Blindfold, counted: bool) -> s.InventoryOut:
    return s.InventoryOut(
        **blind.shown(
            blindfold,
            counted,
            quantity_on_hand=stock.on_hand,
            quantity_reserved=stock.reserved,
            quantity_available=stock.available,
        ),
        reorder_point=stock.reorder_point,
        reorder_quantity=stock.reorder_qty,
        last_counted_at=stock.last_counted_at,
        last_movement_at=stock.last_movement_at,
    )


def _as_seen(caller, products: list[Product], stocks: dict[int, Inventory], location_id, *, inventory: bool):
    """The products as this caller may see them: one query for which of them sum a bin
    being counted (none while nothing is)."""
    blindfold = blindfold_for(caller.role)
    places = blind.counted_places(blindfold, (p.id for p in products))
    return [
        _out(
            p,
            stocks[p.id],
            inventory=inventory,
            blindfold=blindfold,
            counted=blind.sums_counted(places, p.id, location_id),
        )
        for p in products
    ]


def _product(product_id: int) -> Product:
    """This organisation's product (a select, so the organisation's scope applies), or 404."""
    product = db.session.scalar(
        select(Product).where(Product.id == product_id).options(selectinload(Product.barcodes))
    )
    if product is None:
        raise NotFound("No such product. Find its id with GET /api/products?search=SKU.")
    return product


def _location_id(code: str | None) -> int | None:
    return locations.require(code).id if code else None


@operation(
    bp,
    "GET",
    "/products",
    summary="Products with their stock status (search by SKU, name or barcode)",
    tag="products",
    permission=P.INVENTORY_READ,
    query=s.ProductQuery,
    response=Page[s.ProductOut],
    answer=examples.PRODUCT_PAGE,
)
def list_products(caller, query: s.ProductQuery):
    location_id = _location_id(query.location)
    listed = reads.products(query)
    stock = reads.inventories(listed.rows, location_id)
    shown = _as_seen(caller, listed.rows, stock, location_id, inventory=query.include == "inventory")
    return Page[s.ProductOut](data=shown, meta=listed.meta)


@operation(
    bp,
    "GET",
    "/products/<int:product_id>",
    summary="One product; include=inventory adds its inventory figures",
    tag="products",
    permission=P.INVENTORY_READ,
    query=s.ProductGetQuery,
    response=s.ProductOut,
    answer=examples.PRODUCT,
)
def get_product(caller, product_id: int, query: s.ProductGetQuery):
    """stock_status: available <= 0: on_backorder when the product allows backorders, else
    out_of_stock; available > 0 and on hand at or below the reorder point: low_stock; else
    in_stock. Figures sum every location, or the one named by `location`."""
    product = _product(product_id)
    location_id = _location_id(query.location)
    stock = product_commands.inventory(product, location_id)
    (shown,) = _as_seen(
        caller, [product], {product.id: stock}, location_id, inventory=query.include == "inventory"
    )
    return shown


@operation(
    bp,
    "POST",
    "/products",
    summary="Create a product, with opening stock and a reorder policy (admin)",
    tag="products",
    permission=P.PRODUCTS_WRITE,
    body=s.ProductIn,
    response=s.ProductOut,
    status=201,
    example=examples.PRODUCT_IN,
    answer=examples.PRODUCT,
)
def create_product(caller, body: s.ProductIn):
    """All in one transaction: the product, its opening stock (one adjustment_count posting,
    reason opening_balance, reference product:SKU) and its reorder policy."""
    location = locations.require(body.location) if body.location else None
    spec = ProductSpec(
        sku=body.sku,
        **{name: getattr(body, name) for name in product_sync.FIELDS},
        barcodes=[BarcodeSpec(b.code, b.pack_qty) for b in body.barcodes],
    )
    product = product_commands.save(spec, product_id=None, actor_id=caller.user_id, key=None)
    if body.stock_quantity:
        _open_stock(product, location, body, caller.user_id)
    _set_policy(product, location, body, caller.user_id)
    (shown,) = _as_seen(
        caller, [product], {product.id: product_commands.inventory(product)}, None, inventory=True
    )
    return shown


def _open_stock(product: Product, location: Location, body: s.ProductIn, actor_id: int) -> None:
    """The opening balance: a new product holds nothing, so the posting is the quantity."""
    if not product.track_inventory:
        raise InventoryNotTracked(
            f"{product.sku} does not track inventory: leave stock_quantity out, or set track_inventory."
        )
    bin = _opening_bin(location, body.bin)
    if product.lot_tracked and not body.lot:
        raise LotRequired(f"{product.sku} is lot-tracked: give the lot (and expiry) of the opening stock.")
    if body.lot and not product.lot_tracked:
        raise LotNotTracked(f"{product.sku} is not lot-tracked: leave the lot out.")
    lot = lots.find_or_create(product, body.lot, body.expiry) if body.lot else None
    ledger.post(
        MovementType.ADJUSTMENT_COUNT,
        [ledger.Line.at(bin, product, lot, qty=body.stock_quantity)],
        actor_id=actor_id,
        key=f"opening:product:{product.id}",
        reference=("product", product.sku),
        reason=ReasonCode.OPENING_BALANCE,
    )


def _opening_bin(location: Location, code: str | None):
    if code is None:
        return receiving.receiving_bin(location.id)
    bin = locations.bin_at(location.code, code)
    if bin is None or not bin.active:
        raise NotFound(f"No active bin {code!r} at {location.code}. Check the bin code.")
    return bin


def _set_policy(product: Product, location: Location | None, body, actor_id: int) -> None:
    figures = {
        "reorder_point": body.reorder_point,
        "reorder_qty": body.reorder_quantity,
    }
    figures = {name: value for name, value in figures.items() if value is not None}
    if figures:
        policies.save_one(policies.PolicySpec(product.sku, location.code, figures), actor_id=actor_id)


@operation(
    bp,
    "PATCH",
    "/products/<int:product_id>",
    summary="Change a product: the fields given (barcodes replace), a reorder policy (admin)",
    tag="products",
    permission=P.PRODUCTS_WRITE,
    body=s.ProductPatch,
    response=s.ProductOut,
    example=examples.PRODUCT_PATCH,
    answer=examples.PRODUCT,
)
def change_product(caller, product_id: int, body: s.ProductPatch):
    """Stock is not changed here: POST /api/stock or /api/stock/count does that."""
    product = _product(product_id)
    spec = ProductSpec(
        sku=body.sku or product.sku,
        **{name: getattr(body, name) for name in product_sync.FIELDS},
        barcodes=None if body.barcodes is None else [BarcodeSpec(b.code, b.pack_qty) for b in body.barcodes],
    )
    product = product_commands.save(spec, product_id=product.id, actor_id=caller.user_id, key=None)
    location = locations.require(body.location) if body.location else None
    _set_policy(product, location, body, caller.user_id)
    (shown,) = _as_seen(
        caller, [product], {product.id: product_commands.inventory(product)}, None, inventory=True
    )
    return shown


@operation(
    bp,
    "PUT",
    "/products",
    summary=f"Sync a catalog: create or update up to {s.MAX_SYNC:,} products by SKU (admin)",
    tag="products",
    permission=P.PRODUCTS_WRITE,
    query=s.SyncQuery,
    body=s.SyncIn,
    response=s.SyncOut,
    max_body=product_sync.MAX_BODY,
    example=examples.SYNC_IN,
    answer=examples.SYNC_OUT,
)
def sync_products(caller, query: s.SyncQuery, body: s.SyncIn):
    """One line per item, in order: created, updated, unchanged or error (with its code).
    Valid items are written even when others are refused, unless atomic=true."""
    return product_sync.sync(body.items, atomic=query.atomic)
