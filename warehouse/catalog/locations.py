"""Locations and their bins (admin). Every location gets at least one bin: balance keys
hold no NULLs, so even an unbinned place (transit) stores stock in a default bin."""

from __future__ import annotations

import math
import re
from itertools import product

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager

from warehouse.catalog.models import Bin, BinKind, Location, LocationType
from warehouse.core import pagers, transactions
from warehouse.core.errors import (
    BinCodeTaken,
    BinRangeInvalid,
    CoordinatesInvalid,
    LocationCodeTaken,
    NotFound,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg

DEFAULT_BINS = [("RCV-01", BinKind.RECEIVING), ("DEFAULT", BinKind.STORAGE)]
# Where stock can be worked (received, counted, reserved, moved to or from): an active
# location other than transit, which stock only passes through, and destruction, where
# expired units only wait to be destroyed. The SQL form and the Python form of the one rule.
UNWORKED = (LocationType.TRANSIT, LocationType.DESTRUCTION)
WORKABLE = and_(Location.active.is_(True), Location.type.not_in(UNWORKED))
# Where routing may send an order: a workable location that has coordinates.
PLACED = and_(WORKABLE, Location.latitude.is_not(None), Location.longitude.is_not(None))
TRANSIT_BINS = [("TRANSIT", BinKind.STAGING)]
DESTRUCTION_BINS = [("DESTRUCTION", BinKind.STAGING)]


Coordinates = tuple[float | None, float | None]  # (latitude, longitude) in degrees; (None, None): not placed
UNPLACED: Coordinates = (None, None)


def check_coordinates(latitude, longitude) -> Coordinates:
    """Where a location is (WGS84 degrees, as a map shows them), for routing orders to the
    nearest one: both or neither, latitude -90 to 90, longitude -180 to 180."""
    if latitude is None and longitude is None:
        return UNPLACED
    if latitude is None or longitude is None:
        raise CoordinatesInvalid(
            msg(
                "Give both latitude and longitude, or neither (a location without them is never chosen by routing)."
            )
        )
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise CoordinatesInvalid(
            msg("Latitude and longitude are numbers of degrees, e.g. 52.37 and 4.89.")
        ) from None
    if (
        isinstance(latitude, bool)
        or isinstance(longitude, bool)
        or not (math.isfinite(lat) and math.isfinite(lon))
    ):
        raise CoordinatesInvalid(msg("Latitude and longitude are numbers of degrees, e.g. 52.37 and 4.89."))
    if not -90 <= lat <= 90:
        raise CoordinatesInvalid(
            msg("Latitude {latitude} is out of range: -90 to 90 degrees.", latitude=f"{lat:g}")
        )
    if not -180 <= lon <= 180:
        raise CoordinatesInvalid(
            msg("Longitude {longitude} is out of range: -180 to 180 degrees.", longitude=f"{lon:g}")
        )
    return lat, lon


def create(
    code: str,
    name: str,
    type: LocationType,
    *,
    bins: list[tuple[str, BinKind, int | None]] | None = None,
    coordinates: Coordinates = UNPLACED,
) -> Location:
    """A new location with its bins (default: a receiving bin and one storage bin; transit
    and destruction: one staging bin) and, when given, its coordinates."""
    type = LocationType(type)
    latitude, longitude = check_coordinates(*coordinates)
    defaults = {LocationType.TRANSIT: TRANSIT_BINS, LocationType.DESTRUCTION: DESTRUCTION_BINS}
    wanted = bins or [(c, k, None) for c, k in defaults.get(type, DEFAULT_BINS)]
    codes = [c for c, _k, _cap in wanted]
    if len(set(codes)) != len(codes):
        raise BinCodeTaken(msg("Bin codes must differ within a location."))

    def make() -> Location:
        if db.session.scalar(select(Location.id).where(func.lower(Location.code) == code.lower())):
            raise LocationCodeTaken(
                msg("Location {code} exists already. Choose another code.", code=repr(code))
            )
        barcodes = [f"{code}:{c}" for c in codes]
        if db.session.scalar(select(Bin.id).where(Bin.barcode.in_(barcodes)).limit(1)):
            raise BinCodeTaken(msg("A bin label with these codes exists already. Choose another code."))
        location = Location(code=code, name=name, type=type, latitude=latitude, longitude=longitude)
        db.session.add(location)
        db.session.flush()
        db.session.add_all(
            Bin(location_id=location.id, code=c, barcode=f"{code}:{c}", kind=BinKind(k), capacity=cap)
            for c, k, cap in wanted
        )
        db.session.flush()
        return location

    return transactions.atomically(make)


MAX_BINS_AT_ONCE = 10_000
_SEGMENT = re.compile(r"[A-Z]+|[0-9]+")


def bin_range(first: str, last: str) -> list[str]:
    """Every bin code from `first` to `last`, segment by segment: A-01-01 to A-04-10 is
    aisle A, bays 01-04, levels 01-10: 40 codes, in that order. Both ends must have the
    same shape (the same separators, letters where letters are, digits of the same width)."""
    first, last = first.strip().upper(), last.strip().upper()
    a, b = _SEGMENT.findall(first), _SEGMENT.findall(last)
    if not a or _SEGMENT.sub("", first) != _SEGMENT.sub("", last) or len(a) != len(b):
        raise BinRangeInvalid(
            msg(
                "{first} and {last} are not the same shape: write both ends alike, e.g. A-01-01 and A-04-10.",
                first=first,
                last=last,
            )
        )
    steps = []
    for x, y in zip(a, b, strict=True):
        if x.isdigit() != y.isdigit() or len(x) != len(y) or (not x.isdigit() and len(x) != 1):
            raise BinRangeInvalid(
                msg(
                    "{low} and {high} do not match: use one letter, or digits of the same width, at each place.",
                    low=x,
                    high=y,
                )
            )
        if x > y:
            raise BinRangeInvalid(
                msg("{low} comes after {high}: write the range from low to high.", low=x, high=y)
            )
        if x.isdigit():
            steps.append([str(n).zfill(len(x)) for n in range(int(x), int(y) + 1)])
        else:
            steps.append([chr(c) for c in range(ord(x), ord(y) + 1)])
    total = 1
    for values in steps:
        total *= len(values)
    if total > MAX_BINS_AT_ONCE:
        raise BinRangeInvalid(
            msg(
                "That range makes {total:,} bins: at most {most:,} at a time.",
                total=total,
                most=MAX_BINS_AT_ONCE,
            )
        )
    separators = _SEGMENT.split(first)
    return [
        "".join(s + v for s, v in zip(separators, combo + ("",), strict=True)) for combo in product(*steps)
    ]


_BIN_CODE = re.compile(r"[A-Za-z0-9][!-9;-~]{0,31}")  # printable ASCII, no space or colon


def check_bin_code(code: str) -> str:
    """A bin code: 1-32 printable ASCII characters, no space and no colon (the label joins
    location and bin with one), starting with a letter or digit (never a spreadsheet formula)."""
    if not isinstance(code, str) or not _BIN_CODE.fullmatch(code):
        raise BinRangeInvalid(
            msg(
                "{code} is not a bin code: 1-32 letters, digits and dashes, e.g. A-01-01.",
                code=repr(str(code)[:40]),
            )
        )
    return code


def _bins_taken(taken: list[str], location: str):
    """The bins that exist already, the first five named (each count a whole sentence)."""
    if len(taken) == 1:
        return msg(
            "{bin} exists already at {location}: choose a range without them.",
            bin=taken[0],
            location=location,
        )
    if len(taken) > 5:
        return msg(
            "{bins} and {more} more exist already at {location}: choose a range without them.",
            bins=", ".join(taken[:5]),
            more=len(taken) - 5,
            location=location,
        )
    return msg(
        "{bins} exist already at {location}: choose a range without them.",
        bins=", ".join(taken),
        location=location,
    )


def add_bins(
    location_id: int, codes: list[str], kind: BinKind = BinKind.STORAGE, capacity: int | None = None
) -> list[Bin]:
    """New bins in a location (all or none): refused, naming them, when any code exists."""
    kind = BinKind(kind)
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
        raise BinRangeInvalid(
            msg("A bin's capacity is a whole number of units, 1 or more (leave it empty for no limit).")
        )
    if not codes:
        raise BinRangeInvalid(msg("No bins to add: give a bin code or a range."))
    for code in codes:
        check_bin_code(code)

    def make() -> list[Bin]:
        location = db.session.get(Location, location_id)
        if location is None:
            raise NotFound(msg("No such location. Choose one from the list."))
        taken = list(
            db.session.scalars(select(Bin.code).where(Bin.location_id == location.id, Bin.code.in_(codes)))
        )
        if taken:
            raise BinCodeTaken(_bins_taken(sorted(taken), location.code))
        bins = [
            Bin(location_id=location.id, code=c, barcode=f"{location.code}:{c}", kind=kind, capacity=capacity)
            for c in codes
        ]
        db.session.add_all(bins)
        db.session.flush()
        return bins

    return transactions.atomically(make)


def workable(location: Location) -> bool:
    return location.active and location.type not in UNWORKED


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
        raise NotFound(msg("No location {code}. Check the code.", code=repr(code)))
    return location


KEEP = object()  # rename(coordinates=KEEP): leave where the location is as it was


def rename(
    location_id: int, name: str, type: LocationType, *, coordinates: Coordinates | object = KEEP
) -> Location:
    """Change a location's name and type (its code is printed on bin labels: it stays) and,
    when given, its coordinates ((None, None): no longer placed)."""
    name, type = (name or "").strip(), LocationType(type)
    if not name or len(name) > 200:
        raise LocationCodeTaken(msg("Give the location a name of 1 to 200 characters."))
    placed = None if coordinates is KEEP else check_coordinates(*coordinates)

    def change() -> Location:
        location = db.session.get(Location, location_id)
        if location is None:
            raise NotFound(msg("No such location. Choose one from the list."))
        location.name, location.type = name, type
        if placed is not None:
            location.latitude, location.longitude = placed
        return location

    return transactions.atomically(change)


def every() -> list[Location]:
    """Every location, active or not, by code (the setup list)."""
    return list(db.session.scalars(select(Location).order_by(Location.code)))


def bin_counts() -> dict[int, int]:
    """Bins per location id, in one grouped query (the setup list shows them)."""
    return dict(db.session.execute(select(Bin.location_id, func.count()).group_by(Bin.location_id)).all())


def bins_page(location_id: int, search: str = "", *, number: int = 1, size: int = 100):
    query = select(Bin).where(Bin.location_id == location_id).order_by(Bin.code)
    if search:
        query = query.where(Bin.code.startswith(search.strip().upper(), autoescape=True))
    return pagers.offset(query, page=number, size=size, count=True)


def bins_between(location_id: int, first: str | None, last: str | None) -> list[Bin]:
    """The location's active bins from `first` to `last` by code (either end open)."""
    query = select(Bin).where(Bin.location_id == location_id, Bin.active.is_(True)).order_by(Bin.code)
    if first:
        query = query.where(Bin.code >= first.strip().upper())
    if last:
        query = query.where(Bin.code <= last.strip().upper())
    return list(db.session.scalars(query.limit(MAX_BINS_AT_ONCE)))
