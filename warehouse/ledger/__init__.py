"""The stock ledger, the only code that changes stock: postings and their movements,
balances, the audit (verify), stock at a point in time, movement history and stock reads,
adjustments and retention."""

from warehouse.ledger.posting import (
    MAX_BALANCE,
    MAX_LINE_QTY,
    Line,
    Posted,
    PostingMade,
    after_posting,
    atomically,
    balance,
    balances,
    describe_keys,
    mark_counted,
    post,
    stock_at,
    verify,
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
