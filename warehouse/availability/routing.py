"""Order routing: which location, or locations, should fill an order shipped to a point.

The candidates are the locations stock can be promised from (active, not transit or
destruction: catalog.locations.PLACED) that have coordinates; with a channel, only those
where its rule sells (atp.py says 0 elsewhere anyway). Their ATP for every line comes from
one `atp.by_place` call (three queries whatever the size of the order); the rest is pure
Python. The answer, in order of preference:

1. **single**: the nearest location whose ATP covers every line;
2. **split**: the fewest locations that together cover every line (a line may be split
   across them). Among sets of the same size, the least total distance wins. Sets of up to
   EXHAUSTIVE_SIZE locations are tried exhaustively (at most MAX_COMBINATIONS per size:
   C(20, 3) = 1,140 for twenty useful locations); beyond that a greedy cover is taken (the
   location that covers most of what is still missing, nearest first on a tie), which may
   use a location more than the fewest possible. Each line goes whole to the nearest
   chosen location that has all of it, else nearest first across them;
3. **short**: no set covers every line: per short line, the quantity less the total ATP
   of every candidate.

`fulfil_from` (a manual override, the reference's `fulfillFromLocationId`) makes that one
location the only candidate: single or short. Distances are great-circle (haversine, km);
ties are broken by location code, so the same stock always gives the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

from sqlalchemy import exists, select

from warehouse.availability import atp
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.availability.reservations.common import check_qty
from warehouse.catalog import locations
from warehouse.catalog.models import Location, Product
from warehouse.core.errors import CoordinatesInvalid, LocationCannotHoldReservations, QuantityOutOfRange
from warehouse.core.extensions import db
from warehouse.core.i18n import msg

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
EXHAUSTIVE_SIZE = 3
MAX_COMBINATIONS = 5_000
MAX_LINES = 100

Line = tuple[Product, int]  # a product and a quantity


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Place:
    """A candidate location and how far it is from the ship-to point (None: not known)."""

    location: Location
    distance_km: float | None

    @property
    def order(self) -> tuple[float, str]:
        return (self.distance_km if self.distance_km is not None else 0.0, self.location.code)


@dataclass(frozen=True)
class Leg:
    """One location's part of the order."""

    place: Place
    lines: list[Line]

    @property
    def location(self) -> Location:
        return self.place.location


@dataclass(frozen=True)
class Short:
    product: Product
    quantity: int  # ordered
    promisable: int  # the ATP of every candidate together

    @property
    def missing(self) -> int:
        return self.quantity - self.promisable


@dataclass(frozen=True)
class Candidates:
    """Where an order may be filled from (nearest first) and each one's ATP per product."""

    places: list[Place]
    by_place: dict[tuple[int, int], int] = field(default_factory=dict)  # (product id, location id): ATP

    def promisable(self, product_id: int, place: Place) -> int:
        return self.by_place.get((product_id, place.location.id), 0)


@dataclass(frozen=True)
class Route:
    kind: str  # single | split | short
    legs: list[Leg]
    short: list[Short]
    candidates: Candidates
    ship_to: tuple[float, float] | None = None
    channel: Channel | None = None

    def as_payload(self) -> dict:
        """The route as JSON (the order.routed event, the order's stored answer)."""
        return {
            "kind": self.kind,
            "channel": self.channel.code if self.channel is not None else None,
            "ship_to": {"latitude": self.ship_to[0], "longitude": self.ship_to[1]} if self.ship_to else None,
            "locations": [
                {
                    "location": leg.location.code,
                    "name": leg.location.name,
                    "distance_km": rounded(leg.place.distance_km),
                    "lines": [{"sku": p.sku, "quantity": q} for p, q in leg.lines],
                }
                for leg in self.legs
            ],
            "short": [
                {"sku": s.product.sku, "quantity": s.quantity, "available": s.promisable, "short": s.missing}
                for s in self.short
            ],
        }


def rounded(km: float | None) -> float | None:
    """To 100 m: what a person compares; the search itself uses the exact figures."""
    return None if km is None else round(km, 1)


# --- the route ---------------------------------------------------------------------------


def route(
    lines: Iterable[Line],
    ship_to: tuple[float, float] | None,
    *,
    channel: Channel | None = None,
    fulfil_from: Location | None = None,
    now: datetime | None = None,
) -> Route:
    """Where to fill `lines` shipped to `ship_to` (latitude, longitude) from; see the module."""
    merged = merge(lines)
    point = ship_point(ship_to, fulfil_from)
    found = candidates([p.id for p, _q in merged], point, channel=channel, fulfil_from=fulfil_from, now=now)
    return decide(merged, found, ship_to=point, channel=channel)


def merge(lines: Iterable[Line]) -> list[Line]:
    """One line per product (quantities of repeated products added), in first-seen order."""
    merged: dict[int, list] = {}
    for product, qty in lines:
        check_qty(qty, "Order")
        if product.id in merged:
            merged[product.id][1] += qty
        else:
            merged[product.id] = [product, qty]
    if not merged or len(merged) > MAX_LINES:
        raise QuantityOutOfRange(msg("An order has 1 to {max_lines} lines.", max_lines=MAX_LINES))
    out = [(product, qty) for product, qty in merged.values()]
    for _product, qty in out:
        check_qty(qty, "Order")
    return out


def ship_point(ship_to, fulfil_from: Location | None) -> tuple[float, float] | None:
    """The checked ship-to point; needed unless the order names its location."""
    point = locations.check_coordinates(*(ship_to or locations.UNPLACED))
    if point == locations.UNPLACED:
        if fulfil_from is None:
            raise CoordinatesInvalid(
                msg("Give the ship-to point (latitude and longitude), or the location to fulfil from.")
            )
        return None
    return point


