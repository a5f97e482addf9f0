"""Blind cycle counts: batches, counting, supervisor review, ABC classes, count requests."""

from warehouse.core.errors import CountRefused, FourEyes
from warehouse.counts.batches import (
    Selection,
    bins_to_count,
    blind_form,
    by_number,
    can_move,
    cancel,
    create,
    create_due,
    create_from_requests,
    get,
    header,
    listing,
    open_requests,
)
from warehouse.counts.blind import BEING_COUNTED, SEES_ALL, Blindfold, bins_being_counted, blindfold
from warehouse.counts.counting import MAX_COUNT, bin_empty, record, submit
from warehouse.counts.review import (
    DEFAULT_TOLERANCES,
    Tolerance,
    accept,
    recount,
    reject,
    value,
    within_tolerance,
)

__all__ = [
    "BEING_COUNTED",
    "Blindfold",
    "CountRefused",
    "DEFAULT_TOLERANCES",
    "FourEyes",
    "MAX_COUNT",
    "SEES_ALL",
    "Selection",
    "Tolerance",
    "accept",
    "bin_empty",
    "bins_being_counted",
    "bins_to_count",
    "blind_form",
    "blindfold",
    "by_number",
    "can_move",
    "cancel",
    "create",
    "create_due",
    "create_from_requests",
    "get",
    "header",
    "listing",
    "open_requests",
    "record",
    "recount",
    "reject",
    "submit",
    "value",
    "within_tolerance",
]
