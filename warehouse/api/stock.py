"""Stock: levels, one SKU everywhere, adjust, count to a quantity, availability, history.

The reads answer an operator's token blindfolded (warehouse/counts/blind.py): a bin being counted
has its figures, and every total that sums them, null with `being_counted: true`.
"""

from __future__ import annotations

from sqlalchemy import select, tuple_

from warehouse import counts, transfers
from warehouse.accounts import permissions as P
from warehouse.catalog import locations
from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product
from warehouse.core.extensions import db
from warehouse.counts.blind import blindfold_for
from warehouse.inbound import putaway
from warehouse.ledger import adjustments, stock
from warehouse.ledger.models import Balance, Movement, MovementType

from . import bp, examples, reads
from . import stock_schemas as s
from .spec import operation
from .types import Page


@operation(
    bp,
    "GET",
    "/stock",
    summary="Stock levels by location, bin and lot",
    tag="stock",
    permission=P.INVENTORY_READ,
    query=s.StockQuery,
    response=Page[s.StockRow],
)
def list_stock(caller, query: s.StockQuery):
    listed = reads.stock_rows(query)
    blindfold = blindfold_for(caller.role)
    return Page[s.StockRow](
        data=[
            s.StockRow(
                sku=r[0],
                product_name=r[1],
                location=r[2],
                bin=r[3],
                lot=r[4] if r[5] != NO_LOT else None,
                **_figures(blindfold, [r[14]], on_hand=r[6], reserved=r[7], held=r[8], available=r[9]),
                reorder_point=r[10],
                reorder_qty=r[11],
                max_stock_level=r[15],
                average_cost=r[16],
                last_movement_at=r[12],
                last_counted_at=r[13],
            )
            for r in listed.rows
        ],
        meta=listed.meta,
    )


@operation(
    bp,
    "GET",
    "/stock/<string:sku>",
    summary="One SKU: totals and stock by location and bin",
    tag="stock",
    permission=P.INVENTORY_READ,
    response=s.SkuStock,
)
def sku_stock(caller, sku: str):
    blindfold = blindfold_for(caller.role)
    found = stock.sku_stock(sku, withheld_bins=blindfold.bins)
    bins: dict[int, list[s.BinStock]] = {}
    for b in found.balances:
        bins.setdefault(b.location_id, []).append(
            s.BinStock(
                bin=b.bin.code,
                lot=b.lot.code if b.lot_id != NO_LOT else None,
                **_figures(
                    blindfold,
                    [b.bin_id],
                    on_hand=b.on_hand,
                    reserved=b.reserved,
                    held=b.held,
                    available=b.available,
                ),
                last_counted_at=b.last_counted_at,
            )
        )
    bins_at = {
        loc.id: [b.bin_id for b in found.balances if b.location_id == loc.id] for loc, *_ in found.by_location
    }
    by_location = [
        s.LocationStock(
            location=loc.code,
            location_name=loc.name,
            **_figures(
                blindfold, bins_at[loc.id], on_hand=on_hand, reserved=reserved, held=held, available=available
            ),
            bins=bins[loc.id],
        )
        for loc, on_hand, reserved, held, available in found.by_location
    ]
    return s.SkuStock(
        sku=found.product.sku,
        product_name=found.product.name,
        totals=s.Totals(**_figures(blindfold, [b.bin_id for b in found.balances], **found.totals)),
        by_location=by_location,
    )


def _figures(blindfold: counts.Blindfold, bin_ids, **figures) -> dict:
    """The quantity fields of figures over these bins as the caller may see them: with
    being_counted when one of the bins is being counted, and null when the caller is
    blind to it."""
    counted = any(blindfold.notes(bin_id) for bin_id in bin_ids)
    if counted and blindfold.blind:
        return dict.fromkeys(figures) | {"being_counted": True}
    return figures | {"being_counted": counted}


@operation(
    bp,
    "POST",
    "/stock",
    summary="Adjust stock in one bin (signed quantity, reason code)",
    tag="stock",
    permission=P.INVENTORY_ADJUST,
    body=s.AdjustIn,
    response=s.AdjustOut,
    status=201,
    example=examples.ADJUST_IN,
)
def adjust(caller, body: s.AdjustIn):
    done = adjustments.adjust(
        sku=body.sku,
        location_code=body.location,
        bin_code=body.bin,
        qty=body.quantity,
        reason=body.reason,
        actor_id=caller.user_id,
        lot_code=body.lot,
        reference=body.reference,
        reference_type=body.reference_type,
        note=body.note,
        type=body.type,
        cost=body.cost_per_unit,
    )
    task = putaway.after_arrival(
        done.bin, done.product.id, done.lot.id if done.lot else NO_LOT, body.quantity
    )
    # The answer from what the posting returned and the rows the service loaded: nothing
    # is read back.
    on_hand, reserved, _held = done.after
    return s.AdjustOut(
        movement_id=done.movement_id,
        type=MovementType(body.type).value,
        sku=done.product.sku,
        location=done.bin.location.code,
        bin=done.bin.code,
        lot=done.lot.code if done.lot else None,
        quantity=body.quantity,
        previous_on_hand=done.on_hand_before,
        new_on_hand=on_hand,
        reserved=reserved,
        available=done.available,
        recorded_at=done.posted.recorded_at,
        putaway_task_id=task.id if task else None,
    )


