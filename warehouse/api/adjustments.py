"""Adjustments: the reason codes, the adjustment history (with each posting's note), bulk
adjustments by actual quantity (all lines or none), and lot corrections.

All of it is a supervisor's (`inventory.adjust`, as changing stock on the stock page is):
the answers carry the ledger's figures, so no blindfold is needed.
"""

from __future__ import annotations

from warehouse.accounts import permissions as P
from warehouse.catalog.models import NO_LOT
from warehouse.ledger import adjustments, bulk_adjustments, lot_corrections, stock
from warehouse.ledger.models import Movement, MovementType

from . import adjustment_schemas as s
from . import bp, examples, reads
from .spec import operation
from .types import Page

ADJUSTING = (MovementType.ADJUSTMENT, MovementType.ADJUSTMENT_COUNT)


@operation(
    bp,
    "GET",
    "/adjustments/reason-codes",
    summary="The adjustment reason codes, with a label and whether a person may choose each",
    tag="adjustments",
    permission=P.INVENTORY_ADJUST,
    response=s.ReasonCodesOut,
)
def reason_codes(caller):
    return s.ReasonCodesOut(
        data=[
            s.ReasonCodeOut(
                code=r.code.value, label=r.label, description=r.description, selectable=r.chosen_by_people
            )
            for r in adjustments.reasons()
        ]
    )


@operation(
    bp,
    "GET",
    "/adjustments",
    summary="Adjustment movements (by hand, counts, lot corrections), newest first, with their notes",
    tag="adjustments",
    permission=P.INVENTORY_ADJUST,
    query=s.AdjustmentQuery,
    response=Page[s.AdjustmentOut],
)
def list_adjustments(caller, query: s.AdjustmentQuery):
    listed = reads.page_of(_history(query), query.page, query.limit)
    return Page[s.AdjustmentOut](
        data=[
            s.AdjustmentOut(
                id=m.id,
                posting_id=m.posting_id,
                type=m.type.value,
                sku=m.product.sku,
                product_name=m.product.name,
                location=m.location.code,
                bin=m.bin.code,
                lot=m.lot.code if m.lot_id != NO_LOT else None,
                quantity=m.qty,
                balance_before=m.balance_before,
                balance_after=m.balance_after,
                reason=m.reason.value if m.reason else None,
                note=m.posting.note,
                reference_type=m.reference_type,
                reference_id=m.reference_id,
                user=reads.username(m.user),
                created_at=m.created_at,
            )
            for m in listed.rows
        ],
        meta=listed.meta,
    )


def _history(q: s.AdjustmentQuery):
    """The movement list's query and filter (one query, related rows and the posting's
    note joined) narrowed to adjustments."""
    query = stock.MOVEMENTS.where(Movement.type.in_(ADJUSTING), *reads.movement_filter(q).criteria())
    return query.where(Movement.reason == q.reason) if q.reason else query


@operation(
    bp,
    "POST",
    "/adjustments",
    summary="Set many keys to their actual quantities (all lines or none)",
    tag="adjustments",
    permission=P.INVENTORY_ADJUST,
    body=s.AdjustmentsIn,
    response=s.AdjustmentsOut,
    max_body=s.MAX_BODY,
    example=examples.ADJUSTMENTS_IN,
    answer=examples.ADJUSTMENTS_OUT,
)
def adjust_to_actual(caller, body: s.AdjustmentsIn):
    """One transaction: every line is checked first; any refused line refuses the call
    (422 adjustments_refused, each refused line named by its index in details.items) and
    nothing is written. A line whose actual agrees with the ledger posts nothing and is
    answered with adjustment 0. Reason physical_count posts an adjustment_count and marks
    the key counted; free text is reason other with the text as the note."""
    done = bulk_adjustments.set_actual(
        [
            bulk_adjustments.Actual(
                actual=line.actual_quantity,
                reason=line.reason,
                sku=line.sku,
                product_id=line.product_id,
                location_code=line.location,
                location_id=line.warehouse_id,
                bin_code=line.bin or "",
                lot_code=line.lot,
                expiry=line.expiry,
            )
            for line in body.adjustments
        ],
        actor_id=caller.user_id,
        reference=body.reference,
    )
    changed = sum(1 for item in done if item.adjustment)
    return s.AdjustmentsOut(
        adjustments_processed=changed,
        unchanged=len(done) - changed,
        total_adjustments=len(done),
        adjustments=[_adjusted(item) for item in done],
    )


def _adjusted(item: bulk_adjustments.SetTo) -> s.AdjustedLine:
    return s.AdjustedLine(
        index=item.index,
        id=item.movement_id,
        posting_id=item.posting_id,
        sku=item.product.sku,
        product_id=item.product.id,
        product_name=item.product.name,
        location=item.bin.location.code,
        warehouse_id=item.bin.location_id,
        bin=item.bin.code,
        lot=item.lot_code or None,
        quantity_before=item.before,
        quantity_after=item.after,
        adjustment=item.adjustment,
        type=item.type.value if item.adjustment else None,
        reason=item.reason.value,
        note=item.note or None,
        created_at=item.recorded_at,
    )


@operation(
    bp,
    "POST",
    "/adjustments/lot-correction",
    summary="Move units in one bin from a wrong lot to the right one (one posting)",
    tag="adjustments",
    permission=P.INVENTORY_ADJUST,
    body=s.LotCorrectionIn,
    response=s.LotCorrectionOut,
    status=201,
    example=examples.LOT_CORRECTION_IN,
    answer=examples.LOT_CORRECTION_OUT,
)
def correct_lot(caller, body: s.LotCorrectionIn):
    """Only units free on the wrong lot move: reserved or held units are refused (409
    insufficient_stock, saying how many are reserved and how many held). The right lot is
    made when new (an expiry-tracked product's needs `expiry`)."""
    done = lot_corrections.correct_lot(
        sku=body.sku,
        location_code=body.location,
        bin_code=body.bin,
        wrong_lot=body.wrong_lot,
        right_lot=body.right_lot,
        qty=body.quantity,
        actor_id=caller.user_id,
        expiry=body.expiry,
        note=body.note,
        reference=body.reference,
    )
    return s.LotCorrectionOut(
        posting_id=done.posted.posting_id,
        sku=done.product.sku,
        product_name=done.product.name,
        location=done.bin.location.code,
        bin=done.bin.code,
        quantity=done.qty,
        wrong_lot=_lot(done, done.wrong),
        right_lot=_lot(done, done.right),
        right_lot_created=done.right_lot_created,
        reason=done.reason.value,
        note=done.note,
        reference_type=done.reference[0],
        reference_id=done.reference[1],
        created_at=done.posted.recorded_at,
    )


def _lot(done: lot_corrections.Corrected, lot) -> s.LotQuantity:
    expiry = lot.expiry_date.isoformat() if lot.expiry_date else None
    return s.LotQuantity(lot=lot.code, expiry=expiry, on_hand=done.on_hand(lot))
