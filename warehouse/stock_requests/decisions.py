"""The approver's side: approve (as a transfer, or as an issue from stock) or reject; the
source a request is best sent from; and following a request's transfer to fulfilled.

- approve as a transfer: a transfer from the source location to the requester's location
  is created and approved (reserved at the source) through the transfers service, in the
  approval's own transaction; the request records it. Refused whole (nothing written) when
  the source lacks the stock.
- approve as an issue: the units leave the source location's bins (FEFO, as transfers
  allocate) in one `fulfill` posting whose reference is the request and whose note names
  who they were issued to: nothing vanishes, the ledger says where the units went, and
  replenishment and ABC classes count them as demand like any fulfilment. The request is
  fulfilled at once. Refused (nothing written) when the source has too few available.
- four eyes: nobody decides on a request they asked for or submitted (FourEyes).

A request follows its transfer through `follow_transfer`, a listener registered with
`transfers.after_move` (in create_app): transfers never imports this package, the layers
stay as they are, and the change is written in the transaction of the transfer's own step.
Received -> the request is fulfilled; cancelled before shipping -> the request goes back
to submitted, to be approved from elsewhere or rejected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from warehouse import ledger, transfers
from warehouse.availability import expiry
from warehouse.catalog import locations
from warehouse.catalog.models import Location
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    FourEyes,
    InsufficientStock,
    LocationNotOffered,
    NoDestination,
    NoSource,
    RejectReasonRequired,
    SameLocation,
    StockRequestWrongState,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.models import MovementType
from warehouse.stock_requests import queries
from warehouse.stock_requests.lifecycle import S, _note, locked, move
from warehouse.stock_requests.models import Fulfilment, StockRequest
from warehouse.transfers.models import TransferLine, TransferStatus

REFERENCE = "stock_request"  # postings and transfers name a request as stock_request:SR-000001


# --- where from -------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """The location a request is best met from, and why."""

    location: Location
    covers: int  # units of the request it has available (each line up to its quantity)
    wanted: int  # units requested in all

    @property
    def why(self) -> str:
        # Each case a whole sentence: translators word "all" and a count differently.
        said = dict(location=self.location.code, covers=self.covers, wanted=self.wanted)
        if self.covers == self.wanted:
            if self.wanted == 1:
                return msg(
                    "{location} has the most of what is asked available: all of them (1 unit requested).",
                    **said,
                )
            return msg(
                "{location} has the most of what is asked available: all of them ({wanted} units requested).",
                **said,
            )
        if self.wanted == 1:
            return msg(
                "{location} has the most of what is asked available: {covers} of {wanted} (1 unit requested).",
                **said,
            )
        return msg(
            "{location} has the most of what is asked available: {covers} of {wanted} ({wanted} units requested).",
            **said,
        )


def usual_way(request: StockRequest) -> Fulfilment:
    """A request for a location is sent there (a transfer); one for a department alone is
    issued from stock."""
    return Fulfilment.TRANSFER if request.location_id else Fulfilment.ISSUE


def suggest_source(request: StockRequest, how: Fulfilment | str | None = None) -> Suggestion | None:
    """The active location (not transit) with the most of the request available: for each
    line, what it has up to the quantity asked, summed. A transfer never comes from the
    requester's own location; an issue may, and on a tie its own shelves come first. Other
    ties go to the location with more of those SKUs in all, then by code. None when no
    location has any of it. `how` defaults to the request's usual way."""
    return suggest_sources([request], how)[request.id]


def suggest_sources(requests: list[StockRequest], how: Fulfilment | str | None = None) -> dict:
    """suggest_source for a page of requests: two queries, whatever their number."""
    places = locations.places()
    products = {l.product_id for r in requests for l in r.lines}
    free = queries.available(products, {p.id for p in places}) if requests else {}
    return {r.id: _best(r, Fulfilment(how) if how else usual_way(r), places, free) for r in requests}


def _best(request: StockRequest, how: Fulfilment, places: list[Location], free: dict) -> Suggestion | None:
    if how is Fulfilment.TRANSFER:
        places = [p for p in places if p.id != request.location_id]

    def covers(place: Location) -> int:
        return sum(min(free.get((place.id, l.product_id), 0), l.qty) for l in request.lines)

    def rank(place: Location) -> tuple:  # the smallest is the best
        total = sum(free.get((place.id, l.product_id), 0) for l in request.lines)
        return (-covers(place), place.id != request.location_id, -total, place.code)

    best = min(places, key=rank, default=None)
    if best is None or covers(best) == 0:
        return None
    return Suggestion(best, covers(best), sum(l.qty for l in request.lines))


