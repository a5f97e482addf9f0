"""Where locations are (for routing orders) wherever locations are set up: the setup
pages, the locations import, the locations API; both coordinates or neither, in range,
or a message that says what to write and nothing saved. And the organisation's cart TTL,
set by an admin on the setup page."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.api.conftest import Api, error_code, user
from tests.conftest import csrf_token
from tests.factories import make_location
from tests.web.test_setup_pages import outcome, post
from warehouse import accounts
from warehouse.availability import reservations
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, Location, LocationType
from warehouse.core import tenancy
from warehouse.core.errors import CoordinatesInvalid
from warehouse.core.extensions import db
from warehouse.core.models import Organisation
from warehouse.core.transactions import atomically
from warehouse.setup import imports
from warehouse.setup.kinds import locations as location_rows
from warehouse.setup.models import ImportKind, ImportStatus


def placed(code: str) -> tuple[float | None, float | None]:
    db.session.expire_all()
    location = db.session.scalar(select(Location).where(Location.code == code))
    return location.latitude, location.longitude


def test_coordinates_are_both_or_neither_and_in_range():
    assert locations.check_coordinates(None, None) == (None, None)
    assert locations.check_coordinates(52.37, "4.89") == (52.37, 4.89)
    assert locations.check_coordinates(-90, 180) == (-90.0, 180.0)
    refusals = {
        (52.37, None): "both latitude and longitude",
        (90.5, 4): "Latitude 90.5 is out of range",
        (0, -180.1): "Longitude -180.1 is out of range",
        (float("nan"), 4): "numbers of degrees",
        ("north", 4): "numbers of degrees",
        (True, 4): "numbers of degrees",
    }
    for (lat, lon), says in refusals.items():
        with pytest.raises(CoordinatesInvalid, match=says):
            locations.check_coordinates(lat, lon)


def test_an_admin_places_a_location_on_its_setup_pages(client, auth):
    auth.login("admin")
    made = post(
        client,
        "/setup/locations",
        htmx=False,
        code="north",
        name="North",
        type="warehouse",
        latitude="52.37",
        longitude="4.89",
    )
    assert made.status_code == 303 and placed("north") == (52.37, 4.89)
    listed = client.get("/setup/locations").get_data(as_text=True)
    assert "52.37, 4.89" in listed
    page = client.get("/setup/locations/north").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="latitude"[^>]*value="52.37"', page)

    half = post(
        client, "/setup/locations/north", name="North", type="warehouse", latitude="51.0", longitude=""
    )
    assert half.status_code == 422 and "Give both latitude and longitude" in outcome(half)
    wrong = post(
        client, "/setup/locations/north", name="North", type="warehouse", latitude="95", longitude="4"
    )
    assert wrong.status_code == 422 and "-90 to 90 degrees" in wrong.get_data(as_text=True)
    not_a_number = post(
        client, "/setup/locations", code="south", name="S", type="warehouse", latitude="nan", longitude="4"
    )
    assert not_a_number.status_code == 422 and "-90 to 90 degrees" in not_a_number.get_data(as_text=True)
    assert (
        placed("north") == (52.37, 4.89)
        and db.session.scalar(select(Location).where(Location.code == "south")) is None
    )

    moved = post(
        client,
        "/setup/locations/north",
        name="North hub",
        type="warehouse",
        latitude="-33.9",
        longitude="151.2",
    )
    assert outcome(moved) == "ok: Saved north." and placed("north") == (-33.9, 151.2)
    cleared = post(
        client, "/setup/locations/north", name="North hub", type="warehouse", latitude="", longitude=""
    )
    assert cleared.status_code == 200 and placed("north") == (None, None)


def test_locations_are_imported_with_their_coordinates_and_exported_again(app):
    make_location("east", bins=("RCV-01", "A-01-01"))
    rows = [
        ["Location", "Location name", "Type", "Lat", "Lng"],
        ["north", "North hub", "service center", "52,37", "4.89"],  # a European decimal comma
        ["east", "", "", "48.86", "2.35"],  # existing: coordinates only, name and type kept
        ["west", "West", "", "95", "1"],
        ["south", "South", "", "10", ""],
        ["nameless", "", "", "", ""],
        ["bad code!", "Bad", "", "", ""],
        ["far", "Far", "moon base", "", ""],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    checked = imports.check(ImportKind.LOCATIONS, "locations.csv", out.getvalue().encode())

    assert [row["code"] for _n, _c, row in checked.good] == ["north", "east"]
    assert [(number, says) for number, _cells, says in checked.bad] == [
        (4, "Latitude 95 is out of range: -90 to 90 degrees."),
        (
            5,
            "Give both latitude and longitude, or neither (a location without them is never chosen by routing).",
        ),
        (6, "nameless is a new location: give it a name."),
        (7, "code 'bad code!': 1-32 letters, digits, - and _, e.g. MAIN or north-1."),
        (8, "type 'moon_base' is not a location type: write one of " + location_rows.TYPES + "."),
    ]
    good = [row for _n, _c, row in checked.good]
    atomically(lambda: location_rows.apply(good, skip_bad=False, actor_id=None, reference="test"))
    north = db.session.scalar(select(Location).where(Location.code == "north"))
    assert (north.name, north.type, placed("north")) == (
        "North hub",
        LocationType.SERVICE_CENTER,
        (52.37, 4.89),
    )
    assert sorted(b.code for b in db.session.scalars(select(Bin).where(Bin.location_id == north.id))) == [
        "DEFAULT",
        "RCV-01",
    ]
    east = db.session.scalar(select(Location).where(Location.code == "east"))
    assert (east.name, placed("east")) == ("East", (48.86, 2.35))
    assert list(imports.export(ImportKind.LOCATIONS)) == [
        ["code", "name", "type", "latitude", "longitude"],
        ["east", "East", "warehouse", "48.86", "2.35"],
        ["north", "North hub", "service_center", "52.37", "4.89"],
    ]


def test_the_locations_api_takes_and_answers_coordinates(client):
    admin = Api(client, accounts.create_token(user("admin"), name="setup"))
    made = admin.post(
        "/api/locations",
        {"code": "store-sf", "name": "SF store", "type": "dealer", "latitude": 37.77, "longitude": -122.42},
    )
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["latitude"], made.get_json()["longitude"]) == (37.77, -122.42)
    listed = admin.get("/api/locations").get_json()["data"]
    assert [(loc["code"], loc["latitude"], loc["longitude"]) for loc in listed] == [
        ("store-sf", 37.77, -122.42)
    ]
    half = admin.post("/api/locations", {"code": "half", "name": "Half", "latitude": 10})
    assert (half.status_code, error_code(half)) == (422, "coordinates_invalid")
    assert "Give both latitude and longitude" in half.get_json()["error"]["message"]
    beyond = admin.post(
        "/api/locations", {"code": "beyond", "name": "Beyond", "latitude": 10, "longitude": 181}
    )
    assert (beyond.status_code, error_code(beyond)) == (422, "validation_failed")
    assert db.session.scalar(select(Location).where(Location.code.in_(["half", "beyond"]))) is None


def test_an_admin_sets_how_long_a_cart_holds_stock(app, client, auth):
    auth.login("admin")
    assert 'name="cart_ttl_minutes"' in client.get("/setup").get_data(as_text=True)
    saved = post(client, "/setup/organisation", htmx=False, name="Acme", cart_ttl_minutes="15")
    assert outcome(saved) == "ok: The organisation is now called Acme. Carts now hold stock 15 minutes."
    assert reservations.cart_ttl(timedelta(minutes=60)) == timedelta(minutes=15)
    assert 'value="15"' in client.get("/setup").get_data(as_text=True)

    for wrong in ("0", "1441", "soon"):
        refused = post(client, "/setup/organisation", htmx=False, name="Acme", cart_ttl_minutes=wrong)
        assert refused.status_code == 422, wrong
    db.session.expire_all()
    assert db.session.get(Organisation, tenancy.current()).cart_ttl_minutes == 15

    default = post(client, "/setup/organisation", htmx=False, name="Acme", cart_ttl_minutes="")
    assert "Carts now hold stock 60 minutes (the installation&#39;s default)." in outcome(default)
    assert reservations.cart_ttl(timedelta(minutes=60)) == timedelta(minutes=60)


def test_the_import_page_takes_a_locations_file(client, auth):
    """Needs migration 0019 to let import_runs.kind be `locations` (its CHECK)."""
    auth.login("admin")
    assert '<option value="locations">' in client.get("/setup/import").get_data(as_text=True)
    data = {
        "kind": "locations",
        "csrf_token": csrf_token(client, "/setup/import"),
        "file": (io.BytesIO(b"Code,Name,Lat,Lng\nnorth,North hub,52.1,5.1\n"), "locations.csv"),
    }
    checked = client.post("/setup/import", data=data, content_type="multipart/form-data")
    assert checked.status_code in (200, 303), checked.get_data(as_text=True)[-500:]
    run = imports.start(
        ImportKind.LOCATIONS,
        "l.csv",
        b"code,name,lat,lng\nsouth,South,-52.1,5.1\n",
        skip_bad_rows=False,
        actor_id=None,
    )
    run = imports.begin(run.id, actor_id=None)
    while run.status is ImportStatus.RUNNING:
        run = imports.step(run.id, actor_id=None)
    assert (run.status, run.imported_rows, placed("south")) == (ImportStatus.DONE, 1, (-52.1, 5.1))
