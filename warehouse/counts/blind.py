"""Blind means blind: while a bin is in a count batch that is open or counting, whoever
might be counting it must not learn its on-hand from anywhere else (a look-up, a stock
page, the movement history, the API). Otherwise the count would copy the ledger instead
of checking it.

Who is blindfolded is one rule for every door (`blindfold_for`): operators do the
counting, so the pages, the floor and the API blindfold operators; supervisors and admins
review counts against the ledger and see everything (with a note that the bin is being
counted). The rest of this module says which bins and products that hides. A bin is hidden
while a line of it can still be counted (pending, or counted while the batch is still
counting); once the batch is submitted, or a recount leaves only other bins pending,
the bin is seen again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select

from warehouse.accounts.models import Role
from warehouse.core.extensions import db
from warehouse.counts.models import CountBatch, CountLine, CountLineStatus, CountStatus
from warehouse.ledger.models import Balance

COUNTING = (CountStatus.OPEN, CountStatus.COUNTING)
COUNTABLE = (CountLineStatus.PENDING, CountLineStatus.COUNTED)
BEING_COUNTED = "being counted"  # what a reader is told instead of the quantity


def _bins_query(location_id: int | None = None) -> Select:
    # From the (few) batches still counting to their lines by ix_count_lines_batch_bin:
    # resolved batches, however many, are never read line by line.
    query = (
        select(CountLine.bin_id)
        .join(CountBatch, CountBatch.id == CountLine.batch_id)
        .where(CountBatch.status.in_(COUNTING), CountLine.status.in_(COUNTABLE))
        .distinct()
    )
    if location_id is not None:
        query = query.where(CountBatch.location_id == location_id)
    return query


def bins_being_counted(location_id: int | None = None) -> frozenset[int]:
    """Ids of the bins in a batch that is open or counting (of one location, or all), in
    one query."""
    return frozenset(db.session.scalars(_bins_query(location_id)))


@dataclass(frozen=True)
class Blindfold:
    """What one reader may not see. `counting`: the bins being counted; `blind`: whether
    this reader is kept from their on-hand, and from every figure that sums them (a
    product's total would give the bin's quantity away by subtraction). A reader who is
    not blind still sees which bins are being counted (a note beside the figures)."""

    counting: frozenset[int] = frozenset()
    blind: bool = False

    @property
    def bins(self) -> frozenset[int]:
        """The bins whose figures are hidden from this reader."""
        return self.counting if self.blind else frozenset()

    def __bool__(self) -> bool:
        return bool(self.bins)

    def hides(self, bin_id: int) -> bool:
        return self.blind and bin_id in self.counting

    def notes(self, bin_id: int) -> bool:
        """Whether to say the bin is being counted (to every reader)."""
        return bin_id in self.counting

    def counted_totals(self, product_ids: Iterable[int]) -> frozenset[tuple[int, int]]:
        """(product, location) pairs of these products whose location totals sum a bin
        being counted (withheld from a blind reader). One query, none while nothing is
        being counted."""
        ids = set(product_ids)
        if not self.counting or not ids:
            return frozenset()
        query = (
            select(Balance.product_id, Balance.location_id)
            .where(Balance.bin_id.in_(self.counting), Balance.product_id.in_(ids))
            .distinct()
        )
        return frozenset((product_id, location_id) for product_id, location_id in db.session.execute(query))


SEES_ALL = Blindfold()


def blindfold(blind: bool, location_id: int | None = None) -> Blindfold:
    """The blindfold for a reader (the door decides who is blind): the bins being counted
    (of one location, or all), hidden when `blind`, else only noted."""
    return Blindfold(bins_being_counted(location_id), blind)


def blindfold_for(role: Role) -> Blindfold:
    """The blindfold of a person of this role: operators are blind to the bins being
    counted (every location), supervisors and admins only see them noted."""
    return blindfold(Role(role) is Role.OPERATOR)
