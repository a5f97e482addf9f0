"""Replenishment: the reorder report with known answers (reorder_qty vs filling to
max_level, inbound transfers counted, reserved and held shown but the rule on on_hand),
the suggested reorder point from seeded ledger history, applying it, and the CSV and PDF
carrying the same rows."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import in_organisation, pdf_text
from tests.factories import make_location, make_product, receive
from warehouse import accounts, ledger, transfers
from warehouse.alerts import replenishment
from warehouse.alerts.models import Alert, AlertKind, ReorderPolicy
from warehouse.alerts.replenishment import ReorderRow
from warehouse.catalog.models import LocationType
from warehouse.core.errors import InvalidPosting, NotAllowed, NotFound
from warehouse.core.extensions import db
from warehouse.ledger.models import MovementType
from warehouse.paper import reorder_report


def policy(
    product, location, reorder_point, reorder_qty=0, max_level=None, lead_time_days=0, safety_stock=0
) -> ReorderPolicy:
    row = ReorderPolicy(
        product_id=product.id,
        location_id=location.id,
        reorder_point=reorder_point,
        reorder_qty=reorder_qty,
        max_level=max_level,
        lead_time_days=lead_time_days,
        safety_stock=safety_stock,
    )
    db.session.add(row)
    db.session.commit()
    return row


def post(type, bin, product, **deltas):
    return ledger.post(type, [ledger.Line.at(bin, product, **deltas)], actor_id=None)


@pytest.fixture
def floor(site):
    """Known answers (main = warehouse-main, north = service-north):
    - BOLT-M8 at main: 15 on hand; 8 on an approved transfer and 4 in transit from north,
      50 more on a mere draft; policy point 20, no reorder_qty, max 100 -> 100 - (15 + 12) = 73.
    - NUT-M8 at main: 6 on hand, 2 reserved, 1 held; point 6 (at it), reorder_qty 50, max 200 -> 50.
    - GLUE-50 at main: nothing ever; point 5, no qty, no max -> back up to the point: 5.
    - WASHER at main: 10 on hand, 9 reserved (1 available): point 3, on hand above it -> no row.
    - BOLT-M8 at north: 30 in, 4 shipped out, 8 reserved -> 26 on hand; point 40, qty 10 -> 10.
    """
    site.transit = make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    main_a, main_b = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    north_s = site.bin(site.north, "S-01-01")
    site.washer = make_product("WASHER-M8")
    receive(site.bolt, main_a, 10)
    receive(site.bolt, main_b, 5)
    receive(site.nut, main_a, 6)
    post(MovementType.RESERVE, main_a, site.nut, reserved=2)
    post(MovementType.HOLD, main_a, site.nut, held=1)
    receive(site.washer, main_b, 10)
    post(MovementType.RESERVE, main_b, site.washer, reserved=9)
    receive(site.bolt, north_s, 30)
    shipped = transfers.create(site.north.id, site.main.id, actor_id=None)
    transfers.add_line(shipped.id, site.bolt, 4)
    transfers.approve(shipped.id, actor_id=None)
    transfers.pick(shipped.id, north_s, site.bolt, 4, actor_id=None)
    transfers.ship(shipped.id, actor_id=None)
    approved = transfers.create(site.north.id, site.main.id, actor_id=None)
    transfers.add_line(approved.id, site.bolt, 8)
    transfers.approve(approved.id, actor_id=None)
    draft = transfers.create(site.north.id, site.main.id, actor_id=None)
    transfers.add_line(draft.id, site.bolt, 50)
    policy(site.bolt, site.main, 20, max_level=100)
    policy(site.nut, site.main, 6, reorder_qty=50, max_level=200)
    policy(site.glue, site.main, 5)
    policy(site.washer, site.main, 3, max_level=50)
    policy(site.bolt, site.north, 40, reorder_qty=10)
    return site


def _by_place(rows):
    return {(row.location_code, row.sku): row for row in rows}


def test_the_report_lists_skus_at_or_below_their_reorder_point_with_known_figures(floor):
    rows = replenishment.reorder_report()
    assert [(r.location_code, r.sku) for r in rows] == [
        ("service-north", "BOLT-M8"),
        ("warehouse-main", "BOLT-M8"),
        ("warehouse-main", "GLUE-50"),
        ("warehouse-main", "NUT-M8"),
    ]
    got = _by_place(rows)
    bolt = got[("warehouse-main", "BOLT-M8")]
    assert (bolt.on_hand, bolt.reserved, bolt.held, bolt.available, bolt.inbound) == (15, 0, 0, 15, 12)
    assert (bolt.reorder_point, bolt.reorder_qty, bolt.max_level, bolt.suggested_qty) == (20, 0, 100, 73)
    assert bolt.unit_cost == Decimal("1") and bolt.suggested_value == Decimal("73.00")
    assert bolt.product_id == floor.bolt.id and bolt.location_id == floor.main.id
    nut = got[("warehouse-main", "NUT-M8")]
    assert (nut.on_hand, nut.reserved, nut.held, nut.available, nut.inbound) == (6, 2, 1, 3, 0)
    assert nut.suggested_qty == 50 and nut.suggested_value == Decimal("50.00")  # reorder_qty wins over max
    glue = got[("warehouse-main", "GLUE-50")]
    assert (glue.on_hand, glue.available, glue.inbound, glue.max_level, glue.suggested_qty) == (
        0,
        0,
        0,
        None,
        5,
    )
    north = got[("service-north", "BOLT-M8")]
    assert (north.on_hand, north.reserved, north.available, north.inbound, north.suggested_qty) == (
        26,
        8,
        18,
        0,
        10,
    )


def test_a_location_filter_keeps_only_that_locations_rows(floor):
    assert [r.sku for r in replenishment.reorder_report(floor.main.id)] == ["BOLT-M8", "GLUE-50", "NUT-M8"]
    assert [r.sku for r in replenishment.reorder_report(floor.north.id)] == ["BOLT-M8"]
    assert replenishment.reorder_report(999_999) == []
    assert replenishment.reorder_report(10**20) == [] and replenishment.reorder_report(-1) == []


def test_on_hand_above_the_point_is_no_row_even_when_reservations_leave_little_available(floor):
    washer = [r for r in replenishment.reorder_report() if r.sku == "WASHER-M8"]
    assert washer == []
    post(MovementType.OUTBOUND_SALE, floor.bin(floor.main, "A-01-02"), floor.washer, qty=-1, reserved=-1)
    post(MovementType.OUTBOUND_SALE, floor.bin(floor.main, "A-01-02"), floor.washer, qty=-6, reserved=-6)
    (row,) = [r for r in replenishment.reorder_report() if r.sku == "WASHER-M8"]
    assert (row.on_hand, row.reserved, row.available, row.suggested_qty) == (3, 2, 1, 47)  # max 50 - 3


def test_filling_to_max_level_never_goes_negative_when_inbound_covers_it(floor):
    extra = transfers.create(floor.north.id, floor.main.id, actor_id=None)
    transfers.add_line(extra.id, floor.bolt, 18)
    transfers.approve(extra.id, actor_id=None)  # north had 18 free: 26 on hand, 8 reserved
    bolt = _by_place(replenishment.reorder_report())[("warehouse-main", "BOLT-M8")]
    assert bolt.inbound == 30 and bolt.suggested_qty == 100 - 45
    assert replenishment.suggested_qty(15, 120, 20, 0, 100) == 0
    assert replenishment.suggested_qty(15, 0, 20, 0, None) == 5


def test_a_short_picked_approved_line_brings_only_what_was_picked(floor):
    approved = next(t for t in transfers.listing(transfers.S.APPROVED))
    line = approved.lines[0]
    transfers.pick(approved.id, floor.bin(floor.north, "S-01-01"), floor.bolt, 3, actor_id=None)
    transfers.short_pick(approved.id, line.id, "not_found", actor_id=None)
    bolt = _by_place(replenishment.reorder_report())[("warehouse-main", "BOLT-M8")]
    assert bolt.inbound == 4 + 3 and bolt.suggested_qty == 100 - 22


def test_the_report_is_one_query_whatever_the_number_of_rows(floor, app):
    from sqlalchemy import event

    statements = []

    def listener(*args):
        return statements.append(args[2]) if args[2].lstrip().upper().startswith("SELECT") else None

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        rows = replenishment.reorder_report()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(rows) == 4 and len(statements) == 1


# --- suggested reorder point from the ledger --------------------------------------------


def at(*when):
    return time_machine.travel(datetime(*when, tzinfo=timezone.utc), tick=False)


@pytest.fixture
def history(site):
    """Main, BOLT-M8, lead time 7 days, safety stock 10; the last 30 days up to and
    including 2026-11-22 (window 2026-10-24 00:00 to 2026-11-23 00:00) saw 30 sold, 15
    fulfilled and 20 transferred out: 65 units. Outside it or not outbound: 40 sold
    before, 9 sold after, 5 adjusted away, 7 put away, 11 sold at north."""
    site.transit = make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    a, b = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    transit = site.transit.bins[0]
    with at(2026, 10, 1, 8):
        receive(site.bolt, a, 500)
        receive(site.bolt, site.bin(site.north, "S-01-01"), 50)
    with at(2026, 10, 23, 23, 59, 59):
        post(MovementType.OUTBOUND_SALE, a, site.bolt, qty=-40)
    with at(2026, 10, 24, 0, 0, 0):
        post(MovementType.OUTBOUND_SALE, a, site.bolt, qty=-30)
    with at(2026, 11, 10, 12):
        post(MovementType.RESERVE, a, site.bolt, reserved=15)
        post(MovementType.FULFILL, a, site.bolt, qty=-15, reserved=-15)
        post(MovementType.ADJUSTMENT, a, site.bolt, qty=-5)
        ledger.post(
            MovementType.PUTAWAY,
            [ledger.Line.at(a, site.bolt, qty=-7), ledger.Line.at(b, site.bolt, qty=7)],
            actor_id=None,
        )
        post(MovementType.OUTBOUND_SALE, site.bin(site.north, "S-01-01"), site.bolt, qty=-11)
    with at(2026, 11, 22, 23, 59, 59):
        ledger.post(
            MovementType.TRANSFER_OUT,
            [ledger.Line.at(a, site.bolt, qty=-20), ledger.Line.at(transit, site.bolt, qty=20)],
            actor_id=None,
        )
    with at(2026, 11, 23, 0, 0, 0):
        post(MovementType.OUTBOUND_SALE, a, site.bolt, qty=-9)
    policy(site.bolt, site.main, 20, reorder_qty=100, max_level=400, lead_time_days=7, safety_stock=10)
    return site


def test_the_suggested_reorder_point_is_daily_outbound_times_lead_time_plus_safety_stock(history):
    s = replenishment.suggested_reorder_point(
        history.bolt.id, history.main.id, days=30, today=date(2026, 11, 22)
    )
    assert (s.units_out, s.days, s.lead_time_days, s.safety_stock) == (65, 30, 7, 10)
    assert s.since == datetime(2026, 10, 24) and s.until == datetime(2026, 11, 23)
    assert s.average_daily == Decimal("2.17")
    assert s.value == 26  # 65 x 7 / 30 = 15.17, rounded up to 16, + 10
    assert s.current == 20 and s.changes
    assert "65 out in 30 days" in s.working and s.working.endswith("→ 26")


def test_the_window_follows_today_and_the_clock_when_today_is_not_given(history):
    later = replenishment.suggested_reorder_point(
        history.bolt.id, history.main.id, days=30, today=date(2026, 11, 23)
    )
    assert later.units_out == 65 - 30 + 9  # 10-24 leaves the window, 11-23 joins it
    assert later.value == -(-(44 * 7) // 30) + 10 == 21
    with at(2026, 11, 22, 15):
        default = replenishment.suggested_reorder_point(history.bolt.id, history.main.id)
    assert default.days == 90 and default.units_out == 40 + 30 + 15 + 20  # all of it but the 23rd's
    assert default.value == -(-(105 * 7) // 90) + 10 == 19


def test_with_no_outbound_the_suggestion_is_the_safety_stock(history):
    s = replenishment.suggested_reorder_point(
        history.bolt.id, history.main.id, days=7, today=date(2026, 10, 20)
    )
    assert (s.units_out, s.value, s.average_daily) == (0, 10, Decimal("0.00"))


def test_many_suggestions_come_from_two_queries(history, app):
    from sqlalchemy import event

    policy(history.bolt, history.north, 5, lead_time_days=3, safety_stock=1)
    bolt, nut, main, north = history.bolt.id, history.nut.id, history.main.id, history.north.id
    statements = []

    def listener(*args):
        return statements.append(args[2]) if args[2].lstrip().upper().startswith("SELECT") else None

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        found = replenishment.suggestions(
            [(bolt, main), (bolt, north), (nut, main)], days=30, today=date(2026, 11, 22)
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 2
    assert set(found) == {(bolt, main), (bolt, north)}
    assert found[(bolt, north)].units_out == 11 and found[(bolt, main)].units_out == 65
    assert found[(bolt, north)].value == 2 + 1  # ceil(11 x 3 / 30) + 1


def test_a_long_list_of_places_reads_the_ledger_by_location_and_time_alone(history, monkeypatch):
    bolt, nut, main = history.bolt.id, history.nut.id, history.main.id
    few = replenishment.suggestions([(bolt, main), (nut, main)], days=30, today=date(2026, 11, 22))
    monkeypatch.setattr(replenishment, "MANY", 0)
    many = replenishment.suggestions(
        [(bolt, main), (nut, main), (10**20, main)], days=30, today=date(2026, 11, 22)
    )
    assert many == few and list(many) == [(bolt, main)] and many[(bolt, main)].units_out == 65


def test_a_suggestion_needs_a_policy_and_a_sensible_window(history):
    with pytest.raises(NotFound):
        replenishment.suggested_reorder_point(history.nut.id, history.main.id)
    for days in (0, -1, 3651, "30", 1.5, True):
        with pytest.raises(InvalidPosting):
            replenishment.suggested_reorder_point(history.bolt.id, history.main.id, days=days)


# --- applying ---------------------------------------------------------------------------


def _user(role: str):
    return accounts.create_user(role, "correct-horse-battery", role)


def _points():
    return sorted(
        db.session.execute(
            select(ReorderPolicy.product_id, ReorderPolicy.location_id, ReorderPolicy.reorder_point)
        ).all()
    )


def test_a_supervisor_applies_a_suggested_reorder_point(history):
    supervisor = _user("supervisor")
    s = replenishment.suggested_reorder_point(
        history.bolt.id, history.main.id, days=30, today=date(2026, 11, 22)
    )
    applied = replenishment.apply_reorder_point(
        history.bolt.id, history.main.id, s.value, actor_id=supervisor.id
    )
    assert applied.reorder_point == 26
    db.session.expire_all()
    assert db.session.scalar(select(ReorderPolicy.reorder_point)) == 26
    again = replenishment.apply_reorder_point(history.bolt.id, history.main.id, 26, actor_id=supervisor.id)
    assert again.reorder_point == 26 and _points() == [(history.bolt.id, history.main.id, 26)]


def test_applying_a_point_raises_and_clears_the_low_stock_alert_at_once(history):
    supervisor = _user("supervisor")
    on_hand = 500 - 40 - 30 - 15 - 5 - 20 - 9  # the history's sales, fulfilment, adjustment, transfer
    assert replenishment.reorder_report(history.main.id) == []  # 381 is far above the point of 20

    def live():
        db.session.expire_all()
        return db.session.scalars(
            select(Alert.kind).where(
                Alert.product_id == history.bolt.id,
                Alert.location_id == history.main.id,
                Alert.live_key.is_not(None),
            )
        ).all()

    assert AlertKind.LOW_STOCK not in live()
    replenishment.apply_reorder_point(history.bolt.id, history.main.id, on_hand, actor_id=supervisor.id)
    assert AlertKind.LOW_STOCK in live() and AlertKind.REORDER_NEEDED in live()
    replenishment.apply_reorder_point(history.bolt.id, history.main.id, on_hand - 1, actor_id=supervisor.id)
    assert AlertKind.LOW_STOCK not in live() and AlertKind.REORDER_NEEDED not in live()


def test_a_bad_reorder_point_is_refused_and_writes_nothing(history):
    supervisor = _user("supervisor")
    before = _points()
    for value in (-1, 401, 1_000_000_001, 10**30, "26", 2.5, None, True):
        with pytest.raises(InvalidPosting) as refused:
            replenishment.apply_reorder_point(history.bolt.id, history.main.id, value, actor_id=supervisor.id)
        if value == 401:
            assert "above the max level 400" in refused.value.message
        db.session.expire_all()
        assert _points() == before, value


def test_only_supervisors_apply_and_only_to_existing_policies(history):
    before = _points()
    operator, admin = _user("operator"), _user("admin")
    for actor_id in (operator.id, None, 999_999):
        with pytest.raises(NotAllowed):
            replenishment.apply_reorder_point(history.bolt.id, history.main.id, 30, actor_id=actor_id)
    with pytest.raises(NotFound):
        replenishment.apply_reorder_point(history.nut.id, history.main.id, 30, actor_id=admin.id)
    for location_id in (2_000_000_000, 10**20, 0, "1"):
        with pytest.raises(NotFound):
            replenishment.apply_reorder_point(history.bolt.id, location_id, 30, actor_id=admin.id)
    db.session.expire_all()
    assert _points() == before
    assert (
        replenishment.apply_reorder_point(
            history.bolt.id, history.main.id, 30, actor_id=admin.id
        ).reorder_point
        == 30
    )


# --- export -----------------------------------------------------------------------------


def test_the_csv_has_a_header_and_one_line_per_row_with_the_same_figures(floor):
    rows = replenishment.reorder_report()
    parsed = list(csv.reader(io.StringIO(reorder_report.to_csv(rows))))
    assert parsed[0] == list(reorder_report.CSV_COLUMNS)
    assert len(parsed) == 1 + len(rows)
    for line, row in zip(parsed[1:], rows):
        record = dict(zip(parsed[0], line))
        assert record["sku"] == row.sku and record["location_code"] == row.location_code
        assert int(record["suggested_qty"]) == row.suggested_qty and int(record["inbound"]) == row.inbound
        assert record["max_level"] == ("" if row.max_level is None else str(row.max_level))
        assert Decimal(record["suggested_value"]) == row.suggested_value


def test_csv_text_that_a_spreadsheet_would_run_is_defused():
    row = ReorderRow(
        "=HYPERLINK(1)", "@SUM(A1)", 1, 1, "loc", 0, 0, 0, 0, 0, 1, 0, None, 1, Decimal("1"), Decimal("1.00")
    )
    line = list(csv.reader(io.StringIO(reorder_report.to_csv([row]))))[1]
    assert line[1] == "'=HYPERLINK(1)" and line[2] == "'@SUM(A1)"


def test_the_pdf_carries_the_filters_and_every_row(floor, tmp_path):
    rows = replenishment.reorder_report(floor.main.id)
    data = reorder_report.reorder_pdf(
        rows, {"Location": "warehouse-main", "Generated": "2026-11-22 09:00 UTC"}
    )
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    assert "Reorder report" in text and "Location: warehouse-main" in text and "2026-11-22 09:00 UTC" in text
    for row in rows:
        line = next(l for l in text.splitlines() if row.sku in l)
        assert line.split()[-2:] == [str(row.suggested_qty), str(row.suggested_value)]
    assert "page 1 of 1" in text


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_every_pdf_column_header_fits_its_column(page_size):
    from reportlab.lib.pagesizes import landscape
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from warehouse.paper.slips import BOLD, CELL_PAD, MARGIN, TEXT_SIZE, paper_size

    width = landscape(paper_size(page_size))[0] - 2 * MARGIN
    assert sum(share for _h, share, _a in reorder_report.PDF_COLUMNS) == pytest.approx(1.0)
    for header, share, _attr in reorder_report.PDF_COLUMNS:
        assert stringWidth(header, BOLD, TEXT_SIZE) + 2 * CELL_PAD <= width * share, header


def test_an_empty_report_still_prints(app, tmp_path):
    text = pdf_text(reorder_report.reorder_pdf([], {"Location": "All locations"}), tmp_path)
    assert "Nothing is at or below its reorder point." in text


# --- the demo data ----------------------------------------------------------------------


def test_the_demo_shows_real_reorder_conditions_at_two_locations(app):

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with in_organisation("demo"):
        _the_demo_shows_real_reorder_conditions()


def _the_demo_shows_real_reorder_conditions():
    from warehouse.alerts.models import AlertStatus
    from warehouse.catalog.models import Location

    rows = replenishment.reorder_report()
    places = {row.location_code for row in rows}
    assert places == {"warehouse-main", "service-north"}
    main = [row for row in rows if row.location_code == "warehouse-main"]
    assert len(main) >= 3 and [row.sku for row in main if row.on_hand == 0] == ["SKU-10109"]
    assert any(row.inbound > 0 for row in main)  # the approved transfer from north
    returns = db.session.scalar(select(Location).where(Location.code == "returns"))
    assert returns.type is LocationType.RETURNS and returns.name == "Returns"
    assert [b.code for b in returns.bins] == ["RET-01"]
    live = dict(
        db.session.execute(
            select(Alert.kind, func.count()).where(Alert.status == AlertStatus.OPEN).group_by(Alert.kind)
        ).all()
    )
    assert live[AlertKind.OUT_OF_STOCK] == 1 and live[AlertKind.OVERSTOCK] == 1
    assert live[AlertKind.LOW_STOCK] == len(rows)  # low stock is on hand <= the point, as the report
    assert live[AlertKind.REORDER_NEEDED] == len([row for row in rows if row.inbound == 0])


def test_the_csv_helper_defuses_formula_text_and_leaves_numbers_alone():
    from warehouse.core.csv_safe import safe_cell

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    assert [safe_cell(v) for v in ("BOLT-M8", "a=1", -5, Decimal("-1.50"), None)] == [
        "BOLT-M8",
        "a=1",
        -5,
        Decimal("-1.50"),
        None,
    ]
