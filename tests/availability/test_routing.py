"""Order routing on a grid of five locations around a ship-to point on the equator, at
known great-circle distances (one degree of arc is 111.2 km):

    east-1   (0, 1)   111.2 km      north-1  (1, 0)   111.2 km (a tie: east-1 first by code)
    east-2   (0, 2)   222.4 km      west-3   (0, -3)  333.6 km
    far-10   (10, 0)  1,112.0 km

The nearest location that has every line, else the fewest that together have them
(least total distance among sets of that size), else what is short; an override; channel
rules; a location without coordinates or inactive is never chosen."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import make_location, make_product, receive
from warehouse.availability import routing
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.catalog.models import Location, LocationType, Product
from warehouse.core.errors import CoordinatesInvalid, LocationCannotHoldReservations, QuantityOutOfRange
from warehouse.core.extensions import db

SHIP_TO = (0.0, 0.0)
GRID = {"east-1": (0, 1), "north-1": (1, 0), "east-2": (0, 2), "west-3": (0, -3), "far-10": (10, 0)}


@dataclass
class Grid:
    places: dict[str, Location]
    bolt: Product
    nut: Product

    @classmethod
    def build(cls) -> Grid:
        places = {}
        for code, (lat, lon) in GRID.items():
            location = make_location(code, bins=("RCV-01", "A-01-01"))
            location.latitude, location.longitude = lat, lon
            places[code] = location
        db.session.commit()
        return cls(places, make_product("BOLT-M8"), make_product("NUT-M8"))

    def stock(self, product: Product, **by_code: int) -> None:
        """Units on the shelf (not the receiving bin) at each named location."""
        for code, qty in by_code.items():
            receive(product, shelf(self.places[code]), qty)

    def channel(self, code: str, *, sells: tuple[str, ...], refuses: tuple[str, ...] = ()) -> Channel:
        channel = Channel(code=code, name=code.title())
        db.session.add(channel)
        db.session.flush()
        for place, can_sell in [(p, True) for p in sells] + [(p, False) for p in refuses]:
            db.session.add(
                ChannelLocation(channel_id=channel.id, location_id=self.places[place].id, can_sell=can_sell)
            )
        db.session.commit()
        return channel


def shelf(location: Location, code: str = "A-01-01"):
    return next(b for b in location.bins if b.code == code)


@pytest.fixture
def grid(app) -> Grid:
    return Grid.build()


def legs(route: routing.Route) -> list[tuple[str, float | None, list[tuple[str, int]]]]:
    return [
        (leg.location.code, routing.rounded(leg.place.distance_km), [(p.sku, q) for p, q in leg.lines])
        for leg in route.legs
    ]


def test_one_degree_of_arc_is_111_km_and_distance_is_symmetric():
    assert routing.distance_km((0, 0), (0, 1)) == pytest.approx(111.195, abs=0.001)
    assert routing.distance_km((0, 0), (1, 0)) == routing.distance_km((0, 0), (0, 1))
    assert routing.distance_km((52.37, 4.89), (48.86, 2.35)) == pytest.approx(430, abs=2)  # Amsterdam-Paris
    assert routing.distance_km((48.86, 2.35), (52.37, 4.89)) == routing.distance_km(
        (52.37, 4.89), (48.86, 2.35)
    )


def test_the_nearest_location_with_every_line_fills_the_order_and_ties_go_by_code(grid):
    grid.stock(grid.bolt, **{"east-1": 5, "north-1": 5, "far-10": 50})
    grid.stock(grid.nut, **{"north-1": 2, "far-10": 50})

    # east-1 and north-1 are both 111.2 km away and both have 5 bolts: the code decides.
    assert legs(routing.route([(grid.bolt, 5)], SHIP_TO)) == [("east-1", 111.2, [("BOLT-M8", 5)])]
    # Only north-1 of the two has nuts: it is the nearest with every line.
    one = routing.route([(grid.bolt, 5), (grid.nut, 2)], SHIP_TO)
    assert one.kind == "single" and one.short == []
    assert legs(one) == [("north-1", 111.2, [("BOLT-M8", 5), ("NUT-M8", 2)])]
    # More than the near ones have: the far one has it all, and one location beats a split.
    assert legs(routing.route([(grid.bolt, 3), (grid.bolt, 4), (grid.nut, 3)], SHIP_TO)) == [
        ("far-10", 1112.0, [("BOLT-M8", 7), ("NUT-M8", 3)])  # a repeated SKU is added up
    ]
    # The same stock always gives the same answer, and the route wrote nothing.
    assert legs(routing.route([(grid.bolt, 5)], SHIP_TO)) == [("east-1", 111.2, [("BOLT-M8", 5)])]
    assert routing.route([(grid.bolt, 5)], SHIP_TO).as_payload()["locations"] == [
        {
            "location": "east-1",
            "name": "East 1",
            "distance_km": 111.2,
            "lines": [{"sku": "BOLT-M8", "quantity": 5}],
        }
    ]


def test_no_single_location_the_fewest_together_nearest_first_else_what_is_short(grid):
    grid.stock(grid.bolt, **{"east-1": 6, "north-1": 4, "east-2": 4, "west-3": 6, "far-10": 10})
    grid.stock(grid.nut, **{"east-2": 4, "west-3": 4})

    # Taking the nearest first would need three (east-1, north-1, then east-2 for the
    # nuts); two do it: east-1 + east-2 (333.6 km in all) beats east-1 + west-3 (444.8).
    split = routing.route([(grid.bolt, 10), (grid.nut, 4)], SHIP_TO)
    assert split.kind == "split"
    assert legs(split) == [
        ("east-1", 111.2, [("BOLT-M8", 6)]),
        ("east-2", 222.4, [("BOLT-M8", 4), ("NUT-M8", 4)]),
    ]
    # Only east-2 and west-3 have nuts. A line that one chosen location has whole goes
    # there (6 bolts from west-3, not 4 + 2); the rest nearest first.
    assert legs(routing.route([(grid.bolt, 6), (grid.nut, 5)], SHIP_TO)) == [
        ("east-2", 222.4, [("NUT-M8", 4)]),
        ("west-3", 333.6, [("BOLT-M8", 6), ("NUT-M8", 1)]),
    ]
    # Short: per line, what all the candidates together cannot promise.
    short = routing.route([(grid.bolt, 40), (grid.nut, 9)], SHIP_TO)
    assert (short.kind, short.legs) == ("short", [])
    assert [(s.product.sku, s.quantity, s.promisable, s.missing) for s in short.short] == [
        ("BOLT-M8", 40, 30, 10),
        ("NUT-M8", 9, 8, 1),
    ]
    assert short.as_payload()["short"][1] == {"sku": "NUT-M8", "quantity": 9, "available": 8, "short": 1}


def test_the_override_channel_rules_and_places_routing_never_chooses(grid):
    grid.stock(grid.bolt, **{"east-1": 5, "east-2": 5, "far-10": 5, "west-3": 99})
    hidden = make_location("no-coordinates", bins=("RCV-01", "A-01-01"))  # never placed
    receive(grid.bolt, shelf(hidden), 99)
    receive(grid.bolt, shelf(grid.places["north-1"], "RCV-01"), 99)  # still arriving: not promisable
    grid.places["west-3"].active = False
    db.session.commit()
    assert legs(routing.route([(grid.bolt, 5)], SHIP_TO)) == [("east-1", 111.2, [("BOLT-M8", 5)])]
    short = routing.route([(grid.bolt, 20)], SHIP_TO)
    assert [(s.promisable, s.missing) for s in short.short] == [(15, 5)]

    # fulfillFromLocationId: that location only, even a far one; or short there. A
    # location without coordinates can be named (no distance then).
    far = routing.route([(grid.bolt, 5)], SHIP_TO, fulfil_from=grid.places["far-10"])
    assert legs(far) == [("far-10", 1112.0, [("BOLT-M8", 5)])]
    assert (
        routing.route([(grid.bolt, 6)], SHIP_TO, fulfil_from=grid.places["far-10"]).short[0].promisable == 5
    )
    assert legs(routing.route([(grid.bolt, 9)], None, fulfil_from=hidden)) == [
        ("no-coordinates", None, [("BOLT-M8", 9)])
    ]

    # A channel sells where its rule says so: not at east-1 (refused), nowhere without a rule.
    web = grid.channel("web", sells=("east-2", "far-10"), refuses=("east-1",))
    assert legs(routing.route([(grid.bolt, 5)], SHIP_TO, channel=web)) == [
        ("east-2", 222.4, [("BOLT-M8", 5)])
    ]
    assert legs(routing.route([(grid.bolt, 8)], SHIP_TO, channel=web)) == [
        ("east-2", 222.4, [("BOLT-M8", 5)]),
        ("far-10", 1112.0, [("BOLT-M8", 3)]),
    ]
    assert routing.route([(grid.bolt, 11)], SHIP_TO, channel=web).short[0].promisable == 10
    web.active = False
    db.session.commit()
    assert routing.route([(grid.bolt, 1)], SHIP_TO, channel=web).kind == "short"


def test_bad_input_is_refused_before_anything_is_read(grid):
    with pytest.raises(CoordinatesInvalid, match="ship-to point"):
        routing.route([(grid.bolt, 1)], None)
    with pytest.raises(CoordinatesInvalid, match="Latitude 91 is out of range"):
        routing.route([(grid.bolt, 1)], (91, 0))
    with pytest.raises(QuantityOutOfRange):
        routing.route([(grid.bolt, 0)], SHIP_TO)
    with pytest.raises(QuantityOutOfRange):
        routing.route([], SHIP_TO)
    transit = make_location("transit", LocationType.TRANSIT, ("TRANSIT",))
    with pytest.raises(LocationCannotHoldReservations, match="transit cannot fill orders"):
        routing.route([(grid.bolt, 1)], SHIP_TO, fulfil_from=transit)


def test_beyond_three_locations_a_greedy_cover_is_taken():
    """The search is exhaustive up to three locations (least total distance, then code);
    an order that needs four gets the greedy cover (most of what is missing first,
    nearest on a tie)."""
    orders = [(float(d), f"loc-{d}") for d in range(6)]
    four = [(0, 3, 0, 0), (3, 0, 0, 0), (1, 0, 0, 0), (0, 0, 3, 0), (0, 0, 0, 3), (0, 0, 0, 3)]
    assert routing.fewest(four, [3, 3, 3, 3], orders) == [0, 1, 3, 4]
    # Two suffice: of the covering pairs, the nearest in all.
    assert routing.fewest([(3, 0), (0, 2), (1, 1), (0, 3), (3, 0)], [3, 3], orders) == [0, 3]
    # A tie in distance goes by the codes.
    assert routing.fewest([(3, 0), (0, 3), (0, 3)], [3, 3], [(1.0, "b"), (1.0, "z"), (1.0, "a")]) == [0, 2]
