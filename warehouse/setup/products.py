"""An admin's product commands (pages and API): save, deactivate, delete, and the product's
inventory summary with its stock status.

Saving runs as one command (the form's or the request's key): a double submit saves
once. A product with stock or any history is never deleted, only deactivated: its
movements name it for good. A deactivated product is not received (inbound.receiving
says so on the floor)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, literal, select

from warehouse.alerts.models import ReorderPolicy
from warehouse.catalog import products
from warehouse.catalog.models import Product, ProductBarcode
from warehouse.catalog.products import ProductSpec
from warehouse.core import commands
from warehouse.core.errors import DomainError, NotFound, ProductHasStock, TrackingLockedByStock
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import atomically
from warehouse.ledger.models import Balance, Movement


def save(spec: ProductSpec, *, product_id: int | None, actor_id: int | None, key: str | None) -> Product:
    """Create (product_id None) or update a product. `spec` is validated here."""
    spec = products.validate(spec, creating=product_id is None)

    def work() -> Product:
        product = None
        if product_id is not None:
            product = db.session.get(Product, product_id)
            if product is None:
                raise NotFound(msg("No such product. Find it in the product list."))
            _keep_tracking_while_stocked(spec, product)
        return products.save(spec, product=product)

    request = [
        product_id,
        spec.sku,
        spec.name,
        str(spec.unit_cost),
        spec.lot_tracked,
        spec.expiry_tracked,
        spec.track_inventory,
        spec.allow_backorder,
        spec.active,
        None if spec.barcodes is None else [[b.code, b.pack_qty] for b in spec.barcodes],
    ]
    return commands.run(
        "product.save", work, key=key, actor_id=actor_id, request=request, **commands.by_id(Product)
    )


def _keep_tracking_while_stocked(spec: ProductSpec, product: Product) -> None:
    """Lot and expiry tracking stay as they are while the product has stock: its balances
    are kept by lot (or without one), and would be stranded by the change."""
    changes = [
        name
        for name in ("lot_tracked", "expiry_tracked")
        if getattr(spec, name) is not None and getattr(spec, name) != getattr(product, name)
    ]
    if not changes:
        return
    on_hand = units_on_hand([product.id]).get(product.id, 0)
    if on_hand:
        if changes[0] == "lot_tracked":
            raise TrackingLockedByStock(
                msg(
                    "{sku} has {units:,} units in stock: its lot tracked setting stays until they are gone "
                    "(sold, moved out or written off).",
                    sku=product.sku,
                    units=on_hand,
                )
            )
        raise TrackingLockedByStock(
            msg(
                "{sku} has {units:,} units in stock: its expiry tracked setting stays until they are gone "
                "(sold, moved out or written off).",
                sku=product.sku,
                units=on_hand,
            )
        )


def units_on_hand(product_ids: list[int]) -> dict[int, int]:
    """On-hand units per product, for those of `product_ids` that hold any."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        select(Balance.product_id, func.sum(Balance.on_hand))
        .where(Balance.product_id.in_(product_ids), Balance.on_hand > 0)
        .group_by(Balance.product_id)
    )
    return {product_id: int(units) for product_id, units in rows}


def tracking_locked(specs: list[ProductSpec], known: products.Known) -> dict[str, DomainError]:
    """Specs (of an import or a sync) that would change lot or expiry tracking of a
    product holding stock: the refusal of each, by lower-case SKU."""
    changing = {
        s.sku.lower(): known.products[s.sku.lower()]
        for s in specs
        if s.sku.lower() in known.products
        and any(
            getattr(s, flag) is not None and getattr(s, flag) != getattr(known.products[s.sku.lower()], flag)
            for flag in ("lot_tracked", "expiry_tracked")
        )
    }
    stocked = units_on_hand([p.id for p in changing.values()])
    return {
        sku: TrackingLockedByStock(
            msg(
                "{sku} has {units:,} units in stock: its lot and expiry tracking stay until they are gone.",
                sku=product.sku,
                units=stocked[product.id],
            )
        )
        for sku, product in changing.items()
        if stocked.get(product.id)
    }


# Rows that go with the product when it is deleted; any other row naming it keeps it.
_DELETED_WITH_IT = {"product_barcodes", "reorder_policies"}


def _named_elsewhere(product: Product) -> bool:
    """Whether any row outside _DELETED_WITH_IT names the product (every foreign key to
    products, found from the tables themselves: a table added later is checked too)."""
    for table in db.metadata.sorted_tables:
        if table.name in _DELETED_WITH_IT:
            continue
        for key in table.foreign_keys:
            if key.column.table.name == "products":
                found = select(literal(1)).select_from(table).where(key.parent == product.id).limit(1)
                if db.session.execute(found).first():
                    return True
    return False


