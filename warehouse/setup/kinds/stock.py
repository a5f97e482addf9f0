"""Opening stock: the quantity on hand of a SKU in a bin (and lot), as a warehouse starts
using the system. Each chunk of rows is ONE posting through the ledger, type
adjustment_count with reason opening_balance: the row's quantity is what the bin holds
afterwards (the posting moves the difference), so importing the same file twice, or a
corrected file, never doubles stock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from sqlalchemy import select, tuple_

from warehouse import ledger
from warehouse.catalog import lots
from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product
from warehouse.core.csv_safe import FORMULA_STARTS
from warehouse.core.errors import (
    BinCapacityExceeded,
    BinNotAtLocation,
    DomainError,
    ExpiryMismatch,
    ExpiryRequired,
    InsufficientStock,
    LotNotTracked,
    LotRequired,
    NotFound,
    ProductInactive,
    StockRowListedTwice,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.models import Balance, MovementType, ReasonCode
from warehouse.setup.columns import Cells, Column
from warehouse.setup.kinds.rows import judged
from warehouse.setup.places import units_in_bins

COLUMNS = [
    Column("sku", ("item", "item_code", "product_code"), required=True),
    Column("location", ("location_code", "warehouse", "site"), required=True),
    Column("bin", ("bin_code", "slot", "bin_location"), required=True),
    Column("lot", ("lot_code", "batch", "lot_number", "batch_number")),
    Column("expiry", ("expiry_date", "expires", "best_before", "use_by")),
    Column("quantity", ("qty", "on_hand", "count", "units", "stock"), required=True),
]


def parse(cells: Cells) -> dict:
    quantity = cells.whole("quantity", low=0, high=ledger.MAX_LINE_QTY)
    if quantity is None:
        raise ValueError(msg("quantity is missing: write the units on hand (0 or more)."))
    lot = cells.text("lot")
    if len(lot) > 64:
        raise ValueError(msg("lot is over 64 characters: check that cell."))
    if lot.startswith(FORMULA_STARTS):
        raise ValueError(
            msg("lot {lot} starts with {sign}: start it with a letter or digit.", lot=lot[:20], sign=lot[0])
        )
    expiry = cells.day("expiry")
    return {
        "sku": cells.text("sku"),
        "location": cells.text("location"),
        "bin": cells.text("bin").upper(),
        "lot": lot or None,
        "expiry": expiry.isoformat() if expiry else None,
        "quantity": quantity,
    }


def identity(row: dict) -> list[tuple[Callable, tuple]]:
    key = (row["sku"], row["location"], row["bin"], row["lot"])
    where = dict(sku=row["sku"], location=row["location"], bin=row["bin"])

    def twice(first: int):
        if row["lot"]:
            return msg(
                "{sku} in {location} {bin} lot {lot} is listed twice (first in row {first}): list it once.",
                lot=row["lot"],
                first=first,
                **where,
            )
        return msg(
            "{sku} in {location} {bin} is listed twice (first in row {first}): list it once.",
            first=first,
            **where,
        )

    return [(twice, key)]


class _Known:
    def __init__(self, rows: list[dict]):
        self.products = {
            p.sku: p
            for p in db.session.scalars(select(Product).where(Product.sku.in_({r["sku"] for r in rows})))
        }
        self.locations = {
            loc.code: loc
            for loc in db.session.scalars(
                select(Location).where(Location.code.in_({r["location"] for r in rows}))
            )
        }
        pairs = {
            (self.locations[r["location"]].id, r["bin"]) for r in rows if r["location"] in self.locations
        }
        self.bins = {
            (b.location_id, b.code): b
            for b in (
                db.session.scalars(select(Bin).where(tuple_(Bin.location_id, Bin.code).in_(pairs)))
                if pairs
                else []
            )
        }
        wanted = {
            (self.products[r["sku"]].id, r["lot"]) for r in rows if r["sku"] in self.products and r["lot"]
        }
        self.lots = {
            (lot.product_id, lot.code): lot
            for lot in (
                db.session.scalars(select(Lot).where(tuple_(Lot.product_id, Lot.code).in_(wanted)))
                if wanted
                else []
            )
        }
        # What each key keeps back (reserved + held): an opening quantity below it is refused.
        keys = {
            (p.id, b.id, self.lots[(p.id, lot)].id if lot else NO_LOT)
            for p, b, lot in (
                (
                    self.products.get(r["sku"]),
                    self.bins.get((getattr(self.locations.get(r["location"]), "id", None), r["bin"])),
                    r["lot"],
                )
                for r in rows
            )
            if p is not None and b is not None and (not lot or (p.id, lot) in self.lots)
        }
        # Per key in the file: (on hand, reserved + held). An opening quantity below what is
        # kept back is refused; the on hand is what a bin's capacity already counts.
        self.keys = {
            (product_id, bin_id, lot_id): (on_hand, reserved + held)
            for product_id, bin_id, lot_id, on_hand, reserved, held in (
                db.session.execute(
                    select(
                        Balance.product_id,
                        Balance.bin_id,
                        Balance.lot_id,
                        Balance.on_hand,
                        Balance.reserved,
                        Balance.held,
                    ).where(tuple_(Balance.product_id, Balance.bin_id, Balance.lot_id).in_(keys))
                )
                if keys
                else []
            )
        }
        limited = [b.id for b in self.bins.values() if b.capacity is not None]
        self.in_bin = units_in_bins(limited)  # units in each bin with a capacity, as it is
        self.new_lots: dict[tuple[int, str], str | None] = {}  # lots the file makes: their expiry
        self.seen: set[tuple] = set()

    def check(self, row: dict) -> tuple[Product, Bin]:
        product, location = self.products.get(row["sku"]), self.locations.get(row["location"])
        if product is None:
            raise NotFound(msg("No product {sku}. Import or create it first.", sku=repr(row["sku"])))
        if location is None:
            raise NotFound(
                msg("No location {code}. Create it on the Locations page first.", code=repr(row["location"]))
            )
        bin = self.bins.get((location.id, row["bin"]))
        if bin is None or not bin.active:
            raise BinNotAtLocation(
                msg(
                    "No active bin {bin} at {location}. Add the bin first.",
                    bin=row["bin"],
                    location=location.code,
                )
            )
        if not product.active or not product.track_inventory:
            raise ProductInactive(
                msg(
                    "{sku} is inactive: it takes no opening stock. Change the product first.", sku=product.sku
                )
                if not product.active
                else msg(
                    "{sku} is not stock-tracked: it takes no opening stock. Change the product first.",
                    sku=product.sku,
                )
            )
        if not location.active:
            raise BinNotAtLocation(
                msg("{location} is inactive: it takes no opening stock.", location=location.code)
            )
        lot = self.lots.get((product.id, row["lot"]))
        _check_lot(product, row, lot)
        self._same_new_lot(product, row, lot)
        on_hand, kept = self.keys.get((product.id, bin.id, lot.id if lot else NO_LOT), (0, 0))
        if row["quantity"] < kept:
            raise InsufficientStock(_kept_back(product, bin, row, kept))
        key = (product.id, bin.id, row["lot"])
        if key in self.seen:
            raise StockRowListedTwice(
                msg(
                    "{sku} in {bin} lot {lot} is listed twice: list it once, with the total.",
                    sku=product.sku,
                    bin=bin.code,
                    lot=row["lot"],
                )
                if row["lot"]
                else msg(
                    "{sku} in {bin} is listed twice: list it once, with the total.",
                    sku=product.sku,
                    bin=bin.code,
                )
            )
        self._fits(bin, row["quantity"] - on_hand)
        self.seen.add(key)
        return product, bin

    def _fits(self, bin: Bin, change: int) -> None:
        """A bin with a capacity holds no more than it: the rows before this one count."""
        if bin.capacity is None:
            return
        after = self.in_bin.get(bin.id, 0) + change
        if after > bin.capacity:
            raise BinCapacityExceeded(
                msg(
                    "Bin {bin} holds at most {capacity:,} units; with this row it would hold {after:,}. "
                    "Spread the units over more bins, or raise the bin's capacity.",
                    bin=bin.code,
                    capacity=bin.capacity,
                    after=after,
                )
            )
        self.in_bin[bin.id] = after

    def _same_new_lot(self, product: Product, row: dict, lot: Lot | None) -> None:
        """A lot the file makes has one expiry, in whichever bins it is listed."""
        if lot is not None or not row["lot"]:
            return
        seen = self.new_lots.setdefault((product.id, row["lot"]), row["expiry"])
        if seen != row["expiry"]:
            raise ExpiryMismatch(
                msg(
                    "Lot {lot} of {sku} is given two expiry dates ({first} and {second}): give one.",
                    lot=row["lot"],
                    sku=product.sku,
                    first=_day(seen),
                    second=_day(row["expiry"]),
                )
            )


def _check_lot(product: Product, row: dict, lot: Lot | None) -> None:
    if product.lot_tracked and not row["lot"]:
        raise LotRequired(msg("{sku} is lot-tracked: give the lot of these units.", sku=product.sku))
    if not product.lot_tracked and row["lot"]:
        raise LotNotTracked(
            msg("{sku} is not lot-tracked: clear the lot (or make the product lot-tracked).", sku=product.sku)
        )
    expiry = date.fromisoformat(row["expiry"]) if row["expiry"] else None
    if product.expiry_tracked and expiry is None and (lot is None or lot.expiry_date is None):
        raise ExpiryRequired(msg("{sku} lot {lot} needs its expiry date.", sku=product.sku, lot=row["lot"]))
    if lot is not None and expiry and lot.expiry_date and lot.expiry_date != expiry:
        raise ExpiryMismatch(
            msg(
                "Lot {lot} of {sku} expires {recorded} on record, not {given}: check the date.",
                lot=lot.code,
                sku=product.sku,
                recorded=lot.expiry_date,
                given=expiry,
            )
        )


def _day(iso: str | None) -> date | None:
    """A row's expiry (ISO text, or none), a date again: said the reader's way."""
    return date.fromisoformat(iso) if iso else None


def _kept_back(product: Product, bin: Bin, row: dict, kept: int):
    """The quantity asked is below what is reserved or held (with the lot, if any)."""
    if row["lot"]:
        return msg(
            "{sku} in {bin} lot {lot} has {kept:,} units reserved or held: "
            "the quantity cannot be set below that (the file says {quantity:,}).",
            sku=product.sku,
            bin=bin.code,
            lot=row["lot"],
            kept=kept,
            quantity=row["quantity"],
        )
    return msg(
        "{sku} in {bin} has {kept:,} units reserved or held: "
        "the quantity cannot be set below that (the file says {quantity:,}).",
        sku=product.sku,
        bin=bin.code,
        kept=kept,
        quantity=row["quantity"],
    )


def check(rows: list[dict]) -> list[str | None]:
    return judged(rows, _Known(rows).check)


def apply(rows: list[dict], *, skip_bad: bool, actor_id: int | None, reference: str) -> list[str | None]:
    """One posting for the rows (a chunk): each line moves its key to the row's quantity."""
    known, out, targets = _Known(rows), [], []
    for row in rows:
        try:
            product, bin = known.check(row)
        except DomainError as error:
            if not skip_bad:
                raise
            out.append(error.message)
            continue
        expiry = date.fromisoformat(row["expiry"]) if row["expiry"] else None
        lot = lots.find_or_create(product, row["lot"], expiry) if row["lot"] else None
        targets.append((product, bin, lot, row["quantity"]))
        out.append(None)
    lines = _lines(targets)
    if lines:
        ledger.post(
            MovementType.ADJUSTMENT_COUNT,
            lines,
            actor_id=actor_id,
            key=reference,
            reference=("import", reference),
            reason=ReasonCode.OPENING_BALANCE,
        )
    return out


