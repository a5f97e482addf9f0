"""Columns of an import file, found by header name: `GTIN`, `EAN` and `Barcode` all name
the barcode column; case, spaces and dashes do not matter. Each kind lists its columns;
a header no kind knows is ignored and named in the preview."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from warehouse.core.errors import SheetUnreadable
from warehouse.core.i18n import msg

TRUE = {"1", "true", "yes", "y", "x", "on"}
FALSE = {"0", "false", "no", "n", "off"}


@dataclass(frozen=True)
class Column:
    name: str  # as exported
    synonyms: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> set[str]:
        return {normalise(n) for n in (self.name, *self.synonyms)}


def normalise(header: str) -> str:
    return re.sub(r"[\s\-./]+", "_", header.strip().lower()).strip("_")


def mapping(headers: list[str], columns: list[Column]) -> tuple[dict[str, int], list[str]]:
    """Each known column's index in the file, and the headers not used."""
    found: dict[str, int] = {}
    unused = []
    for index, header in enumerate(headers):
        key = normalise(header)
        column = next((c for c in columns if key in c.names()), None)
        if column is None or column.name in found:
            unused.append(header)
            continue
        found[column.name] = index
    missing = [c for c in columns if c.required and c.name not in found]
    if missing:
        names = "; ".join(f"{c.name} (or {', '.join(c.synonyms)})" if c.synonyms else c.name for c in missing)
        raise SheetUnreadable(
            msg("The file has no column for {names}. Name it in the first row.", names=names)
        )
    return found, unused


class Cells:
    """One row's cells by column name, parsed with messages that say what to write."""

    def __init__(self, cells: list[str], where: dict[str, int]):
        self._cells, self._where = cells, where

    def has(self, name: str) -> bool:
        return name in self._where

    def text(self, name: str) -> str:
        return self._cells[self._where[name]] if name in self._where else ""

    def flag(self, name: str) -> bool | None:
        value = self.text(name).lower()
        if not value:
            return None
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ValueError(
            msg(
                "{column} {value} is not yes or no: write yes or no.",
                column=name,
                value=repr(self.text(name)),
            )
        )

    def whole(self, name: str, *, low: int = 0, high: int = 1_000_000_000) -> int | None:
        value = self.text(name)
        if not value:
            return None
        if len(value) > 15 or not re.fullmatch(r"[+-]?\d+(\.0+)?", value):
            raise ValueError(
                msg(
                    "{column} {value} is not a whole number: write e.g. 12.",
                    column=name,
                    value=repr(value[:20]),
                )
            )
        number = int(value.split(".")[0])
        if not low <= number <= high:
            raise ValueError(
                msg(
                    "{column} {number:,} is out of range: {low:,} to {high:,}.",
                    column=name,
                    number=number,
                    low=low,
                    high=high,
                )
            )
        return number

    def day(self, name: str) -> date | None:
        value = self.text(name)
        if not value:
            return None
        # Not 03/04/2027: a US and a European reader take it for different days.
        for fmt in ("%Y-%m-%d", "%Y%m%d", "%d.%m.%Y"):
            try:
                return datetime.strptime(value[:10], fmt).date()
            except ValueError:
                continue
        raise ValueError(
            msg(
                "{column} {value} is not a date: write it as YYYY-MM-DD, e.g. 2027-03-31.",
                column=name,
                value=repr(value[:20]),
            )
        )
