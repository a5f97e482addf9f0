"""Deactivating a bin or a location: refused while it holds stock, naming how much (the
stock must be moved or written off first, through the ledger, so no unit is left where
nobody can work it). Creating and editing them is the catalog's (catalog.locations)."""

from __future__ import annotations

from sqlalchemy import func, select

from warehouse.catalog.models import Bin, Location
from warehouse.core.errors import NotFound, PlaceHoldsStock
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import atomically
from warehouse.ledger.models import Balance


def units_in_bins(bin_ids: list[int]) -> dict[int, int]:
    """On-hand units per bin, for the bins that hold any."""
    if not bin_ids:
        return {}
    rows = db.session.execute(
        select(Balance.bin_id, func.sum(Balance.on_hand))
        .where(Balance.bin_id.in_(bin_ids), Balance.on_hand > 0)
        .group_by(Balance.bin_id)
    )
    return {bin_id: int(units) for bin_id, units in rows}


def refuse_if_stocked(bin: Bin) -> None:
    units = units_in_bins([bin.id]).get(bin.id, 0)
    if units:
        raise PlaceHoldsStock(
            msg(
                "Bin {bin} holds {units:,} units. Move them to another bin (or write them off) first.",
                bin=bin.code,
                units=units,
            )
        )


def set_bin_active(bin_id: int, active: bool) -> Bin:
    def change() -> Bin:
        bin = db.session.get(Bin, bin_id)
        if bin is None:
            raise NotFound(msg("No such bin. Choose one from the list."))
        if not active:
            refuse_if_stocked(bin)
        bin.active = active
        return bin

    return atomically(change)


def set_location_active(location_id: int, active: bool) -> Location:
    def change() -> Location:
        location = db.session.get(Location, location_id)
        if location is None:
            raise NotFound(msg("No such location. Choose one from the list."))
        if not active:
            units = db.session.scalar(
                select(func.coalesce(func.sum(Balance.on_hand), 0)).where(Balance.location_id == location.id)
            )
            if units:
                raise PlaceHoldsStock(
                    msg(
                        "{location} holds {units:,} units. Transfer them out (or write them off) first.",
                        location=location.code,
                        units=units,
                    )
                )
        location.active = active
        return location

    return atomically(change)