@operation(
    bp,
    "POST",
    "/stock/count",
    summary="Set a key's on-hand to a counted quantity (adjustment_count of the difference)",
    tag="stock",
    permission=P.INVENTORY_CYCLECOUNT,
    body=s.CountIn,
    response=s.CountOut,
    example=examples.COUNT_IN,
)
def count(caller, body: s.CountIn):
    counted = adjustments.count_to(
        sku=body.sku,
        location_code=body.location,
        bin_code=body.bin or "",
        lot_code=body.lot,
        counted=body.counted_quantity,
        actor_id=caller.user_id,
        reference=body.reference,
    )
    key = key_stock(counted.product_id, counted.bin_id, counted.lot_id)
    movement_id = counted.posting_id and db.session.scalar(
        select(Movement.id).where(Movement.posting_id == counted.posting_id)
    )
    return s.CountOut(
        **key.model_dump(),
        previous_on_hand=counted.previous_on_hand,
        variance=counted.variance,
        movement_id=movement_id,
    )


def key_stocks(
    keys: list[tuple[int, int, int]], blindfold: counts.Blindfold = counts.SEES_ALL
) -> list[s.KeyStock]:
    """Balance keys (product_id, bin_id, lot_id) as the API shows them, in one query;
    a key that never held stock shows zeros; a key in a bin the blindfold hides, nulls."""
    found = {
        (r.product_id, r.bin_id, r.lot_id): r
        for r in db.session.execute(
            select(
                Balance.product_id,
                Balance.bin_id,
                Balance.lot_id,
                Balance.on_hand,
                Balance.reserved,
                Balance.held,
                Balance.available.label("available"),
                Product.sku,
                Location.code.label("location"),
                Bin.code.label("bin"),
                Lot.code.label("lot"),
            )
            .join(Product, Product.id == Balance.product_id)
            .join(Bin, Bin.id == Balance.bin_id)
            .join(Location, Location.id == Balance.location_id)
            .join(Lot, Lot.id == Balance.lot_id)
            .where(tuple_(Balance.product_id, Balance.bin_id, Balance.lot_id).in_(keys))
        )
    }
    out = []
    for key in keys:
        if (b := found.get(key)) is not None:
            sku, location, bin_code, lot = b.sku, b.location, b.bin, b.lot
            stock = dict(on_hand=b.on_hand, reserved=b.reserved, held=b.held, available=b.available)
        else:  # never held stock (a count of 0 on a new key)
            bin = db.session.get(Bin, key[1])
            sku, location, bin_code = db.session.get(Product, key[0]).sku, bin.location.code, bin.code
            lot, stock = db.session.get(Lot, key[2]).code, dict(on_hand=0, reserved=0, held=0, available=0)
        out.append(
            s.KeyStock(
                sku=sku,
                location=location,
                bin=bin_code,
                lot=lot if key[2] != NO_LOT else None,
                **_figures(blindfold, [key[1]], **stock),
            )
        )
    return out


def key_stock(product_id: int, bin_id: int, lot_id: int) -> s.KeyStock:
    return key_stocks([(product_id, bin_id, lot_id)])[0]


@operation(
    bp,
    "POST",
    "/availability/check",
    summary="Can these quantities be promised?",
    tag="stock",
    permission=P.INVENTORY_READ,
    body=s.AvailabilityIn,
    response=s.AvailabilityOut,
    status=200,
    reads=True,  # answers from the stock now: a retry is asked again, nothing is stored
    example=examples.AVAILABILITY_IN,
)
def availability(caller, body: s.AvailabilityIn):
    """Available = free to promise outside receiving bins (the rule transfers allocate by),
    summed over the named location or over every active non-transit location. Behind a
    blindfold, a sum over a bin being counted is null (being_counted); `ok` still answers."""
    blindfold = blindfold_for(caller.role)
    asked = [(item, stock.product_by_code(item.sku), _locations(item.location)) for item in body.items]
    counted = blindfold.counted_totals(product.id for _, product, _ in asked)
    results = []
    for item, product, places in asked:
        available = transfers.available_in(product.id, [loc.id for loc in places])
        being_counted = any((product.id, loc.id) in counted for loc in places)
        results.append(
            s.AvailabilityResult(
                sku=product.sku,
                location=item.location,
                quantity=item.quantity,
                available=None if being_counted and blindfold.blind else available,
                being_counted=being_counted,
                ok=available >= item.quantity,
            )
        )
    return s.AvailabilityOut(ok=all(r.ok for r in results), items=results)


def _locations(code: str | None) -> list[Location]:
    if code:
        return [locations.require(code)]
    return locations.places()


@operation(
    bp,
    "GET",
    "/movements",
    summary="Movement history with balance before and after",
    tag="stock",
    permission=P.INVENTORY_READ,
    query=s.MovementQuery,
    response=Page[s.MovementOut],
)
def movements(caller, query: s.MovementQuery):
    """Behind a blindfold, a movement in a bin being counted has null quantities (summing
    them would give the bin's on-hand away)."""
    listed = reads.movements(query)
    blindfold = blindfold_for(caller.role)
    return Page[s.MovementOut](
        data=[
            s.MovementOut(
                id=m.id,
                posting_id=m.posting_id,
                type=m.type.value,
                sku=m.product.sku,
                product_name=m.product.name,
                location=m.location.code,
                bin=m.bin.code,
                lot=m.lot.code if m.lot_id != NO_LOT else None,
                **_figures(
                    blindfold,
                    [m.bin_id],
                    quantity=m.qty,
                    reserved_delta=m.reserved_delta,
                    held_delta=m.held_delta,
                    balance_before=m.balance_before,
                    balance_after=m.balance_after,
                    note=m.posting.note,  # a count's note says what the ledger had
                ),
                reason=m.reason.value if m.reason else None,
                cost_per_unit=m.cost_per_unit,
                reference_type=m.reference_type,
                reference_id=m.reference_id,
                user=reads.username(m.user),
                created_at=m.created_at,
            )
            for m in listed.rows
        ],
        meta=listed.meta,
    )
