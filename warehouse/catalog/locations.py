"""Locations and their bins (admin). Every location gets at least one bin: balance keys
hold no NULLs, so even an unbinned place (transit) stores stock in a default bin."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager

from warehouse.catalog.models import Bin, BinKind, Location, LocationType
from warehouse.core import transactions
from warehouse.core.errors import BinCodeTaken, LocationCodeTaken, NotFound
from warehouse.core.extensions import db

DEFAULT_BINS = [("RCV-01", BinKind.RECEIVING), ("DEFAULT", BinKind.STORAGE)]
# Where stock can be worked (received, counted, reserved, moved to or from): an active
# location other than transit, which stock only passes through. The SQL form and the
# Python form of the one rule.
WORKABLE = and_(Location.active.is_(True), Location.type != LocationType.TRANSIT)
TRANSIT_BINS = [("TRANSIT", BinKind.STAGING)]


def create(
    code: str, name: str, type: LocationType, *, bins: list[tuple[str, BinKind, int | None]] | None = None
) -> Location:
    """A new location with its bins (default: a receiving bin and one storage bin)."""
    type = LocationType(type)
    wanted = bins or [
        (c, k, None) for c, k in (TRANSIT_BINS if type is LocationType.TRANSIT else DEFAULT_BINS)
    ]
    codes = [c for c, _k, _cap in wanted]
    if len(set(codes)) != len(codes):
        raise BinCodeTaken("Bin codes must differ within a location.")

    def make() -> Location:
        if db.session.scalar(select(Location.id).where(func.lower(Location.code) == code.lower())):
            raise LocationCodeTaken(f"Location {code!r} exists already. Choose another code.")
        barcodes = [f"{code}:{c}" for c in codes]
        if db.session.scalar(select(Bin.id).where(Bin.barcode.in_(barcodes)).limit(1)):
            raise BinCodeTaken("A bin label with these codes exists already. Choose another code.")
        location = Location(code=code, name=name, type=type)
        db.session.add(location)
        db.session.flush()
        db.session.add_all(
            Bin(location_id=location.id, code=c, barcode=f"{code}:{c}", kind=BinKind(k), capacity=cap)
            for c, k, cap in wanted
        )
        db.session.flush()
        return location

    return transactions.atomically(make)


def workable(location: Location) -> bool:
    return location.active and location.type is not LocationType.TRANSIT


def places(*, warehouses_first: bool = False) -> list[Location]:
    """Every location where stock can be worked, by code; `warehouses_first`: warehouses
    first, then by name (the floor's choice, where the usual one should come first)."""
    rows = list(db.session.scalars(select(Location).where(WORKABLE).order_by(Location.code)))
    if warehouses_first:
        rows.sort(key=lambda loc: (loc.type is not LocationType.WAREHOUSE, loc.name))
    return rows


def by_code(code: str) -> Location | None:
    return db.session.scalar(select(Location).where(Location.code == code))


def bin_at(location_code: str, bin_code: str) -> Bin | None:
    """A bin of the location by its code (A-01-03) or by its scanned label barcode, with its
    location loaded by the same query."""
    return db.session.scalar(_BIN_AT, {"location": location_code, "bin": bin_code})


_BIN_AT = (  # built once: an adjustment and a hold look a bin up on every call
    select(Bin)
    .join(Location, Location.id == Bin.location_id)
    .options(contains_eager(Bin.location))
    .where(
        Location.code == bindparam("location"),
        or_(Bin.code == bindparam("bin"), Bin.barcode == bindparam("bin")),
    )
)


def require(code: str) -> Location:
    """The location with this code, or NotFound saying so."""
    location = by_code(code)
    if location is None:
        raise NotFound(f"No location {code!r}. Check the code.")
    return location
