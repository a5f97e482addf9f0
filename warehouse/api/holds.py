"""Holds: the list with filters, a new hold, release (by id or number). Supervisors' work,
as on the holds page (an operator's token is refused); the same services as the page
(warehouse/availability/holds.py), each write one command.
"""

from __future__ import annotations

from warehouse.accounts import permissions as P
from warehouse.accounts.models import Role
from warehouse.availability import holds
from warehouse.availability.models import Hold, HoldReason, HoldStatus
from warehouse.catalog.models import NO_LOT
from warehouse.counts.blind import Blindfold, blindfold_for
from warehouse.ledger import references

from . import blind, bp, examples, reads
from . import floor_schemas as s
from .spec import operation
from .types import Page


def hold_out(hold: Hold, blindfold: Blindfold) -> s.HoldOut:
    """A hold as the API shows it: its quantities withheld from a blind reader while its
    bin is being counted (they are part of that bin's figures)."""
    return s.HoldOut(
        id=hold.id,
        number=holds.number(hold),
        sku=hold.product.sku,
        location=hold.location.code,
        bin=hold.bin.code,
        lot=hold.lot.code if hold.lot_id != NO_LOT else None,
        **blind.shown(
            blindfold, blindfold.notes(hold.bin_id), quantity=hold.qty, quantity_open=hold.qty_open
        ),
        reason=hold.reason,
        status=hold.status.value,
        note=hold.note,
        reference=hold.reference,
        created_at=hold.created_at,
        closed_at=hold.closed_at,
    )


def named(body: s.HoldNamed) -> Hold:
    """The hold a body names by id or by number (404 when it is not this organisation's)."""
    return holds.get(body.hold_id) if body.hold_id is not None else holds.by_number(body.number)


@operation(
    bp,
    "GET",
    "/holds",
    summary="Holds, newest first (active by default)",
    tag="holds",
    permission=P.INVENTORY_READ,
    role=Role.SUPERVISOR,
    query=s.HoldQuery,
    response=Page[s.HoldOut],
)
def list_holds(caller, query: s.HoldQuery):
    """The holds page's list: a supervisor's token (an operator's is refused, as on the page).
    `reference` is type:id (transfer:TR-000012)."""
    chosen = holds.HoldFilter(
        status=None if query.status == "any" else HoldStatus(query.status),
        reason=query.reason,
        sku=query.sku,
        location_code=query.location,
        bin_code=query.bin,
        lot_code=query.lot or None,
        reference=references.parse_reference(query.reference) if query.reference else None,
    )
    listed = reads.page_of(chosen.query(), query.page, query.limit)
    blindfold = blindfold_for(caller.role)
    return Page[s.HoldOut](data=[hold_out(h, blindfold) for h in listed.rows], meta=listed.meta)


@operation(
    bp,
    "POST",
    "/holds",
    summary="Put units of one bin on hold (quality, quarantine, damaged, recall, expired, other)",
    tag="holds",
    permission=P.INVENTORY_WRITE,
    role=Role.SUPERVISOR,
    body=s.HoldIn,
    response=s.HoldOut,
    status=201,
    example=examples.HOLD_IN,
    answer=examples.HOLD,
)
def place_hold(caller, body: s.HoldIn):
    """One `hold` posting: the units stay on hand and are no longer available (not sold,
    picked or reserved) until released. Refused whole when they are not available. A
    supervisor's token, as on the holds page."""
    hold = holds.place_by_codes(
        sku=body.sku,
        location_code=body.location,
        bin_code=body.bin,
        qty=body.quantity,
        reason=HoldReason(body.reason),
        lot_code=body.lot,
        note=body.note or None,
        actor_id=caller.user_id,
    )
    return hold_out(hold, blindfold_for(caller.role))


@operation(
    bp,
    "POST",
    "/holds/release",
    summary="Release a hold (by hold_id or number): its units are available again",
    tag="holds",
    permission=P.INVENTORY_WRITE,
    role=Role.SUPERVISOR,
    body=s.HoldNamed,
    response=s.HoldOut,
    example=examples.HOLD_RELEASE_IN,
    answer={**examples.HOLD, "status": "released", "quantity_open": 0, "closed_at": "2026-12-06T10:00:00Z"},
)
def release_hold(caller, body: s.HoldNamed):
    """One `hold_release` posting; units released in a receiving bin get a put-away task.
    A hold that is not active (released, written off, moved) is `409 hold_closed`."""
    hold = holds.release(named(body).id, actor_id=caller.user_id)
    return hold_out(hold, blindfold_for(caller.role))
