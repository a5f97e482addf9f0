"""Bins, by location and bin code: new bins are added with their label barcode
(LOCATION:BIN), existing ones get the kind, capacity and active given. The location must
exist (locations are set up on their page); a bin holding stock is not deactivated."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select, tuple_

from warehouse.catalog import locations
from warehouse.catalog.models import Bin, BinKind, Location
from warehouse.core.errors import BinCodeTaken, DomainError, NotFound, PlaceHoldsStock
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.setup.columns import Cells, Column
from warehouse.setup.kinds.rows import judged
from warehouse.setup.places import units_in_bins

COLUMNS = [
    Column("location", ("location_code", "warehouse", "site", "store"), required=True),
    Column("bin", ("bin_code", "code", "slot", "bin_location"), required=True),
    Column("kind", ("type", "bin_type", "bin_kind")),
    Column("capacity", ("max_units", "max_qty", "capacity_units")),
    Column("active", ("enabled",)),
]
KINDS = ", ".join(k.value for k in BinKind)


def parse(cells: Cells) -> dict:
    code = locations.check_bin_code(cells.text("bin").upper())
    kind = cells.text("kind").lower() or None
    if kind is not None and kind not in {k.value for k in BinKind}:
        raise ValueError(
            msg("kind {kind} is not a bin kind: write one of {kinds}.", kind=repr(kind), kinds=KINDS)
        )
    return {
        "location": cells.text("location"),
        "bin": code,
        "kind": kind,
        "capacity": cells.whole("capacity", low=1, high=10_000_000),
        "active": cells.flag("active"),
    }


def identity(row: dict) -> list[tuple[Callable, tuple]]:
    def twice(first: int):
        return msg(
            "Bin {bin} at {location} is listed twice (first in row {first}): list it once.",
            bin=row["bin"],
            location=row["location"],
            first=first,
        )

    return [(twice, (row["location"], row["bin"]))]


class _Known:
    def __init__(self, rows: list[dict]):
        codes = {r["location"] for r in rows}
        self.locations = {
            loc.code: loc for loc in db.session.scalars(select(Location).where(Location.code.in_(codes)))
        }
        pairs = [
            (self.locations[r["location"]].id, r["bin"]) for r in rows if r["location"] in self.locations
        ]
        self.bins = {
            (b.location_id, b.code): b
            for b in (
                db.session.scalars(select(Bin).where(tuple_(Bin.location_id, Bin.code).in_(pairs)))
                if pairs
                else []
            )
        }
        leaving = [b.id for (loc, code), b in self.bins.items() if b.active]
        self.stocked = units_in_bins(leaving)
        self.seen: set[tuple[int, str]] = set()

    def check(self, row: dict) -> tuple[Location, Bin | None]:
        location = self.locations.get(row["location"])
        if location is None:
            raise NotFound(
                msg("No location {code}. Create it on the Locations page first.", code=repr(row["location"]))
            )
        key = (location.id, row["bin"])
        if key in self.seen:
            raise BinCodeTaken(
                msg(
                    "Bin {bin} at {location} is listed twice: list it once.",
                    bin=row["bin"],
                    location=location.code,
                )
            )
        bin = self.bins.get(key)
        if bin is not None and row["active"] is False and self.stocked.get(bin.id):
            raise PlaceHoldsStock(
                msg(
                    "Bin {bin} holds {units:,} units: it stays active until they are moved.",
                    bin=bin.code,
                    units=self.stocked[bin.id],
                )
            )
        self.seen.add(key)
        return location, bin


def check(rows: list[dict]) -> list[str | None]:
    return judged(rows, _Known(rows).check)


def apply(rows: list[dict], *, skip_bad: bool, actor_id: int | None, reference: str) -> list[str | None]:
    known, out = _Known(rows), []
    for row in rows:
        try:
            location, bin = known.check(row)
        except DomainError as error:
            if not skip_bad:
                raise
            out.append(error.message)
            continue
        if bin is None:
            bin = Bin(location_id=location.id, code=row["bin"], barcode=f"{location.code}:{row['bin']}")
            bin.kind = BinKind.STORAGE
            db.session.add(bin)
        if row["kind"]:
            bin.kind = BinKind(row["kind"])
        if row["capacity"] is not None:
            bin.capacity = row["capacity"]
        if row["active"] is not None:
            bin.active = row["active"]
        out.append(None)
    db.session.flush()
    return out


def export() -> Iterator[list[str]]:
    query = select(Location.code, Bin).join(Bin.location).order_by(Location.code, Bin.code)
    for location_code, bin in db.session.execute(query.execution_options(yield_per=1000)):
        yield [
            location_code,
            bin.code,
            bin.kind.value,
            "" if bin.capacity is None else str(bin.capacity),
            "yes" if bin.active else "no",
        ]