# --- deciding ---------------------------------------------------------------------------


def _decidable(request: StockRequest, actor_id: int) -> None:
    if request.status is not S.SUBMITTED:
        raise StockRequestWrongState(
            msg(
                "{number} is {status}: only a submitted request waits for a decision.",
                number=request.number,
                status=request.status,
            )
        )
    if actor_id in (request.requested_by, request.submitted_by):
        raise FourEyes(
            msg(
                "You asked for {number} (or submitted it): someone else approves or rejects it.",
                number=request.number,
            )
        )


def approve(
    request_id: int,
    how: Fulfilment | str,
    *,
    source_location_id: int | None = None,
    note: str | None = None,
    actor_id: int,
    key: str | None = None,
) -> StockRequest:
    """Approve a submitted request as a transfer or an issue from stock (see the module),
    from the source location chosen, or the suggested one. Checks, in order: the request
    is submitted (StockRequestWrongState); four eyes (FourEyes); a transfer has a
    destination (NoDestination) other than its source (SameLocation); the source is
    workable (LocationNotOffered) or one can be suggested (NoSource); the stock is there
    (InsufficientStock). Nothing is written when any refuses."""
    how, note = Fulfilment(how), _note(note)

    def run() -> StockRequest:
        request = locked(request_id)
        _decidable(request, actor_id)
        if how is Fulfilment.TRANSFER and request.location_id is None:
            raise NoDestination(
                msg(
                    "{number} is for {department}, not a location: issue it from stock instead.",
                    number=request.number,
                    department=request.department,
                )
            )
        source = _source(request, how, source_location_id)
        request.source_location_id, request.decided_by, request.decided_at = source.id, actor_id, utcnow()
        if how is Fulfilment.TRANSFER:
            _as_transfer(request, source, note, actor_id)
        else:
            _as_issue(request, source, note, actor_id)
        db.session.flush()
        return request

    fingerprint = [request_id, how.value, source_location_id, note]
    return commands.run(
        "stock_requests.approve",
        run,
        key=key,
        actor_id=actor_id,
        request=fingerprint,
        **commands.by_id(StockRequest),
    )


def _source(request: StockRequest, how: Fulfilment, source_location_id: int | None) -> Location:
    if source_location_id is None:
        suggestion = suggest_source(request, how)
        if suggestion is None:
            raise NoSource(
                msg(
                    "No location has any of {number}'s SKUs available (other than {location}). "
                    "Wait for stock, or reject the request.",
                    number=request.number,
                    location=request.location.code,
                )
                if how is Fulfilment.TRANSFER and request.location
                else msg(
                    "No location has any of {number}'s SKUs available. Wait for stock, or reject the request.",
                    number=request.number,
                )
            )
        return suggestion.location
    source = db.session.get(Location, source_location_id)
    if source is None or not locations.workable(source):
        raise LocationNotOffered(
            msg("Choose one of the listed locations (not transit, not inactive) as the source.")
        )
    if how is Fulfilment.TRANSFER and source.id == request.location_id:
        raise SameLocation(
            msg(
                "{number} is for {location}: send it from another location, or issue it from stock there.",
                number=request.number,
                location=source.code,
            )
        )
    return source


def _as_transfer(request: StockRequest, source: Location, note: str | None, actor_id: int) -> None:
    transfer = transfers.create(
        source.id,
        request.location_id,
        actor_id=actor_id,
        note=f"For stock request {request.number} ({request.requester_name})."[:500],
    )
    for line in request.lines:
        transfers.add_line(transfer.id, line.product, line.qty, actor_id=actor_id)
    transfers.approve(transfer.id, actor_id=actor_id)  # reserves at the source, or refuses all
    request.fulfilment, request.transfer_id = Fulfilment.TRANSFER, transfer.id
    said = f"as {transfer.number} from {source.code}" + (f": {note}" if note else "")
    move(request, S.APPROVED, actor_id=actor_id, note=said[:500])


