"""The three ways a list is paged, shared by the pages, the API and the downloads.

- `keyset`: newest first by a unique key, the next page starting below the last key seen.
  Stable while new rows arrive (the movement history, where rows arrive all day).
- `offset`: page N of a fixed order, with the total when asked (the API's page/limit).
- `stream`: every row in key order, a batch at a time, each batch one short query on its
  own connection (a CSV download that runs for minutes holds no cursor, transaction or
  pooled connection between batches, and does not depend on the request's session,
  which Flask may close while the response is still streaming).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from warehouse.core.extensions import db


@dataclass
class Page:
    rows: list
    has_more: bool
    next_cursor: int | None = None  # keyset: where the next page starts
    total: int | None = None  # offset with count=True


def keyset(query: Select, key, *, before: int | None, size: int) -> Page:
    """One page of `query` (which orders by `key` descending) below `before`."""
    if before:
        query = query.where(key < before)
    rows = list(db.session.scalars(query.limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, has_more=more, next_cursor=getattr(rows[-1], key.key) if more else None)


def offset(query: Select, *, page: int, size: int, count: bool = False, scalars: bool = True) -> Page:
    """Page `page` (from 1) of `size` rows; `count`: also the total (one more query)."""
    total = None
    if count:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    result = db.session.execute(query.offset((page - 1) * size).limit(size + (0 if count else 1)))
    rows = list(result.scalars().unique() if scalars else result)
    if count:
        return Page(rows, has_more=page * size < total, total=total)
    return Page(rows[:size], has_more=len(rows) > size)


def stream(query: Select, key, *, batch: int) -> Iterator:
    """Every row of `query` in ascending `key` (selected as its first column), `batch` at a time."""
    last = None
    while True:
        with db.engine.connect() as connection:
            step = query if last is None else query.where(key > last)
            rows = connection.execute(step.limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1][0]
