"""Many balance keys set to the quantities really there, in one transaction: a bulk
adjustment by actual quantity (each line: a product, a place, the actual quantity and a
reason).

All or nothing. Every line is checked first (the product, the place, the lot, the reason,
then the stock: units reserved or held there cannot be adjusted away); any refused line
refuses the whole call, naming each refused line by its index (AdjustmentsRefused), and
nothing is written. Then one posting per reason moves every key whose actual differs
from the ledger, all in the caller's transaction. A line whose actual equals the ledger
posts nothing and is answered all the same.

A line with reason `physical_count` is a count: its posting is an `adjustment_count` and
the key is marked counted (as `count_to` does for one key); every other reason posts an
`adjustment`. Free text as the reason is reason `other` with the text as the posting's
note.

Reads are grouped (a handful of queries, whatever the number of lines), and the balance
rows are read locked in the ledger's key order, so a posting racing the call cannot slip
between reading a key's quantity and posting the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select, tuple_

from warehouse import ledger
from warehouse.catalog import lots
from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product, ProductBarcode
from warehouse.catalog.scan import gtin_candidates
from warehouse.core.clock import utcnow
from warehouse.core.errors import (
    AdjustmentsRefused,
    BinNotNamed,
    DomainError,
    ExpiryMismatch,
    ExpiryRequired,
    InsufficientStock,
    InventoryNotTracked,
    LotNotTracked,
    LotRequired,
    NotFound,
    NothingToPost,
    QuantityOutOfRange,
    StockChangedWhilePosting,
    StockRowListedTwice,
    TooManyLines,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import RaceLost
from warehouse.ledger.adjustments import reason_of
from warehouse.ledger.models import Balance, Movement, MovementType, ReasonCode

MAX_LINES = 500  # a count sheet's worth; a bigger stocktake is split into calls


@dataclass(frozen=True)
class Actual:
    """One line as sent: the product (SKU or barcode, or id), the location (code or id),
    the bin (code or label; left out: the one bin of the location holding the product),
    the lot, and how many units are really there."""

    actual: int
    reason: str = ""
    sku: str | None = None
    product_id: int | None = None
    location_code: str | None = None
    location_id: int | None = None
    bin_code: str = ""
    lot_code: str = ""
    expiry: date | None = None  # a new lot of an expiry-tracked product needs it


@dataclass
class SetTo:
    """What one line did: the key, its on-hand before and after, and the posting (None
    when the actual agreed with the ledger)."""

    index: int
    product: Product
    bin: Bin
    lot: Lot | None  # None: no lot, or a new lot that was not needed (an actual of 0)
    lot_code: str
    actual: int
    reason: ReasonCode
    note: str
    expiry: date | None = None
    before: int = 0
    after: int = 0
    posting_id: int | None = None
    movement_id: int | None = None
    recorded_at: datetime | None = None

    @property
    def adjustment(self) -> int:
        return self.after - self.before

    @property
    def key(self) -> tuple[int, int, int] | None:
        """(product, bin, lot) ids; None for a lot that does not exist (yet)."""
        if self.lot is None and self.lot_code:
            return None
        return (self.product.id, self.bin.id, self.lot.id if self.lot else NO_LOT)

    @property
    def identity(self) -> tuple[int, int, str]:
        """The balance key by lot code: a new lot has no id yet."""
        return (self.product.id, self.bin.id, self.lot_code)

    @property
    def type(self) -> MovementType:
        counted = self.reason is ReasonCode.PHYSICAL_COUNT
        return MovementType.ADJUSTMENT_COUNT if counted else MovementType.ADJUSTMENT


def set_actual(lines: Sequence[Actual], *, actor_id: int, reference: str = "") -> list[SetTo]:
    """Set each line's key to its actual quantity (see the module docstring). Answers every
    line in order; raises AdjustmentsRefused naming each refused line, writing nothing."""
    if not lines:
        raise NothingToPost(msg("Send at least one line."))
    if len(lines) > MAX_LINES:
        raise TooManyLines(
            msg("At most {limit} lines per call: send the rest in another call.", limit=MAX_LINES)
        )
    return ledger.atomically(_set_actual, list(lines), actor_id, reference)


def _set_actual(lines: list[Actual], actor_id: int, reference: str) -> list[SetTo]:
    known, checked, problems, seen = _Known(lines), [], [], {}
    for index, line in enumerate(lines):
        try:
            item = known.check(index, line)
            if item.identity in seen:
                raise StockRowListedTwice(_listed_twice(item, seen[item.identity]))
            seen[item.identity] = index
            checked.append(item)
        except DomainError as refusal:
            problems.append(_problem(index, line, refusal))
    held = _locked(checked)
    for item in checked:
        try:
            _check_stock(item, held)
        except DomainError as refusal:
            problems.append(_problem(item.index, lines[item.index], refusal))
    if problems:
        problems.sort(key=lambda p: p["index"])
        raise AdjustmentsRefused(_summary(problems, len(lines)), problems)
    _post(checked, actor_id, reference)
    return checked


class _Known:
    """The products, locations, bins and lots the lines name, in a few grouped queries."""

    def __init__(self, lines: list[Actual]):
        self.products = _products(lines)
        self.locations = _locations(lines)
        location_ids = {loc.id for loc in self.locations.values()}
        codes = {line.bin_code for line in lines if line.bin_code}
        self.bins: dict[tuple[int, str], Bin] = {}
        if codes and location_ids:
            for bin in db.session.scalars(
                select(Bin).where(
                    Bin.location_id.in_(location_ids), or_(Bin.code.in_(codes), Bin.barcode.in_(codes))
                )
            ):
                self.bins[(bin.location_id, bin.code)] = bin
                self.bins.setdefault((bin.location_id, bin.barcode), bin)
        product_ids = {p.id for p in self.products.values()}
        lot_codes = {line.lot_code for line in lines if line.lot_code}
        self.lots = {
            (lot.product_id, lot.code): lot
            for lot in (
                db.session.scalars(
                    select(Lot).where(Lot.product_id.in_(product_ids), Lot.code.in_(lot_codes))
                )
                if lot_codes and product_ids
                else []
            )
        }
        unbinned = any(not line.bin_code for line in lines)
        self.holding = _bins_holding(product_ids, location_ids) if unbinned else {}

    def check(self, index: int, line: Actual) -> SetTo:
        actual = line.actual
        if not isinstance(actual, int) or isinstance(actual, bool) or not 0 <= actual <= ledger.MAX_LINE_QTY:
            raise QuantityOutOfRange(
                msg("The actual quantity is a whole number, 0 to {limit:,}.", limit=ledger.MAX_LINE_QTY)
            )
        product = self._product(line)
        if not product.track_inventory:
            raise InventoryNotTracked(
                msg("{sku} does not track inventory: it holds no stock.", sku=product.sku)
            )
        location = self._location(line)
        bin = self._bin(product, location, line.bin_code)
        lot = self._lot(product, line)
        reason, note = reason_of(line.reason)
        return SetTo(index, product, bin, lot, line.lot_code, line.actual, reason, note, line.expiry)

    def _product(self, line: Actual) -> Product:
        found = self.products.get(("sku", line.sku) if line.sku else ("id", line.product_id))
        if found is None:
            if line.sku:
                raise NotFound(
                    msg("No product with SKU or barcode {code}. Check the code.", code=repr(line.sku))
                )
            raise NotFound(msg("No product with id {id}. Check the code.", id=line.product_id))
        return found

    def _location(self, line: Actual) -> Location:
        key = ("code", line.location_code) if line.location_code else ("id", line.location_id)
        found = self.locations.get(key)
        if found is None:
            if line.location_code:
                raise NotFound(msg("No location {code}. Check the code.", code=repr(line.location_code)))
            raise NotFound(msg("No location with id {id}. Check the code.", id=line.location_id))
        return found

    def _bin(self, product: Product, location: Location, code: str) -> Bin:
        if code:
            found = self.bins.get((location.id, code))
            if found is None:
                raise NotFound(
                    msg(
                        "No bin {bin} in {location}. Check the bin label.",
                        bin=repr(code),
                        location=location.code,
                    )
                )
            return found
        holding = self.holding.get((product.id, location.id), [])
        if len(holding) != 1:
            key = dict(sku=product.sku, location=location.code)
            if holding:
                raise BinNotNamed(msg("{sku} is in several bins at {location}: name the bin.", **key))
            raise BinNotNamed(msg("{sku} is in no bin at {location}: name the bin.", **key))
        return holding[0]

    def _lot(self, product: Product, line: Actual) -> Lot | None:
        if not line.lot_code:
            if product.lot_tracked:
                raise LotRequired(msg("{sku} is lot-tracked: give the lot.", sku=product.sku))
            return None
        if not product.lot_tracked:
            raise LotNotTracked(msg("{sku} is not lot-tracked: leave the lot out.", sku=product.sku))
        lot = self.lots.get((product.id, line.lot_code))
        if lot is not None:
            if line.expiry and lot.expiry_date and lot.expiry_date != line.expiry:
                raise ExpiryMismatch(
                    msg(
                        "Lot {lot} of {sku} expires {recorded} on record, not {given}. Check the label.",
                        lot=lot.code,
                        sku=product.sku,
                        recorded=lot.expiry_date,
                        given=line.expiry,
                    )
                )
            return lot
        if line.actual and product.expiry_tracked and line.expiry is None:
            raise ExpiryRequired(
                msg("{sku} lot {lot} is new: give its expiry date.", sku=product.sku, lot=line.lot_code)
            )
        return None  # a new lot: made when stock is posted to it


def _products(lines: list[Actual]) -> dict[tuple[str, object], Product]:
    """By ("sku", code) and ("id", id): SKUs and ids in one query, then the codes that are
    no SKU by their barcodes (a GTIN at any printed length) in one more."""
    skus = {line.sku for line in lines if line.sku}
    ids = {line.product_id for line in lines if line.product_id is not None}
    found: dict[tuple[str, object], Product] = {}
    for product in db.session.scalars(select(Product).where(or_(Product.sku.in_(skus), Product.id.in_(ids)))):
        found[("sku", product.sku)] = product
        found[("id", product.id)] = product
    unknown = {code: gtin_candidates(code) for code in skus if ("sku", code) not in found}
    if unknown:
        wanted = set().union(*unknown.values())
        by_barcode = dict(
            db.session.execute(
                select(ProductBarcode.code, Product)
                .join(Product, Product.id == ProductBarcode.product_id)
                .where(ProductBarcode.code.in_(wanted))
            ).all()
        )
        for code, candidates in unknown.items():
            product = next((by_barcode[c] for c in sorted(candidates) if c in by_barcode), None)
            if product is not None:
                found[("sku", code)] = product
    return found


def _locations(lines: list[Actual]) -> dict[tuple[str, object], Location]:
    codes = {line.location_code for line in lines if line.location_code}
    ids = {line.location_id for line in lines if line.location_id is not None}
    found: dict[tuple[str, object], Location] = {}
    for location in db.session.scalars(
        select(Location).where(or_(Location.code.in_(codes), Location.id.in_(ids)))
    ):
        found[("code", location.code)] = location
        found[("id", location.id)] = location
    return found


def _bins_holding(product_ids: set[int], location_ids: set[int]) -> dict[tuple[int, int], list[Bin]]:
    """(product, location) -> the bins there with the product on hand, for lines without
    a bin: one query."""
    holding: dict[tuple[int, int], list[Bin]] = {}
    if not product_ids or not location_ids:
        return holding
    query = (
        select(Balance.product_id, Bin)
        .join(Bin, Bin.id == Balance.bin_id)
        .where(
            Balance.product_id.in_(product_ids), Balance.location_id.in_(location_ids), Balance.on_hand > 0
        )
        .distinct()
        .order_by(Bin.code)
    )
    for product_id, bin in db.session.execute(query):
        holding.setdefault((product_id, bin.location_id), []).append(bin)
    return holding


def _locked(items: list[SetTo]) -> dict[tuple[int, int, int], tuple[int, int, int]]:
    """(on_hand, reserved, held) of the keys that exist, read locked in the ledger's key
    order (product, location, bin, lot), so the postings after take no lock out of order."""
    keys = [i.key for i in items if i.key is not None]
    if not keys:
        return {}
    rows = db.session.execute(
        select(
            Balance.product_id,
            Balance.bin_id,
            Balance.lot_id,
            Balance.on_hand,
            Balance.reserved,
            Balance.held,
        )
        .where(tuple_(Balance.product_id, Balance.bin_id, Balance.lot_id).in_(keys))
        .order_by(Balance.product_id, Balance.location_id, Balance.bin_id, Balance.lot_id)
        .with_for_update()
    )
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5]) for r in rows}


def _check_stock(item: SetTo, held: dict) -> None:
    """The actual may not go below what is reserved or held there (the units are promised
    or on hold), nor move more than a line may."""
    on_hand, reserved, on_hold = held.get(item.key, (0, 0, 0))
    item.before, item.after = on_hand, item.actual
    if item.actual < reserved + on_hold:
        raise InsufficientStock(_held_back(item, reserved, on_hold))
    if abs(item.adjustment) > ledger.MAX_LINE_QTY:
        raise QuantityOutOfRange(
            msg("An adjustment moves at most {limit:,} units per line.", limit=ledger.MAX_LINE_QTY)
        )


def _held_back(item: SetTo, reserved: int, on_hold: int) -> str:
    # With the lot and without: each a whole sentence, for translators.
    key = dict(sku=item.product.sku, bin=item.bin.code, lot=item.lot_code)
    counts = dict(reserved=reserved, held=on_hold, least=reserved + on_hold, **key)
    if item.lot_code:
        return msg(
            "{sku} at {bin} (lot {lot}): {reserved} reserved and {held} held there, so the actual quantity "
            "cannot be below {least}. Release the reservations or holds first, then send the line again.",
            **counts,
        )
    return msg(
        "{sku} at {bin}: {reserved} reserved and {held} held there, so the actual quantity "
        "cannot be below {least}. Release the reservations or holds first, then send the line again.",
        **counts,
    )


def _post(items: list[SetTo], actor_id: int, reference: str) -> None:
    """One posting per (type, reason, note) of the lines that change stock, then the
    counted keys marked and the movement ids read back in one query."""
    groups: dict[tuple, list[SetTo]] = {}
    for item in items:
        if item.adjustment:
            if item.lot is None and item.lot_code:
                item.lot = lots.find_or_create(item.product, item.lot_code, item.expiry)
            groups.setdefault((item.type, item.reason, item.note), []).append(item)
    for (type, reason, note), group in groups.items():
        posted = ledger.post(
            type,
            [ledger.Line.at(i.bin, i.product, i.lot, qty=i.adjustment) for i in group],
            actor_id=actor_id,
            reference=("adjustment", reference) if reference else None,
            reason=reason,
            note=note or None,
        )
        for i in group:
            i.posting_id, i.recorded_at = posted.posting_id, posted.recorded_at
            _still_as_read(i, posted)
    now = utcnow()
    for item in items:  # a count that agreed was a count all the same
        if item.reason is ReasonCode.PHYSICAL_COUNT and item.key is not None:
            ledger.mark_counted(*item.key, now)
    _movement_ids(items)


def _still_as_read(item: SetTo, posted: ledger.Posted) -> None:
    """The key ends at the actual quantity, or the whole request runs again: a key that did
    not exist when it was read (so was not locked) may have been created by a concurrent
    posting since, and the difference posted on top of its units would miss the actual."""
    line_key = (item.product.id, item.bin.location_id, item.bin.id, item.lot.id if item.lot else NO_LOT)
    if posted.balances_after[line_key][0] != item.actual:
        raise RaceLost(
            StockChangedWhilePosting(
                msg(
                    "{sku} at {bin} changed while it was being set: send the request again.",
                    sku=item.product.sku,
                    bin=item.bin.code,
                )
            )
        )


def _movement_ids(items: list[SetTo]) -> None:
    by_key = {(i.posting_id, *i.key): i for i in items if i.posting_id}
    posting_ids = {i.posting_id for i in items if i.posting_id}
    if not posting_ids:
        return
    rows = db.session.execute(
        select(Movement.id, Movement.posting_id, Movement.product_id, Movement.bin_id, Movement.lot_id).where(
            Movement.posting_id.in_(posting_ids)
        )
    )
    for movement_id, *key in rows:
        if (item := by_key.get(tuple(key))) is not None:
            item.movement_id = movement_id


def _listed_twice(item: SetTo, line: int) -> str:
    # With the lot and without: each a whole sentence, for translators.
    key = dict(sku=item.product.sku, bin=item.bin.code, lot=item.lot_code, line=line)
    if item.lot_code:
        return msg(
            "{sku} at {bin} (lot {lot}) is on line {line} already: send each SKU x bin x lot once, with its total.",
            **key,
        )
    return msg(
        "{sku} at {bin} is on line {line} already: send each SKU x bin x lot once, with its total.", **key
    )


def _problem(index: int, line: Actual, refusal: DomainError) -> dict:
    return {
        "index": index,
        "sku": line.sku,
        "product_id": line.product_id,
        "location": line.location_code,
        "warehouse_id": line.location_id,
        "bin": line.bin_code or None,
        "lot": line.lot_code or None,
        "code": refusal.code,
        "message": refusal.message,
    }


def _summary(problems: list[dict], total: int) -> str:
    first = problems[0]
    return msg(
        "Nothing was adjusted: {refused} of {total} lines are refused (each is named in details.items). "
        "The first, line {index}: {first}",
        refused=len(problems),
        total=total,
        index=first["index"],
        first=first["message"],
    )
