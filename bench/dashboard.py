#!/usr/bin/env python
"""Dashboard benchmark: server time of the supervisor dashboard with 1M movements spread
over a year, on SQLite (target p95 < 300 ms). Not a pytest test.

    python bench/dashboard.py                          # 1M movements, SQLite temp file
    python bench/dashboard.py --movements 100000 --samples 10   # quick run
    python bench/dashboard.py --url postgresql+psycopg://USER:PASS@HOST:PORT/DB --reset

What it does (see docs/performance.md, "Dashboard"):
 1. builds the schema with the Alembic migrations on an empty database;
 2. seeds 3 locations (main 60 bins, north 20, transit), 2,000 products with unit costs,
    a reorder policy for every other product at main, some transfers, alerts and count
    lines, and the movements. Posting 1M movements through ledger.post() would take the
    best part of an hour here, so this bench (and only this bench) bulk-inserts them with
    Core: movements are generated in id order with rising created_at over 365 days, each
    movement's balance_after/reserved_after/held_after follow its key's running total (a
    sale never takes a key below zero: it becomes a receipt instead), transfers are a
    main -> north pair in one posting, and stock_balances is written from the same
    running totals. One posting row groups each chunk of 100 movements (the dashboard
    never reads postings). ledger.verify() must then find no drift;
 3. signs in as a supervisor through the real /login form and times GET /dashboard (the
    whole page: tiles + all five charts, rendered) and the htmx tiles request, for each
    period (7d, 30d, 90d, 1y), all locations and one location, with the test client in
    process: routing, session, queries, template rendering;
 4. prints a table and writes bench/results/dashboard-<engine>-<ts>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from sqlalchemy import create_engine, event, insert, inspect, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.common import log  # noqa: E402
from warehouse import accounts, create_app, ledger  # noqa: E402
from warehouse.alerts.models import Alert, AlertKind, AlertStatus, ReorderPolicy  # noqa: E402
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Location, LocationType, Product  # noqa: E402
from warehouse.core.columns import utcnow  # noqa: E402
from warehouse.core.engines import configure_engine  # noqa: E402
from warehouse.core.extensions import db  # noqa: E402
from warehouse.counts.models import CountBatch, CountLine, CountLineStatus, CountStatus  # noqa: E402
from warehouse.ledger.models import Balance, Movement, MovementType, Posting  # noqa: E402
from warehouse.transfers.models import Transfer, TransferStatus  # noqa: E402

T = MovementType
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PERIODS = ("7d", "30d", "90d", "1y")


def prepare(url: str, reset: bool) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        if inspect(engine).get_table_names():
            if engine.dialect.name == "postgresql" and reset:
                with engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            else:
                sys.exit(f"{url}: not empty. Use a new SQLite file, or --reset on PostgreSQL.")
    finally:
        engine.dispose()


def seed_engine(url: str):
    engine = create_engine(url, poolclass=NullPool)
    configure_engine(engine)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _cache(dbapi_conn, _record):
            dbapi_conn.execute("PRAGMA cache_size=-262144")  # seeding only

    return engine


class Seeder:
    def __init__(self, engine, rng: random.Random, movements: int, skus: int):
        self.engine, self.rng, self.n, self.skus = engine, rng, movements, skus

    def catalog(self) -> None:
        with self.engine.begin() as conn:
            for i, (code, type, bins) in enumerate(
                (
                    ("warehouse-main", LocationType.WAREHOUSE, 60),
                    ("service-north", LocationType.SERVICE_CENTER, 20),
                    ("transit", LocationType.TRANSIT, 1),
                )
            ):
                conn.execute(
                    insert(Location.__table__), dict(id=i + 1, code=code, name=code, type=type, active=True)
                )
                conn.execute(
                    insert(Bin.__table__),
                    [
                        dict(
                            location_id=i + 1,
                            code=f"B-{b:03d}",
                            barcode=f"{code}:B-{b:03d}",
                            kind=BinKind.STORAGE,
                            active=True,
                        )
                        for b in range(bins)
                    ],
                )
            conn.execute(
                insert(Product.__table__),
                [
                    dict(
                        id=p + 1,
                        sku=f"SKU-{p + 1:05d}",
                        name=f"Item {p + 1}",
                        lot_tracked=False,
                        expiry_tracked=False,
                        active=True,
                        unit_cost=Decimal(self.rng.randint(50, 5000)) / 100,
                    )
                    for p in range(self.skus)
                ],
            )
            conn.execute(
                insert(ReorderPolicy.__table__),
                [
                    dict(
                        product_id=p + 1,
                        location_id=1,
                        reorder_point=20,
                        reorder_qty=100,
                        lead_time_days=7,
                        safety_stock=5,
                    )
                    for p in range(0, self.skus, 2)
                ],
            )
            self.bins = {
                loc: [
                    r[0]
                    for r in conn.execute(text(f"SELECT id FROM bins WHERE location_id={loc} ORDER BY id"))
                ]
                for loc in (1, 2)
            }

    def movements(self) -> None:
        """`self.n` movements in id order over the last 365 days (see the docstring)."""
        rng, now = self.rng, utcnow()
        start = now - timedelta(days=365)
        step = (now - start) / self.n
        # Each product lives in 3 main bins and 1 north bin: 8,000 keys for 2,000 SKUs.
        keys = [(p, 1, b) for p in range(1, self.skus + 1) for b in rng.sample(self.bins[1], 3)]
        north = {p: (p, 2, rng.choice(self.bins[2])) for p in range(1, self.skus + 1)}
        weights = [1 / (1 + (k[0] % 200)) for k in keys]  # skewed demand
        on_hand: dict[tuple, int] = {}
        rows, posting_rows, mid, pid = [], [], 0, 0
        with self.engine.begin() as conn:
            while mid < self.n:
                at = start + step * mid
                if mid % 100 == 0:
                    pid += 1
                    posting_rows.append(
                        dict(id=pid, type=T.INBOUND_PURCHASE, fingerprint="bench", created_at=at)
                    )
                key = rng.choices(keys, weights)[0] if rng.random() < 0.8 else rng.choice(keys)
                have = on_hand.get(key, 0)
                roll = rng.random()
                if roll < 0.1 and have >= 10:  # transfer main -> north (two movements, one posting)
                    qty = rng.randint(1, 10)
                    for k, q in ((key, -qty), (north[key[0]], qty)):
                        on_hand[k] = on_hand.get(k, 0) + q
                        mid += 1
                        rows.append(
                            self._row(
                                mid, pid, k, q, on_hand[k], T.TRANSFER_OUT if q < 0 else T.TRANSFER_IN, at
                            )
                        )
                    continue
                if roll < 0.15 and have > 0:
                    qty, kind = rng.choice((-1, 1)), T.ADJUSTMENT
                elif roll < 0.25 and on_hand.get(north[key[0]], 0) > 0:
                    key, qty, kind = north[key[0]], -1, T.OUTBOUND_SALE
                    have = on_hand[key]
                else:
                    want = rng.randint(1, 8)
                    qty, kind = (
                        (-want, T.OUTBOUND_SALE)
                        if have >= want
                        else (rng.randint(50, 200), T.INBOUND_PURCHASE)
                    )
                on_hand[key] = have + qty
                mid += 1
                rows.append(self._row(mid, pid, key, qty, on_hand[key], kind, at))
                if len(rows) >= 20_000:
                    self._flush(conn, rows, posting_rows)
                    log(f"  {mid:,} movements")
            self._flush(conn, rows, posting_rows)
            conn.execute(
                insert(Balance.__table__),
                [
                    dict(
                        product_id=k[0],
                        location_id=k[1],
                        bin_id=k[2],
                        lot_id=NO_LOT,
                        on_hand=q,
                        reserved=0,
                        held=0,
                    )
                    for k, q in on_hand.items()
                ],
            )

    @staticmethod
    def _row(mid, pid, key, qty, after, kind, at) -> dict:
        return dict(
            id=mid,
            posting_id=pid,
            product_id=key[0],
            location_id=key[1],
            bin_id=key[2],
            lot_id=NO_LOT,
            qty=qty,
            reserved_delta=0,
            held_delta=0,
            balance_after=after,
            reserved_after=0,
            held_after=0,
            type=kind,
            created_at=at,
        )

    @staticmethod
    def _flush(conn, rows, posting_rows) -> None:
        if posting_rows:
            conn.execute(insert(Posting.__table__), posting_rows)
        if rows:
            conn.execute(insert(Movement.__table__), rows)
        rows.clear()
        posting_rows.clear()

    def side_tables(self) -> None:
        """Transfers, alerts and counted lines, so every tile has something to count."""
        rng, now = self.rng, utcnow()
        with self.engine.begin() as conn:
            statuses = list(TransferStatus)
            conn.execute(
                insert(Transfer.__table__),
                [
                    dict(
                        from_location_id=1,
                        to_location_id=2,
                        status=rng.choice(statuses),
                        version=0,
                        created_at=now,
                    )
                    for _ in range(200)
                ],
            )
            conn.execute(
                insert(Alert.__table__),
                [
                    dict(
                        kind=AlertKind.LOW_STOCK,
                        product_id=p,
                        location_id=1,
                        on_hand=1,
                        available=1,
                        message="low",
                        status=rng.choice(list(AlertStatus)),
                        raised_at=now,
                    )
                    for p in range(1, 301)
                ],
            )
            for b in range(26):
                when = now - timedelta(days=14 * b)
                batch = conn.execute(
                    insert(CountBatch.__table__).values(
                        location_id=1,
                        status=CountStatus.RESOLVED,
                        selection="bench",
                        created_at=when,
                        version=0,
                    )
                ).lastrowid
                conn.execute(
                    insert(CountLine.__table__),
                    [
                        dict(
                            batch_id=batch,
                            bin_id=self.bins[1][i],
                            product_id=rng.randint(1, self.skus),
                            lot_id=NO_LOT,
                            status=CountLineStatus.ACCEPTED,
                            unexpected=False,
                            counted_qty=10 + rng.choice((0, 0, 0, 1, -1)),
                            ledger_qty_at_count=10,
                            counted_at=when,
                            resolved_at=when,
                        )
                        for i in range(20)
                    ],
                )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(client, path: str, samples: int, headers=None) -> dict:
    client.get(path, headers=headers).get_data()  # warm: first-use template compile, statement cache
    ms = []
    for _ in range(samples):
        t0 = time.perf_counter()
        r = client.get(path, headers=headers)
        body = r.get_data()  # inside the timing: a streamed CSV is produced while it is read
        ms.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    return dict(
        p50=round(statistics.median(ms), 1),
        p95=round(pct(ms, 0.95), 1),
        max=round(max(ms), 1),
        bytes=len(body),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url")
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument(
        "--seeded", action="store_true", help="--url is a database an earlier run seeded: only measure"
    )
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-dash-')}/bench.db"
    log(f"database {url}")
    if not args.seeded:
        prepare(url, args.reset)
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if not args.seeded:
            seed(app, url, args)
        results = measure(app, args)
        engine_name = db.engine.dialect.name
    print(f"\n{'request':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'KB':>6}")
    for name, r in results.items():
        print(f"{name:<36} {r['p50']:>8} {r['p95']:>8} {r['max']:>8} {r['bytes'] / 1024:>6.0f}")
    out = ROOT / "bench" / "results" / f"dashboard-{engine_name}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            dict(
                movements=args.movements,
                skus=args.skus,
                samples=args.samples,
                python=platform.python_version(),
                results=results,
            ),
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


def seed(app, url: str, args) -> None:
    from flask_migrate import upgrade

    upgrade()
    from warehouse.accounts import organisations
    from warehouse.core import tenancy

    # One organisation; the bulk inserts below take it as their org_id (the column default).
    tenancy.enter(organisations.ensure("bench", "Bench").id)
    engine = seed_engine(url)
    seeder = Seeder(engine, random.Random(8), args.movements, args.skus)
    t0 = time.perf_counter()
    seeder.catalog()
    seeder.movements()
    seeder.side_tables()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    log(f"seeded {args.movements:,} movements in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    drifts = ledger.verify()
    log(f"verify: {len(drifts)} drifted keys ({time.perf_counter() - t0:.1f} s)")
    assert drifts == []
    accounts.create_user("bench-supervisor", "bench-password-1", "supervisor")
    db.session.remove()


def measure(app, args) -> dict:
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post(
        "/login", data=dict(username="bench-supervisor", password="bench-password-1", csrf_token=token)
    )
    results = {}
    # The first request of a process reads every closed day of the year once and keeps
    # the per-day rollups (warehouse/reporting/rollups.py); every later request reads two days.
    t0 = time.perf_counter()
    first = client.get("/dashboard?period=1y")
    cold = round((time.perf_counter() - t0) * 1000, 1)
    results["page all 1y, cold (fills rollups)"] = dict(p50=cold, p95=cold, max=cold, bytes=len(first.data))
    log(f"cold 1y page: {cold} ms")
    for location in ("", "warehouse-main"):
        for period in PERIODS:
            label = f"{location or 'all'} {period}"
            query = f"?period={period}" + (f"&location={location}" if location else "")
            results[f"page {label}"] = timed(client, "/dashboard" + query, args.samples)
            results[f"tiles {label}"] = timed(
                client, "/dashboard/tiles" + query, args.samples, headers={"HX-Request": "true"}
            )
            log(
                f"{label}: page p95 {results[f'page {label}']['p95']} ms, "
                f"tiles p95 {results[f'tiles {label}']['p95']} ms"
            )
    few = max(args.samples // 3, 3)
    results["valuation report today"] = timed(client, "/dashboard/reports/valuation", few)
    month_ago = (datetime.utcnow() - timedelta(days=30)).date().isoformat()
    results["valuation report a month ago"] = timed(
        client, f"/dashboard/reports/valuation?as_of={month_ago}", few
    )
    results["valuation CSV today (every row)"] = timed(client, "/dashboard/reports/valuation.csv", few)
    return results


if __name__ == "__main__":
    main()
