"""Dashboard figures against known answers and against the ledger itself: a small history
placed in the past with time_machine (the ledger stamps movements with the clock), then
every tile and chart series checked, stock value per day equal to the ledger's
point-in-time balances (ledger.stock_at) valued by hand."""

from __future__ import annotations

import threading
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import time_machine
from sqlalchemy import event, select

from tests.conftest import ORG_ID
from tests.factories import Warehouse, receive
from warehouse import alerts, ledger
from warehouse.alerts.models import Alert, AlertKind, ReorderPolicy
from warehouse.catalog.models import Product
from warehouse.core import tenancy
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.counts.models import CountBatch, CountLine, CountLineStatus, CountStatus
from warehouse.demo import demo_history
from warehouse.ledger import Line
from warehouse.ledger.models import Movement, MovementType, ReasonCode
from warehouse.reporting import analytics, periods, reports, rollups, trends
from warehouse.transfers.models import Transfer, TransferStatus

COST = {"BOLT-M8": Decimal("2.50"), "NUT-M8": Decimal("0.25"), "GLUE-50": Decimal("4.00")}


@dataclass
class History:
    site: Warehouse
    today: date

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)


def at(day: date, hour: int = 10):
    """Travel to `day` so the ledger stamps its movements then."""
    return time_machine.travel(datetime.combine(day, time(hour)), tick=False)


def seed_history(site: Warehouse) -> History:
    """Known answers (today = D):
    D-40 receive 100 BOLT at main A-01-01 and 200 NUT at main A-01-02
    D-10 sell 30 BOLT at main; receive 40 NUT at north S-01-01
    D-3  adjust -5 BOLT at main (damaged); sell 20 NUT at main
    D    receive 10 BOLT at main (09:00)
    Now: BOLT main 75, NUT main 180, NUT north 40: 2 SKUs, 295 units, 187.50 + 55.00 = 242.50."""
    for product in (site.bolt, site.nut, site.glue):
        product.unit_cost = COST[product.sku]
    db.session.commit()
    history = History(site, utcnow().date())
    main_a, main_b = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")
    north = site.bin(site.north, "S-01-01")
    with at(history.day(40)):
        receive(site.bolt, main_a, 100)
        receive(site.nut, main_b, 200)
    with at(history.day(10)):
        ledger.post(MovementType.OUTBOUND_SALE, [Line.at(main_a, site.bolt, qty=-30)], actor_id=None)
        receive(site.nut, north, 40)
    with at(history.day(3)):
        ledger.post(
            MovementType.ADJUSTMENT,
            [Line.at(main_a, site.bolt, qty=-5)],
            actor_id=None,
            reason=ReasonCode.DAMAGED,
        )
        ledger.post(MovementType.OUTBOUND_SALE, [Line.at(main_b, site.nut, qty=-20)], actor_id=None)
    with at(history.day(0), hour=0):
        receive(site.bolt, main_a, 10)
    return history