def delete(product_id: int) -> str:
    """Delete a product that never held stock; its SKU. Refused, naming what it has,
    when it has stock or history."""

    def work() -> str:
        product = db.session.get(Product, product_id)
        if product is None:
            raise NotFound(msg("No such product. Find it in the product list."))
        on_hand = db.session.scalar(
            select(func.coalesce(func.sum(Balance.on_hand), 0)).where(Balance.product_id == product.id)
        )
        if on_hand:
            raise ProductHasStock(
                msg(
                    "{sku} has {units:,} units in stock: it cannot be deleted. Deactivate it instead.",
                    sku=product.sku,
                    units=on_hand,
                )
            )
        if db.session.scalar(select(Movement.id).where(Movement.product_id == product.id).limit(1)):
            raise ProductHasStock(
                msg("{sku} has stock history: it cannot be deleted. Deactivate it instead.", sku=product.sku)
            )
        sku = product.sku
        if _named_elsewhere(product):
            raise ProductHasStock(
                msg(
                    "{sku} is used by a transfer, receipt, count or lot: it cannot be deleted. Deactivate it instead.",
                    sku=sku,
                )
            )
        db.session.execute(sql_delete(ReorderPolicy).where(ReorderPolicy.product_id == product.id))
        db.session.execute(sql_delete(ProductBarcode).where(ProductBarcode.product_id == product.id))
        db.session.delete(product)
        return sku

    return atomically(work)


class StockStatus(str, enum.Enum):
    """As the product API's contract defines it (docs/api.md)."""

    IN_STOCK = "in_stock"
    LOW_STOCK = "low_stock"
    OUT_OF_STOCK = "out_of_stock"
    ON_BACKORDER = "on_backorder"


def stock_status(
    *, on_hand: int, available: int, reorder_point: int | None, allow_backorder: bool
) -> StockStatus:
    """Nothing available: on backorder when the product takes backorders, else out of
    stock; available but on hand at or below the reorder point: low; else in stock."""
    if available <= 0:
        return StockStatus.ON_BACKORDER if allow_backorder else StockStatus.OUT_OF_STOCK
    if reorder_point is not None and on_hand <= reorder_point:
        return StockStatus.LOW_STOCK
    return StockStatus.IN_STOCK


@dataclass(frozen=True)
class Inventory:
    on_hand: int
    reserved: int
    held: int
    available: int
    reorder_point: int | None  # summed over the product's policies; None: no policy
    reorder_qty: int | None
    last_counted_at: datetime | None
    last_movement_at: datetime | None
    status: StockStatus


def inventory(product: Product, location_id: int | None = None) -> Inventory:
    """The product's stock (at one location, or all), in three queries."""
    where = [Balance.product_id == product.id]
    if location_id is not None:
        where.append(Balance.location_id == location_id)
    on_hand, reserved, held, counted = db.session.execute(
        select(
            func.coalesce(func.sum(Balance.on_hand), 0),
            func.coalesce(func.sum(Balance.reserved), 0),
            func.coalesce(func.sum(Balance.held), 0),
            func.max(Balance.last_counted_at),
        ).where(*where)
    ).one()
    policy_where = [ReorderPolicy.product_id == product.id]
    if location_id is not None:
        policy_where.append(ReorderPolicy.location_id == location_id)
    point, qty, policies = db.session.execute(
        select(
            func.sum(ReorderPolicy.reorder_point), func.sum(ReorderPolicy.reorder_qty), func.count()
        ).where(*policy_where)
    ).one()
    moved_where = [Movement.product_id == product.id]
    if location_id is not None:
        moved_where.append(Movement.location_id == location_id)
    last_moved = db.session.scalar(select(func.max(Movement.created_at)).where(*moved_where))
    available = int(on_hand) - int(reserved) - int(held)
    point = int(point) if policies else None
    return Inventory(
        on_hand=int(on_hand),
        reserved=int(reserved),
        held=int(held),
        available=available,
        reorder_point=point,
        reorder_qty=int(qty) if policies else None,
        last_counted_at=counted,
        last_movement_at=last_moved,
        status=stock_status(
            on_hand=int(on_hand),
            available=available,
            reorder_point=point,
            allow_backorder=product.allow_backorder,
        ),
    )
