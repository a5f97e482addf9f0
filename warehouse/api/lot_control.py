"""Lot control: is a lot required for this SKU, does the lot exist, is it expired, is any
of it held (where asked)? One answer with a verdict and its reasons
(warehouse/availability/lot_control.py), as a GET with a query or a POST with a body; both
only read (nothing is stored, an Idempotency-Key is ignored).

The lot's figures where asked (on hand, reserved, held, available) and its holds'
quantities are withheld from an operator's token while they sum a bin being counted.
"""

from __future__ import annotations

from warehouse.accounts import permissions as P
from warehouse.availability import holds, lot_control
from warehouse.catalog import locations
from warehouse.counts.blind import Blindfold, blindfold_for
from warehouse.ledger import stock

from . import blind, bp, examples
from . import floor_schemas as s
from .spec import operation


def _answer(caller, sku: str, lot: str | None, location: str | None, bin: str | None) -> s.LotCheckOut:
    product = stock.product_by_code(sku)
    place = locations.require(location) if location else None
    blindfold = blindfold_for(caller.role)
    found = lot_control.check(
        product,
        lot,
        location=place,
        bin=holds.find_bin(location, bin) if place and bin else None,
        blind_bins=blindfold.bins if blindfold.blind else frozenset(),
    )
    return _out(found, blindfold)


def _out(found: lot_control.LotCheck, blindfold: Blindfold) -> s.LotCheckOut:
    counted = any(blindfold.notes(bin_id) for bin_id in found.bin_ids)
    return s.LotCheckOut(
        sku=found.product.sku,
        lot=found.lot_code,
        location=found.location.code if found.location else None,
        bin=found.bin.code if found.bin else None,
        verdict=found.verdict,
        valid=found.verdict != "refused",
        lot_required=found.product.lot_tracked,
        lot_exists=(found.lot is not None) if found.lot_code else None,
        expiry_date=found.lot.expiry_date if found.lot else None,
        expired=found.expired,
        on_hold=found.held > 0,
        **blind.shown(
            blindfold,
            counted,
            on_hand=found.on_hand,
            reserved=found.reserved,
            held=found.held,
            available=found.available,
        ),
        holds=[
            s.LotHoldOut(
                number=holds.number(h),
                reason=h.reason,
                location=h.location.code,
                bin=h.bin.code,
                **blind.shown(blindfold, blindfold.notes(h.bin_id), quantity_open=h.qty_open),
            )
            for h in found.holds
        ],
        reasons=[s.LotReasonOut(code=r.code, severity=r.severity, message=r.message) for r in found.reasons],
    )


@operation(
    bp,
    "GET",
    "/lot-control/validate",
    summary="May this lot of this SKU be used (here)? A verdict with its reasons",
    tag="lot-control",
    permission=P.INVENTORY_READ,
    query=s.LotCheckQuery,
    response=s.LotCheckOut,
)
def validate(caller, query: s.LotCheckQuery):
    """`verdict`: `refused` (lot_required, lot_not_tracked, lot_unknown, lot_expired, or
    lot_held with none of it free), `warning` (part of the lot held), else `ok`. An
    unknown SKU, location or bin is `404`."""
    return _answer(caller, query.sku, query.lot, query.location, query.bin)


@operation(
    bp,
    "POST",
    "/lot-control/validate",
    summary="The same check with a JSON body (reads only)",
    tag="lot-control",
    permission=P.INVENTORY_READ,
    body=s.LotCheckIn,
    response=s.LotCheckOut,
    reads=True,  # answers from the stock now: a retry is asked again, nothing is stored
    example=examples.LOT_CHECK_IN,
    answer=examples.LOT_CHECK,
)
def validate_body(caller, body: s.LotCheckIn):
    return _answer(caller, body.sku, body.lot, body.location, body.bin)