def seed_rules_alerts_transfers_counts(history: History) -> None:
    """BOLT main: reorder point 80 (75 on hand: low). GLUE main: nothing at all (out, and
    low: 0 <= 5). NUT north: reorder point 10 (fine). Live alerts as judged: low BOLT, low
    GLUE, out GLUE, reorder-needed GLUE (BOLT's reorder-needed resolved by a person).
    Transfers: 2 draft, 1 in transit, 1 completed. Counts: 4 lines counted in the last 30
    days (3 exact, 1 accepted at +2 NUT = 0.50), one varied line 60 days ago, one replaced
    by a recount."""
    site = history.site
    db.session.add_all(
        [
            ReorderPolicy(product_id=site.bolt.id, location_id=site.main.id, reorder_point=80),
            ReorderPolicy(product_id=site.glue.id, location_id=site.main.id, reorder_point=5),
            ReorderPolicy(product_id=site.nut.id, location_id=site.north.id, reorder_point=10),
        ]
    )
    db.session.commit()
    # The alerts judge the new policies (as every posting would); one is then resolved.
    alerts.judge({(site.bolt.id, site.main.id), (site.glue.id, site.main.id), (site.nut.id, site.north.id)})
    db.session.commit()
    reorder = db.session.scalar(
        select(Alert).where(Alert.kind == AlertKind.REORDER_NEEDED, Alert.product_id == site.bolt.id)
    )
    alerts.resolve(reorder.id, actor_id=None)
    for status in (
        TransferStatus.DRAFT,
        TransferStatus.DRAFT,
        TransferStatus.IN_TRANSIT,
        TransferStatus.COMPLETED,
    ):
        db.session.add(Transfer(from_location_id=site.main.id, to_location_id=site.north.id, status=status))
    now = datetime.combine(history.day(2), time(12))
    old = datetime.combine(history.day(60), time(12))
    batch = CountBatch(location_id=site.main.id, status=CountStatus.RESOLVED, selection="test")
    db.session.add(batch)
    db.session.flush()
    main_a, main_b = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")

    def line(bin, product, counted, ledger_qty, status, when):
        db.session.add(
            CountLine(
                batch_id=batch.id,
                bin_id=bin.id,
                product_id=product.id,
                counted_qty=counted,
                ledger_qty_at_count=ledger_qty,
                status=status,
                counted_at=when,
                resolved_at=when,
            )
        )

    line(main_a, site.bolt, 75, 75, CountLineStatus.ACCEPTED, now)
    line(main_a, site.bolt, 75, 75, CountLineStatus.ACCEPTED, now)
    line(main_b, site.nut, 180, 180, CountLineStatus.ACCEPTED, now)
    line(main_b, site.nut, 182, 180, CountLineStatus.ACCEPTED, now)
    line(main_b, site.nut, 190, 200, CountLineStatus.REJECTED, old)
    line(main_b, site.nut, 100, 180, CountLineStatus.RECOUNT, now)
    db.session.commit()


def value_from_ledger(instant: datetime, location_id: int | None = None) -> Decimal:
    """Stock value straight from the ledger's point-in-time balances."""
    costs = {p.id: p.unit_cost for p in db.session.query(Product)}
    return sum(
        (
            Decimal(on_hand) * costs[key[0]]
            for key, (on_hand, _r, _h) in ledger.stock_at(instant, location_id=location_id).items()
        ),
        Decimal(0),
    ).quantize(Decimal("0.01"))


def test_tiles_show_stock_shortages_alerts_transfers_and_count_accuracy(site):
    history = seed_history(site)
    seed_rules_alerts_transfers_counts(history)
    span = periods.period("30d", history.today)

    tiles = analytics.tiles(None, span)

    assert (tiles.skus, tiles.units, tiles.value) == (2, 295, Decimal("242.50"))
    assert (tiles.low_stock, tiles.out_of_stock) == (2, 1)  # as the alert list shows them
    assert tiles.open_alerts == 4
    assert tiles.transfers == {"draft": 2, "approved": 0, "in_transit": 1, "received": 0}
    assert (tiles.lines_counted, tiles.lines_exact) == (4, 3)
    assert tiles.accuracy == 0.75
    assert tiles.accepted_variance_value == Decimal("0.50")
    day_before = datetime.combine(history.day(30), time.max)
    assert tiles.value_before == value_from_ledger(day_before) == Decimal("300.00")
    north = analytics.tiles(site.north.id, span)
    assert (north.skus, north.units, north.value, north.low_stock, north.out_of_stock) == (
        1,
        40,
        Decimal("10.00"),
        0,
        0,
    )
    assert north.open_alerts == 0 and north.lines_counted == 0 and north.accuracy is None
    assert analytics.tiles(None, periods.period("90d", history.today)).lines_counted == 5


def test_flows_per_day_add_up_in_out_and_adjustments(site):
    history = seed_history(site)

    data = analytics.dashboard(None, periods.period("30d", history.today))

    assert len(data.flows) == 30 and data.flows[-1].day == history.today
    busy = {
        f.day: (f.units_in, f.units_out, f.adjusted)
        for f in data.flows
        if f.units_in or f.units_out or f.adjusted
    }
    assert busy == {history.day(10): (40, 30, 0), history.day(3): (0, 20, -5), history.day(0): (10, 0, 0)}
    week = analytics.dashboard(site.main, periods.period("7d", history.today))
    assert {
        f.day: (f.units_in, f.units_out, f.adjusted)
        for f in week.flows
        if f.units_in or f.units_out or f.adjusted
    } == {history.day(3): (0, 20, -5), history.day(0): (10, 0, 0)}