def candidates(
    product_ids: Sequence[int],
    ship_to: tuple[float, float] | None,
    *,
    channel: Channel | None,
    fulfil_from: Location | None = None,
    now: datetime | None = None,
) -> Candidates:
    """The candidate locations, nearest first, with their ATP (one query for the
    locations, one `atp.by_place` call)."""
    if fulfil_from is not None:
        if not locations.workable(fulfil_from):
            raise LocationCannotHoldReservations(
                msg(
                    "{location} cannot fill orders (inactive, transit or destruction): choose another location.",
                    location=fulfil_from.code,
                )
            )
        found = [fulfil_from]
    else:
        found = _located(channel)
    places = sorted((Place(loc, _distance(ship_to, loc)) for loc in found), key=lambda p: p.order)
    if not places:
        return Candidates([])
    return Candidates(places, atp.by_place(product_ids, [p.location.id for p in places], channel, now))


def _located(channel: Channel | None) -> list[Location]:
    query = select(Location).where(locations.PLACED)
    if channel is not None:
        if not channel.active:
            return []
        query = query.where(
            exists().where(
                ChannelLocation.channel_id == channel.id,
                ChannelLocation.location_id == Location.id,
                ChannelLocation.can_sell.is_(True),
            )
        )
    return list(db.session.scalars(query))


def _distance(ship_to, location: Location) -> float | None:
    if ship_to is None or location.latitude is None or location.longitude is None:
        return None
    return distance_km(ship_to, (location.latitude, location.longitude))


# --- the search (pure) -------------------------------------------------------------------


def decide(lines: list[Line], found: Candidates, *, ship_to=None, channel=None) -> Route:
    """Single, split or short for these (merged) lines and candidates."""
    need = [qty for _p, qty in lines]
    vectors = [tuple(found.promisable(p.id, place) for p, _q in lines) for place in found.places]

    def answer(kind, legs=(), short=()):
        return Route(kind, list(legs), list(short), found, ship_to=ship_to, channel=channel)

    for place, vector in zip(found.places, vectors, strict=True):
        if all(v >= n for v, n in zip(vector, need, strict=True)):
            return answer("single", [Leg(place, list(lines))])
    totals = [sum(column) for column in zip(*vectors, strict=True)] if vectors else [0] * len(lines)
    short = [Short(p, q, t) for (p, q), t in zip(lines, totals, strict=True) if t < q]
    if short:
        return answer("short", short=short)
    chosen = fewest(vectors, need, [p.order for p in found.places])
    return answer("split", _legs(chosen, lines, vectors, found.places))


def fewest(vectors: list[tuple[int, ...]], need: list[int], orders: list[tuple[float, str]]) -> list[int]:
    """Indexes (nearest first) of the fewest candidates covering `need`: exhaustive over
    sets up to EXHAUSTIVE_SIZE, least total distance, then codes; greedy beyond."""
    capped = [tuple(min(v, n) for v, n in zip(vector, need, strict=True)) for vector in vectors]
    useful = [i for i, c in enumerate(capped) if any(c)]
    wanted = sum(need)
    weight = {i: sum(capped[i]) for i in useful}
    heaviest = sorted(weight.values(), reverse=True)
    # No set smaller than this can add up to what is wanted (a cheap bound on the search).
    least = next((k for k in range(1, len(heaviest) + 1) if sum(heaviest[:k]) >= wanted), len(heaviest))
    for k in range(max(2, least), min(EXHAUSTIVE_SIZE, len(useful)) + 1):
        if math.comb(len(useful), k) > MAX_COMBINATIONS:
            break
        best = None
        for combo in combinations(useful, k):
            if sum(weight[i] for i in combo) < wanted or not _covers(combo, capped, need):
                continue
            key = (round(sum(orders[i][0] for i in combo), 6), [orders[i][1] for i in combo])
            if best is None or key < best[0]:
                best = (key, combo)
        if best is not None:
            return list(best[1])
    return _greedy(useful, capped, need)


def _covers(combo, capped, need) -> bool:
    return all(sum(capped[i][line] for i in combo) >= n for line, n in enumerate(need))


def _greedy(useful: list[int], capped, need: list[int]) -> list[int]:
    """Take the candidate covering most of what is still missing (nearest on a tie) until
    nothing is: not always the fewest, always a cover (the totals were checked)."""
    missing, chosen = list(need), []
    while any(missing):
        best = max(
            (i for i in useful if i not in chosen),
            key=lambda i: (sum(min(c, m) for c, m in zip(capped[i], missing, strict=True)), -i),
        )
        chosen.append(best)
        missing = [max(m - c, 0) for c, m in zip(capped[best], missing, strict=True)]
    return sorted(chosen)


def _legs(chosen: list[int], lines: list[Line], vectors, places: list[Place]) -> list[Leg]:
    """Each line whole to the nearest chosen location that has all of it, else nearest
    first across them."""
    parts: dict[int, list[Line]] = {i: [] for i in chosen}
    for n, (product, qty) in enumerate(lines):
        whole = next((i for i in chosen if vectors[i][n] >= qty), None)
        if whole is not None:
            parts[whole].append((product, qty))
            continue
        left = qty
        for i in chosen:
            take = min(vectors[i][n], left)
            if take:
                parts[i].append((product, take))
                left -= take
            if not left:
                break
    return [Leg(places[i], parts[i]) for i in chosen if parts[i]]
