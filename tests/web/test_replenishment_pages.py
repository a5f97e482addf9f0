"""Replenishment pages through the real client: the reorder report per location with its
suggested reorder points, Apply through htmx (CSRF), the CSV and PDF carrying the rows
the page shows, operators refused, and bad input answered with a 4xx that writes nothing.
(The real-Chromium check lives in tests/browser/test_replenishment_browser.py.)"""

import csv
import io
import re

import pytest
from sqlalchemy import select

from tests.alerts.test_replenishment import policy, post
from tests.conftest import csrf_token, pdf_text
from tests.factories import receive
from warehouse.alerts.models import ReorderPolicy
from warehouse.core.extensions import db
from warehouse.ledger.models import MovementType

HX = {"HX-Request": "true"}
ROW = re.compile(r'<tr data-sku="([^"]+)" data-location="([^"]+)">(.*?)</tr>', re.S)
CELL = re.compile(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', re.S)


@pytest.fixture
def shelves(site):
    """At main: BOLT-M8 12 on hand (3 reserved), point 20, max 100 -> order 88; NUT-M8 none
    at all, point 5, reorder_qty 40 -> 40; GLUE-50 has no stock and no policy -> no row.
    At north: NUT-M8 2 on hand, point 4, max 10 -> 8. Lead time 10 days, 5 safety stock."""
    a = site.bin(site.main, "A-01-01")
    receive(site.bolt, a, 12)
    post(MovementType.RESERVE, a, site.bolt, reserved=3)
    receive(site.nut, site.bin(site.north, "S-01-01"), 2)
    policy(site.bolt, site.main, 20, max_level=100, lead_time_days=10, safety_stock=5)
    policy(site.nut, site.main, 5, reorder_qty=40, lead_time_days=10, safety_stock=5)
    policy(site.nut, site.north, 4, max_level=10, lead_time_days=10, safety_stock=5)
    return site


@pytest.fixture
def supervisor(client, auth, shelves):
    auth.login("supervisor")
    token = csrf_token(client, "/replenishment")

    def apply(htmx=True, **data):
        return client.post(
            "/replenishment/apply", data={"csrf_token": token, **data}, headers=HX if htmx else {}
        )

    return apply


def page_rows(html: str) -> list[dict]:
    rows = []
    for sku, location, cells in ROW.findall(html):
        row = {"sku": sku, "location": location}
        row.update({label: re.sub(r"<[^>]+>", " ", text).split() for label, text in CELL.findall(cells)})
        rows.append(row)
    return rows


def points():
    db.session.expire_all()
    return sorted(
        db.session.execute(
            select(ReorderPolicy.product_id, ReorderPolicy.location_id, ReorderPolicy.reorder_point)
        ).all()
    )


# --- the report -------------------------------------------------------------------------


def test_the_report_shows_every_row_with_its_order_quantity_and_suggestion(client, supervisor):
    response = client.get("/replenishment")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html and "HX-Request" in response.headers["Vary"]
    rows = page_rows(html)
    assert [(r["location"], r["sku"]) for r in rows] == [
        ("service-north", "NUT-M8"),
        ("warehouse-main", "BOLT-M8"),
        ("warehouse-main", "NUT-M8"),
    ]
    bolt = rows[1]
    assert bolt["On hand"] == ["12"] and bolt["Reserved"] == ["3"] and bolt["Available"] == ["9"]
    assert bolt["Order qty"] == ["88"] and bolt["Value"] == ["88.00"]
    assert bolt["Suggested"][0] == "5"  # no outbound yet: the safety stock alone
    assert rows[2]["Order qty"] == ["40"] and rows[0]["Order qty"] == ["8"]


def test_a_location_filter_and_htmx_get_only_the_report_region(client, supervisor, shelves):
    response = client.get(f"/replenishment?location={shelves.main.id}", headers=HX)
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 200
        and "<html" not in html
        and html.startswith('<section id="reorder-report"')
    )
    assert [(r["location"], r["sku"]) for r in page_rows(html)] == [
        ("warehouse-main", "BOLT-M8"),
        ("warehouse-main", "NUT-M8"),
    ]
    assert "/replenishment/reorder.csv?location=warehouse-main" in html
    by_code = client.get("/replenishment?location=warehouse-main", headers=HX).get_data(as_text=True)
    assert page_rows(by_code) == page_rows(html)  # the stock pages' way of naming a location


def test_the_suggestion_follows_the_outbound_of_the_chosen_window(client, supervisor, shelves):
    post(MovementType.OUTBOUND_SALE, shelves.bin(shelves.main, "A-01-01"), shelves.bolt, qty=-6)  # today
    rows = page_rows(client.get(f"/replenishment?location={shelves.main.id}&days=10").get_data(as_text=True))
    bolt = next(r for r in rows if r["sku"] == "BOLT-M8")
    assert bolt["Suggested"][:2] == ["11", "6"]  # ceil(6 / 10 x 10) + 5, "6 out in 10 days ..."
    rows = page_rows(client.get(f"/replenishment?location={shelves.main.id}&days=60").get_data(as_text=True))
    assert next(r for r in rows if r["sku"] == "BOLT-M8")["Suggested"][0] == "6"  # ceil(1) + 5


BAD_FILTERS = [
    "location=abc",
    "location=999999",
    "location=99999999999999999999",
    "location=-1",
    "days=0",
    "days=abc",
    "days=3651",
    "days=" + "9" * 30,
    "location=" + "x" * 5000,
]