def test_top_movers_rank_by_units_and_by_value(site):
    history = seed_history(site)

    data = analytics.dashboard(None, periods.period("30d", history.today))

    assert [(m.sku, m.units) for m in data.movers_by_units] == [("BOLT-M8", 30), ("NUT-M8", 20)]
    assert [(m.sku, m.value) for m in data.movers_by_value] == [
        ("BOLT-M8", Decimal("75.00")),
        ("NUT-M8", Decimal("5.00")),
    ]
    week = analytics.dashboard(None, periods.period("7d", history.today))
    assert [(m.sku, m.units) for m in week.movers_by_units] == [("NUT-M8", 20)]


def test_stock_value_per_location_per_day_equals_the_ledger_at_each_day_end(site):
    history = seed_history(site)

    data = analytics.dashboard(None, periods.period("30d", history.today))

    by_code = {s.code: s for s in data.values}
    assert set(by_code) == {"warehouse-main", "service-north"}
    for series, location in ((by_code["warehouse-main"], site.main), (by_code["service-north"], site.north)):
        assert len(series.points) == 30
        for day, value in series.points:
            end_of_day = datetime.combine(day, time.max)
            assert value == value_from_ledger(end_of_day, location.id), (series.code, day)
    main = dict(by_code["warehouse-main"].points)
    assert main[history.day(11)] == Decimal("300.00")  # 100 x 2.50 + 200 x 0.25
    assert main[history.day(10)] == Decimal("225.00")
    assert main[history.day(0)] == Decimal("232.50")  # today's value: 75 x 2.50 + 180 x 0.25


def test_long_periods_chart_weeks_ending_today_and_values_at_each_week_end(site):
    history = seed_history(site)

    data = analytics.dashboard(None, periods.period("90d", history.today))

    assert len(data.flows) == 13 and data.flows[-1].until == history.today
    assert data.flows[-1].day == history.day(6) and data.flows[0].day == history.day(89)
    assert sum(f.units_in for f in data.flows) == 100 + 200 + 40 + 10
    main = dict(next(s for s in data.values if s.code == "warehouse-main").points)
    assert sorted(main) == [last for _first, last in data.period.buckets]
    for day, value in main.items():
        assert value == value_from_ledger(datetime.combine(day, time.max), site.main.id), day
    assert len(analytics.dashboard(None, periods.period("1y", history.today)).flows) == 53


def test_value_at_a_past_instant_matches_the_ledger(site):
    history = seed_history(site)
    month_ago = datetime.combine(history.day(20), time(12))

    assert trends.value_at(month_ago) == value_from_ledger(month_ago) == Decimal("300.00")
    assert trends.value_at(datetime.combine(history.day(5), time(12))) == Decimal("235.00")
    assert trends.value_at(utcnow()) == Decimal("242.50")


def test_count_trend_counts_varied_lines_per_day(site):
    history = seed_history(site)
    seed_rules_alerts_transfers_counts(history)

    trend = analytics.count_trend(None, periods.period("90d", history.today))

    assert [(d.counted, d.varied, d.value) for d in trend] == [
        (1, 1, Decimal("-2.50")),
        (4, 1, Decimal("0.50")),
    ]
    assert trend[0].day <= history.day(60) <= trend[0].until and trend[1].until == history.today
    daily = analytics.count_trend(None, periods.period("7d", history.today))
    assert [(d.day, d.until, d.counted) for d in daily] == [(history.day(2), history.day(2), 4)]
    assert analytics.count_trend(site.north.id, periods.period("90d", history.today)) == []


def test_an_empty_warehouse_has_zero_figures(site):
    data = analytics.dashboard(None, periods.period("7d"))

    assert (data.tiles.skus, data.tiles.units, data.tiles.value) == (0, 0, Decimal("0.00"))
    assert data.values == [] and data.movers_by_units == [] and data.count_days == []
    assert len(data.flows) == 7 and not any(f.units_in or f.units_out for f in data.flows)


def test_demo_history_is_backdated_valid_and_written_once(app):
    today = utcnow().date()
    first = demo_history.load_history(today, days=10)
    again = demo_history.load_history(today, days=10)

    assert first.days == 9 and first.postings > 9 * 20
    assert again.skipped.startswith("already there")
    days = {d for (d,) in db.session.query(db.func.date(Movement.created_at)).distinct()}
    assert len(days) == 10  # the opening stock 10 days ago, then every day up to yesterday
    assert ledger.verify() == []
    data = analytics.dashboard(None, periods.period("30d", today))
    assert sum(f.units_out for f in data.flows) > 0 and data.tiles.lines_counted > 0
    week_ago = today - timedelta(days=7)
    assert reports.valuation(week_ago).total[5] == value_from_ledger(datetime.combine(week_ago, time.max))
    for series in data.values:
        assert dict(series.points)[week_ago] == value_from_ledger(
            datetime.combine(week_ago, time.max), series.location_id
        ), series.code


