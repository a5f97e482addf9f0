"""The floor's scan resolver. The catalog says what a code is (product, bin, GS1 label, a
slip's or a sheet's number); a transfer or count batch number is loaded here, from the
workflow that owns it, so the catalog never imports the workflows above it."""

from __future__ import annotations

from dataclasses import replace

from warehouse import counts, transfers
from warehouse.catalog import scan as catalog_scan
from warehouse.catalog.scan import Scan
from warehouse.core.errors import UnknownScan
from warehouse.core.i18n import msg


def resolve(code: str, *, location_id: int | None = None, expect: str | None = None) -> Scan:
    found = catalog_scan.resolve(code, location_id=location_id, expect=expect)
    if found.kind == "transfer":
        transfer = transfers.by_number(found.number)
        if transfer is None:
            raise UnknownScan(msg("No transfer {number}. Check the slip.", number=found.number))
        return replace(found, transfer=transfer)
    if found.kind == "count":
        batch = counts.by_number(found.number)
        if batch is None:
            raise UnknownScan(msg("No count batch {number}. Check the sheet.", number=found.number))
        return replace(found, batch=batch)
    return found
