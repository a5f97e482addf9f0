"""Stock between locations: draft -> approved (reserved) -> in transit -> received ->
completed, with picking, shipping, receiving (damaged units on hold at the destination)
and the units missing on arrival (found or lost)."""

from warehouse.core.errors import PickRefused, TransferWrongState
from warehouse.transfers.lifecycle import (
    MAX_QTY,
    TRANSITIONS,
    S,
    add_line,
    allocation_candidates,
    approve,
    can_move,
    cancel,
    change_line,
    complete,
    create,
)
from warehouse.transfers.missing import Resolved, missing_lines, resolve_missing
from warehouse.transfers.picking import pick, pick_bins, ship, ship_as_reserved, short_pick
from warehouse.transfers.queries import (
    INBOUND,
    available_at,
    available_for,
    available_in,
    by_number,
    get,
    header,
    ids_by_number,
    listing,
    units_arriving,
    units_in_transit,
)
from warehouse.transfers.receiving import (
    LineCount,
    Received,
    count_received,
    finish_receiving,
    receive_as_counted,
    set_received,
)

__all__ = [
    "INBOUND",
    "LineCount",
    "MAX_QTY",
    "PickRefused",
    "Received",
    "Resolved",
    "S",
    "TRANSITIONS",
    "TransferWrongState",
    "add_line",
    "allocation_candidates",
    "approve",
    "available_at",
    "available_for",
    "available_in",
    "by_number",
    "can_move",
    "cancel",
    "change_line",
    "complete",
    "count_received",
    "create",
    "finish_receiving",
    "get",
    "header",
    "ids_by_number",
    "listing",
    "missing_lines",
    "pick",
    "pick_bins",
    "receive_as_counted",
    "resolve_missing",
    "set_received",
    "ship",
    "ship_as_reserved",
    "short_pick",
    "units_arriving",
    "units_in_transit",
]
