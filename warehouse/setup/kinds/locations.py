"""Locations, by code: new ones are made with their default bins (a receiving bin and a
storage bin, as on the Locations page), existing ones get the name, type and coordinates
given (an empty cell leaves that field as it is). Coordinates are where the location is,
for routing orders to the nearest one: both or neither (catalog.locations.check_coordinates)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from sqlalchemy import func, select

from warehouse.catalog import locations
from warehouse.catalog.models import Location, LocationType
from warehouse.core.errors import DomainError, LocationCodeTaken
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.setup.columns import Cells, Column
from warehouse.setup.kinds.rows import judged

COLUMNS = [
    Column("code", ("location", "location_code", "warehouse", "site", "store"), required=True),
    Column("name", ("location_name", "description")),
    Column("type", ("location_type",)),
    Column("latitude", ("lat",)),
    Column("longitude", ("lng", "lon", "long")),
]
TYPES = ", ".join(t.value for t in LocationType)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


def parse(cells: Cells) -> dict:
    code = cells.text("code")
    if not _CODE.fullmatch(code):
        raise ValueError(
            msg("code {code}: 1-32 letters, digits, - and _, e.g. MAIN or north-1.", code=repr(code[:40]))
        )
    name = cells.text("name")
    if len(name) > 200:
        raise ValueError(msg("name: at most 200 characters."))
    kind = cells.text("type").lower().replace(" ", "_") or None
    if kind is not None and kind not in {t.value for t in LocationType}:
        raise ValueError(
            msg("type {kind} is not a location type: write one of {types}.", kind=repr(kind), types=TYPES)
        )
    latitude, longitude = locations.check_coordinates(
        _degrees(cells, "latitude"), _degrees(cells, "longitude")
    )
    return {"code": code, "name": name, "type": kind, "latitude": latitude, "longitude": longitude}


def _degrees(cells: Cells, name: str) -> float | None:
    value = cells.text(name).replace(",", ".")  # 52,37 as a European spreadsheet writes it
    if not value:
        return None
    try:
        return float(value) if len(value) <= 20 else float("nan")
    except ValueError:
        raise ValueError(
            msg(
                "{column} {value} is not a number of degrees: write e.g. 52.37.",
                column=name,
                value=repr(value[:20]),
            )
        ) from None


def identity(row: dict) -> list[tuple[Callable, tuple]]:
    def twice(first: int):
        return msg(
            "Location {code} is listed twice (first in row {first}): list it once.",
            code=row["code"],
            first=first,
        )

    return [(twice, (row["code"].lower(),))]


class _Known:
    def __init__(self, rows: list[dict]):
        codes = {r["code"].lower() for r in rows}
        found = (
            db.session.scalars(select(Location).where(func.lower(Location.code).in_(codes))) if codes else []
        )
        self.locations = {loc.code.lower(): loc for loc in found}

    def check(self, row: dict) -> Location | None:
        location = self.locations.get(row["code"].lower())
        if location is None and not row["name"]:
            raise LocationCodeTaken(msg("{code} is a new location: give it a name.", code=row["code"]))
        return location


def check(rows: list[dict]) -> list[str | None]:
    return judged(rows, _Known(rows).check)


def apply(rows: list[dict], *, skip_bad: bool, actor_id: int | None, reference: str) -> list[str | None]:
    known, out = _Known(rows), []
    for row in rows:
        try:
            location = known.check(row)
            _write(location, row)
        except DomainError as error:
            if not skip_bad:
                raise
            out.append(error.message)
            continue
        out.append(None)
    db.session.flush()
    return out


def _write(location: Location | None, row: dict) -> None:
    placed = (row["latitude"], row["longitude"])
    if location is None:
        locations.create(
            row["code"], row["name"], LocationType(row["type"] or LocationType.WAREHOUSE), coordinates=placed
        )
        return
    if row["name"]:
        location.name = row["name"]
    if row["type"]:
        location.type = LocationType(row["type"])
    if placed != locations.UNPLACED:
        location.latitude, location.longitude = placed


def export() -> Iterator[list[str]]:
    for location in db.session.scalars(select(Location).order_by(Location.code)):
        yield [
            location.code,
            location.name,
            location.type.value,
            _written(location.latitude),
            _written(location.longitude),
        ]


def _written(degrees: float | None) -> str:
    """Six decimals (about 0.1 m), without trailing zeros."""
    return "" if degrees is None else f"{degrees:.6f}".rstrip("0").rstrip(".")