def _lines(targets) -> list[ledger.Line]:
    """The change each key needs to hold its quantity (keys already there: none)."""
    keys = [(p.id, b.id, lot.id if lot else NO_LOT) for p, b, lot, _q in targets]
    held = {}
    if keys:
        rows = db.session.execute(
            select(Balance.product_id, Balance.bin_id, Balance.lot_id, Balance.on_hand)
            .where(tuple_(Balance.product_id, Balance.bin_id, Balance.lot_id).in_(keys))
            .with_for_update()
        )
        held = {(p, b, lot): on_hand for p, b, lot, on_hand in rows}
    lines = []
    for (product, bin, lot, quantity), key in zip(targets, keys, strict=True):
        change = quantity - held.get(key, 0)
        if change:
            lines.append(ledger.Line.at(bin, product, lot, qty=change))
    return lines


def export() -> Iterator[list[str]]:
    query = (
        select(Product.sku, Location.code, Bin.code, Lot.code, Lot.expiry_date, Balance.on_hand)
        .join(Product, Product.id == Balance.product_id)
        .join(Location, Location.id == Balance.location_id)
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Balance.on_hand > 0)
        .order_by(Product.sku, Location.code, Bin.code, Lot.code)
    )
    for sku, location, bin, lot, expiry, on_hand in db.session.execute(query):
        yield [
            sku,
            location,
            bin,
            "" if lot == "" or lot is None else lot,
            expiry.isoformat() if expiry else "",
            str(on_hand),
        ]