def test_demo_history_leaves_a_ledger_with_later_stock_alone(site):
    receive(site.bolt, site.bin(site.main, "A-01-01"), 5)

    report = demo_history.load_history(days=15)

    assert "empty database" in report.skipped and not demo_history.history_exists()


def test_closed_days_come_from_the_rollup_and_the_last_two_days_from_the_ledger(site):
    history = seed_history(site)
    span = periods.period("90d", history.today)
    analytics.dashboard(None, span)  # fills the rollup of closed days
    reads = []
    event.listen(
        db.engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, params, context, many: reads.append(statement),
    )

    receive(site.nut, site.bin(site.main, "A-01-02"), 7)  # today: read from the ledger
    data = analytics.dashboard(None, span)

    assert data.flows[-1].units_in == 10 + 7
    assert sum(f.units_in for f in data.flows) == 100 + 200 + 40 + 10 + 7
    period_scans = [s for s in reads if "stock_movements.created_at >=" in s]
    assert period_scans and all("stock_movements.created_at <" not in s for s in period_scans)


def test_stock_values_follow_a_unit_cost_change_on_days_already_rolled_up(site):
    history = seed_history(site)
    span = periods.period("30d", history.today)
    analytics.dashboard(None, span)  # rolls up the closed days at 2.50 a BOLT

    site.bolt.unit_cost = Decimal("10.00")
    db.session.commit()
    data = analytics.dashboard(None, span)

    main = next(s for s in data.values if s.code == "warehouse-main")
    assert dict(main.points)[history.day(11)] == Decimal("1050.00")  # 100 x 10.00 + 200 x 0.25
    for day, value in main.points:
        assert value == value_from_ledger(datetime.combine(day, time.max), site.main.id), day
    before = value_from_ledger(datetime.combine(history.day(30), time.max))
    assert data.tiles.value_before == before


def test_threads_fill_the_rollup_one_at_a_time_and_read_the_ledger_once(app):
    span = periods.period("30d")
    active, most, reads = [0], [0], []
    lock, start = threading.Lock(), threading.Barrier(4)

    def read(since, until):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
            reads.append((since, until))
        clock.sleep(0.05)  # long enough for an unguarded thread to start its own fill
        with lock:
            active[0] -= 1
        return [(span.first_day, 1)]

    def load(results):
        with app.app_context(), tenancy.acting_for(ORG_ID):
            start.wait()
            results.append(len(rollups._closed_days("thread-test", read, span, list)[0]))

    results = []
    threads = [threading.Thread(target=load, args=(results,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most[0] == 1 and len(reads) == 1
    assert results == [28] * 4


def test_the_kept_closed_days_are_each_organisations_own(site):
    """The dashboard keeps closed days in memory per process: one organisation's kept days
    must never answer for another's (a bug once: their product ids, or their units)."""
    from tests.factories import make_location, make_product
    from warehouse.accounts import organisations

    history = seed_history(site)
    before = analytics.dashboard(None, periods.period("30d", history.today))  # acme's days kept
    harbor = organisations.create("harbor", "Harbor Foods")
    with tenancy.acting_for(harbor.id):
        cold = make_location("warehouse-main")
        cod = make_product("COD-1")
        shelf = next(b for b in cold.bins if b.code == "A-01-01")
        with at(history.day(12)):
            receive(cod, shelf, 50)
        with at(history.day(8)):
            ledger.post(MovementType.OUTBOUND_SALE, [Line.at(shelf, cod, qty=-7)], actor_id=None)
        theirs = analytics.dashboard(None, periods.period("30d", history.today))
        assert [(m.sku, m.units) for m in theirs.movers_by_units] == [("COD-1", 7)]
    again = analytics.dashboard(None, periods.period("30d", history.today))
    assert (
        [(m.sku, m.units) for m in again.movers_by_units]
        == [(m.sku, m.units) for m in before.movers_by_units]
        == [("BOLT-M8", 30), ("NUT-M8", 20)]
    )
