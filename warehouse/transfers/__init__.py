"""Stock between locations: draft -> approved (reserved) -> in transit -> received ->
completed, with picking, shipping and receiving."""

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
from warehouse.transfers.picking import pick, pick_bins, ship, ship_as_reserved, short_pick
from warehouse.transfers.queries import (
    INBOUND,
    available_at,
    available_for,
    available_in,
    by_number,
    get,
    listing,
    units_arriving,
    units_in_transit,
)
from warehouse.transfers.receiving import (
    LineCount,
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
    "listing",
    "pick",
    "pick_bins",
    "receive_as_counted",
    "set_received",
    "ship",
    "ship_as_reserved",
    "short_pick",
    "units_arriving",
    "units_in_transit",
]
