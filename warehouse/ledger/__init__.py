"""The stock ledger, the only code that changes stock: postings and their movements,
balances, the audit (verify), stock at a point in time, movement history and stock reads,
adjustments and retention."""

from warehouse.ledger.audit import describe_keys, verify
from warehouse.ledger.history import balance, stock_at
from warehouse.ledger.posting import (
    MAX_BALANCE,
    MAX_LINE_QTY,
    Line,
    Posted,
    PostingMade,
    after_posting,
    atomically,
    balances,
    mark_counted,
    post,
)

__all__ = [
    "Line",
    "MAX_BALANCE",
    "MAX_LINE_QTY",
    "Posted",
    "PostingMade",
    "after_posting",
    "atomically",
    "balance",
    "balances",
    "describe_keys",
    "mark_counted",
    "post",
    "stock_at",
    "verify",
]
