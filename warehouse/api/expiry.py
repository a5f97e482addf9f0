"""Expired stock: the list, marking a lot in a bin expired (an expired hold), moving an
expired hold's units into a destruction location with the destruction reference, and
writing them off once destroyed (consumed). Supervisors' work, as on the expiry page (an
operator's token is refused); the services of warehouse/availability/expiry.py.
"""

from __future__ import annotations

from warehouse.accounts import permissions as P
from warehouse.accounts.models import Role
from warehouse.availability import expiry, holds
from warehouse.catalog import locations, lots
from warehouse.core.errors import NotFound
from warehouse.counts.blind import blindfold_for
from warehouse.ledger import stock

from . import blind, bp, examples, reads
from . import floor_schemas as s
from .holds import hold_out, named
from .spec import operation
from .types import Page


@operation(
    bp,
    "GET",
    "/expiry/expired",
    summary="Stock of lots past their expiry date, oldest expiry first",
    tag="expiry",
    permission=P.INVENTORY_READ,
    role=Role.SUPERVISOR,
    query=s.ExpiredQuery,
    response=Page[s.ExpiredRow],
)
def list_expired(caller, query: s.ExpiredQuery):
    """Every bin holding units of an expired lot, held ones included (they wait to be
    written off), at destruction locations too. A supervisor's token, as on the expiry page
    (so are the writes below)."""
    chosen = expiry.expired_query(
        location_id=locations.require(query.location).id if query.location else None,
        product_id=stock.product_by_code(query.sku).id if query.sku else None,
    )
    listed = reads.page_of(chosen, query.page, query.limit)
    blindfold = blindfold_for(caller.role)
    today = expiry.today_utc()
    rows = []
    for found in map(expiry.lot_stock, listed.rows):
        rows.append(
            s.ExpiredRow(
                sku=found.sku,
                product_name=found.product.name,
                lot=found.lot.code,
                expiry_date=found.expiry,
                days_expired=-found.days_left(today),
                location=found.location.code,
                location_type=found.location.type.value,
                bin=found.bin.code,
                **blind.shown(
                    blindfold,
                    blindfold.notes(found.bin.id),
                    on_hand=found.on_hand,
                    reserved=found.reserved,
                    held=found.held,
                    available=found.available,
                ),
            )
        )
    return Page[s.ExpiredRow](data=rows, meta=listed.meta)


@operation(
    bp,
    "POST",
    "/expiry/mark-expired",
    summary="Put every available unit of an expired lot in a bin on hold (reason expired)",
    tag="expiry",
    permission=P.INVENTORY_WRITE,
    role=Role.SUPERVISOR,
    body=s.MarkExpiredIn,
    response=s.HoldOut,
    status=201,
    example=examples.MARK_EXPIRED_IN,
    answer=examples.EXPIRED_HOLD,
)
def mark_expired(caller, body: s.MarkExpiredIn):
    """Units reserved for someone stay reserved (release or fulfil those first). A lot not
    past its expiry date is `409 lot_not_expired`."""
    product = stock.product_by_code(body.sku)
    bin = holds.find_bin(body.location, body.bin)
    lot = lots.existing(product, body.lot)
    if lot is None:
        raise NotFound(f"No lot {body.lot} of {product.sku}. Check the label.")
    hold = expiry.mark_expired(product, bin, lot, actor_id=caller.user_id)
    return hold_out(hold, blindfold_for(caller.role))


@operation(
    bp,
    "POST",
    "/expiry/transfer-destruction",
    summary="Move an expired hold's units into a destruction location, with the destruction reference",
    tag="expiry",
    permission=P.INVENTORY_WRITE,
    role=Role.SUPERVISOR,
    body=s.DestructionIn,
    response=s.DestructionOut,
    status=201,
    example=examples.DESTRUCTION_IN,
    answer=examples.DESTRUCTION,
)
def transfer_destruction(caller, body: s.DestructionIn):
    """One `expire` posting with the reference: out of the hold's bin (off hold) into the
    destruction location's bin (on hold). The hold closes as `moved`; a new expired hold
    at the destruction location holds the units until `mark-consumed`."""
    sent = expiry.to_destruction(
        named(body).id,
        expiry.destruction_location(body.location),
        reference=(body.reference_type, body.reference_id),
        actor_id=caller.user_id,
    )
    blindfold = blindfold_for(caller.role)
    return s.DestructionOut(
        moved=hold_out(sent.source, blindfold),
        hold=hold_out(sent.hold, blindfold),
        posting_id=sent.posting_id,
        reference=f"{body.reference_type}:{body.reference_id}",
    )


@operation(
    bp,
    "POST",
    "/expiry/mark-consumed",
    summary="Write off an expired hold's units once destroyed or used up (an expire posting)",
    tag="expiry",
    permission=P.INVENTORY_WRITE,
    role=Role.SUPERVISOR,
    body=s.ConsumedIn,
    response=s.HoldOut,
    example=examples.CONSUMED_IN,
    answer=examples.CONSUMED,
)
def mark_consumed(caller, body: s.ConsumedIn):
    """The units leave the ledger (qty and held down by the hold's units), citing the
    reference given, else the one the hold was sent to destruction under. Wherever the
    expired hold is: in its bin, or at a destruction location."""
    reference = (body.reference_type, body.reference_id) if body.reference_type else None
    hold = expiry.write_off(named(body).id, actor_id=caller.user_id, reference=reference)
    return hold_out(hold, blindfold_for(caller.role))