def test_a_bad_filter_is_explained_with_a_400_never_a_500(client, supervisor):
    for query in BAD_FILTERS:
        for path in ("/replenishment", "/replenishment/reorder.csv", "/replenishment/reorder.pdf"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert "Choose a location from the list" in response.get_data(as_text=True)


# --- applying a suggestion --------------------------------------------------------------


def test_apply_sets_the_reorder_point_and_answers_with_the_report_region(client, supervisor, shelves):
    before = points()
    response = supervisor(
        product=shelves.bolt.id,
        location=shelves.main.id,
        value="12",
        report_location=shelves.main.id,
        days="30",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'data-result="ok"' in html and "Reorder point of BOLT-M8 at warehouse-main is now 12." in html
    assert (shelves.bolt.id, shelves.main.id, 12) in points() and len(points()) == len(before)
    assert [r["sku"] for r in page_rows(html)] == ["BOLT-M8", "NUT-M8"]  # on hand 12 <= 12: still listed
    assert 'name="days" value="30"' in html  # the same report the supervisor was looking at

    response = supervisor(product=shelves.bolt.id, location=shelves.main.id, value="11", htmx=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html and "is now 11" in html
    assert "BOLT-M8" not in [r["sku"] for r in page_rows(html)]  # 12 on hand is above 11 now


BAD_APPLIES = [
    (dict(value="abc"), 422, "Enter a whole number"),
    (dict(value="-1"), 422, "0 to 1,000,000,000"),
    (dict(value="1000000001"), 422, "0 to 1,000,000,000"),
    (dict(value="9" * 40), 422, "Enter a whole number"),
    (dict(value=""), 422, "Enter the new reorder point"),
    (dict(value="101"), 422, "above the max level 100"),
    (dict(value="5", product="abc"), 422, "Reload the page"),
    (dict(value="5", product="99999999999"), 422, "Reload the page"),
    (dict(value="5", product=""), 422, "Reload the page"),
    (dict(value="5", product="999999"), 404, "No reorder policy"),
    (dict(value="5", location="999999"), 404, "No reorder policy"),
]


def test_bad_apply_input_is_refused_with_a_message_and_writes_nothing(client, supervisor, shelves):
    before = points()
    for data, status, says in BAD_APPLIES:
        for htmx in (True, False):
            response = supervisor(
                htmx=htmx, **(dict(product=shelves.bolt.id, location=shelves.main.id) | data)
            )
            html = response.get_data(as_text=True)
            assert response.status_code == status and says in html, data
            assert "Nothing changed." in html and ("<html" in html) is not htmx
            assert points() == before, data


def test_a_broken_report_filter_on_apply_is_dropped_not_fatal(client, supervisor, shelves):
    response = supervisor(
        product=shelves.bolt.id, location=shelves.main.id, value="5", report_location="x" * 5000, days="abc"
    )
    assert response.status_code == 200 and "is now 5" in response.get_data(as_text=True)


def test_apply_without_the_csrf_token_is_refused(client, supervisor, shelves):
    before = points()
    response = client.post(
        "/replenishment/apply", data=dict(product=shelves.bolt.id, location=shelves.main.id, value="7")
    )
    assert response.status_code == 400 and points() == before


def test_an_operator_is_refused_every_replenishment_route(app, client, auth, shelves):
    before = points()
    auth.login("operator")
    token = csrf_token(client, "/stock")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("replenishment.")]
    assert {r.rule for r in rules} == {
        "/replenishment",
        "/replenishment/apply",
        "/replenishment/reorder.csv",
        "/replenishment/reorder.pdf",
    }
    for rule in rules:
        if "POST" in rule.methods:
            response = client.post(
                rule.rule,
                data=dict(csrf_token=token, product=shelves.bolt.id, location=shelves.main.id, value="1"),
            )
        else:
            response = client.get(rule.rule)
        assert response.status_code == 403, rule.rule
    assert points() == before


# --- the same rows for spreadsheets and paper ------------------------------------------


def test_the_csv_holds_exactly_the_rows_the_page_shows(client, supervisor, shelves):
    for query in ("", f"?location={shelves.main.id}", f"?location={shelves.north.id}"):
        shown = page_rows(client.get("/replenishment" + query).get_data(as_text=True))
        response = client.get("/replenishment/reorder.csv" + query)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith('attachment; filename="reorder-')
        lines = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [(r["location_code"], r["sku"]) for r in lines] == [(r["location"], r["sku"]) for r in shown]
        for line, row in zip(lines, shown):
            assert [
                line["on_hand"],
                line["reserved"],
                line["available"],
                line["inbound"],
                line["suggested_qty"],
            ] == [
                row["On hand"][0],
                row["Reserved"][0],
                row["Available"][0],
                row["Inbound"][0],
                row["Order qty"][0],
            ]
            assert line["suggested_value"] == row["Value"][0].replace(",", "")


def test_the_pdf_holds_the_rows_the_page_shows_and_its_filter(client, supervisor, shelves, tmp_path):
    query = f"?location={shelves.main.id}"
    shown = page_rows(client.get("/replenishment" + query).get_data(as_text=True))
    response = client.get("/replenishment/reorder.pdf" + query)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "Location: warehouse-main" in text and "Reorder report" in text
    for row in shown:
        line = next(l for l in text.splitlines() if f" {row['sku']} " in f" {l} ")
        assert line.split()[0] == row["location"] and line.split()[-2:] == [
            row["Order qty"][0],
            row["Value"][0],
        ]
    assert "service-north" not in text


def test_the_transit_location_has_an_empty_report_not_an_error(client, app):
    """The dashboard links every location's tiles to the reorder report, transit too."""
    from tests.conftest import Auth
    from tests.factories import make_location
    from warehouse.catalog.models import LocationType

    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    Auth(client).login("supervisor")
    response = client.get("/replenishment?location=transit")
    assert response.status_code == 200