def _as_issue(request: StockRequest, source: Location, note: str | None, actor_id: int) -> None:
    issued = ledger.post(
        MovementType.FULFILL,
        _issue_lines(request, source),
        actor_id=actor_id,
        key=f"{REFERENCE}:{request.id}:issue",
        reference=(REFERENCE, request.number),
        note=f"Issued from {source.code} to {request.requester_name} for {request.number}."[:500],
    )
    request.fulfilment, request.issue_posting_id = Fulfilment.ISSUE, issued.posting_id
    said = f"issued from stock at {source.code}" + (f": {note}" if note else "")
    move(request, S.APPROVED, actor_id=actor_id, note=said[:500])
    move(request, S.FULFILLED, actor_id=actor_id, note=f"{sum(l.qty for l in request.lines)} units issued")
    request.fulfilled_at = utcnow()


def _issue_lines(request: StockRequest, source: Location) -> list[ledger.Line]:
    """Each line's units from the source's bins in the order transfers take stock (FEFO,
    then the fullest bin; never receiving bins or expired lots); refused whole when a line
    is short."""
    out: dict[tuple, int] = defaultdict(int)
    for line in request.lines:
        wanted = line.qty
        for balance in expiry.fefo_candidates(line.product_id, source.id):
            qty = min(balance.available, wanted)
            out[(line.product_id, source.id, balance.bin_id, balance.lot_id)] -= qty
            wanted -= qty
            if wanted == 0:
                break
        if wanted:
            raise InsufficientStock(
                msg(
                    "Not enough {sku} at {location} to issue: available {available}, requested {requested}. "
                    "Issue it from another location, or send it as a transfer.",
                    sku=line.product.sku,
                    location=source.code,
                    available=line.qty - wanted,
                    requested=line.qty,
                )
            )
    return [ledger.Line(*key, qty=qty) for key, qty in sorted(out.items())]


def reject(request_id: int, reason: str, *, actor_id: int, key: str | None = None) -> StockRequest:
    """Say no to a submitted request, with the reason the requester reads."""
    reason = _note(reason)
    if not reason:
        raise RejectReasonRequired(
            msg("Say why the request is rejected, so the requester knows what to change.")
        )

    def run() -> StockRequest:
        request = locked(request_id)
        _decidable(request, actor_id)
        request.reject_reason, request.decided_by, request.decided_at = reason, actor_id, utcnow()
        move(request, S.REJECTED, actor_id=actor_id, note=reason)
        db.session.flush()
        return request

    return commands.run(
        "stock_requests.reject",
        run,
        key=key,
        actor_id=actor_id,
        request=[request_id, reason],
        **commands.by_id(StockRequest),
    )


# --- following the transfer -------------------------------------------------------------


def _short(moved: transfers.TransferMoved) -> str:
    """What of the request did not arrive in good order, for its history: fulfilled says
    the transfer was received, not that every unit asked for is usable."""
    asked, good, damaged, missing = db.session.execute(
        select(
            func.sum(TransferLine.qty_requested),
            func.sum(TransferLine.qty_received - TransferLine.qty_damaged),
            func.sum(TransferLine.qty_damaged),
            func.sum(TransferLine.qty_missing),
        ).where(TransferLine.transfer_id == moved.transfer_id)
    ).one()
    if not asked or good >= asked:
        return ""
    return f": {good} of {asked} in good order ({damaged} damaged, {missing} missing: see the transfer)"


def follow_transfer(moved: transfers.TransferMoved) -> None:
    """A `transfers.after_move` listener: the request approved as this transfer is
    fulfilled when it is received, and waits for a new decision when it is cancelled."""
    if moved.now not in (TransferStatus.RECEIVED, TransferStatus.CANCELLED):
        return
    request = db.session.scalar(
        select(StockRequest)
        .where(StockRequest.transfer_id == moved.transfer_id, StockRequest.status == S.APPROVED)
        .with_for_update()
    )
    if request is None:
        return
    if moved.now is TransferStatus.RECEIVED:
        move(request, S.FULFILLED, actor_id=moved.actor_id, note=f"{moved.number} received{_short(moved)}")
        request.fulfilled_at = utcnow()
        return
    move(request, S.SUBMITTED, actor_id=moved.actor_id, note=f"{moved.number} cancelled: decide again")
    request.fulfilment = request.transfer_id = request.source_location_id = None
    request.decided_by = request.decided_at = None
