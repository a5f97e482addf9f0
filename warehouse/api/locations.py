"""Locations and their bins."""

from __future__ import annotations

from sqlalchemy import func, select

from warehouse.accounts import permissions as P
from warehouse.accounts.models import Role
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, Location, LocationType

from . import bp, examples, reads
from . import transfer_schemas as s
from .spec import operation
from .types import Page, Paging


def _out(location: Location, bin_count: int) -> s.LocationOut:
    return s.LocationOut(
        code=location.code,
        name=location.name,
        type=location.type.value,
        active=location.active,
        bin_count=bin_count,
        latitude=location.latitude,
        longitude=location.longitude,
    )


@operation(
    bp,
    "GET",
    "/locations",
    summary="Locations",
    tag="locations",
    permission=P.INVENTORY_READ,
    query=s.LocationQuery,
    response=Page[s.LocationOut],
)
def list_locations(caller, query: s.LocationQuery):
    bins = select(func.count(Bin.id)).where(Bin.location_id == Location.id).scalar_subquery()
    q = select(Location, bins).order_by(Location.code)
    if query.type:
        q = q.where(Location.type == LocationType(query.type))
    listed = reads.page_of(q, query.page, query.limit, scalars=False)
    return Page[s.LocationOut](data=[_out(loc, n) for loc, n in listed.rows], meta=listed.meta)


@operation(
    bp,
    "POST",
    "/locations",
    summary="Add a location with its bins (admin)",
    tag="locations",
    permission=P.INVENTORY_ADJUST,
    role=Role.ADMIN,
    body=s.LocationIn,
    response=s.LocationOut,
    status=201,
    example=examples.LOCATION_IN,
)
def create_location(caller, body: s.LocationIn):
    location = locations.create(
        body.code,
        body.name,
        body.type,
        bins=[(b.code, b.kind, b.capacity) for b in body.bins] or None,
        coordinates=(body.latitude, body.longitude),
    )
    return _out(location, len(body.bins) or len(location.bins))


@operation(
    bp,
    "GET",
    "/locations/<string:code>/bins",
    summary="Bins of a location",
    tag="locations",
    permission=P.INVENTORY_READ,
    query=Paging,
    response=Page[s.BinOut],
)
def list_bins(caller, code: str, query: Paging):
    location = locations.require(code)
    listed = reads.page_of(
        select(Bin).where(Bin.location_id == location.id).order_by(Bin.code), query.page, query.limit
    )
    return Page[s.BinOut](
        data=[
            s.BinOut(code=b.code, barcode=b.barcode, kind=b.kind.value, capacity=b.capacity, active=b.active)
            for b in listed.rows
        ],
        meta=listed.meta,
    )
