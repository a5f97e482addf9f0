#!/usr/bin/env python
"""Stock-ledger benchmark: write throughput of the real posting service against the raw
engine limit, and stock-read latency at 10k and at 1M movements. Not a pytest test.

    python bench/ledger.py                      # SQLite file in a fresh temp dir
    python bench/ledger.py --url postgresql+psycopg://USER:PASS@HOST:PORT/DB
    python bench/ledger.py --skus 5000 --movements 100000 --postings 1000   # quick run

What it does, in one process and on one engine (see docs/performance.md):
 1. builds the schema with the Alembic migrations on an empty database;
 2. seeds products (each with a barcode), 3 locations with 20 bins each, and the first
    10k movements with bulk Core inserts (one posting row groups each chunk of movements;
    every movement's *_after figures follow its key's running totals in id order, and
    stock_balances is written from the same totals), then checks ledger.verify();
 3. measures read latency (ledger.balance for one key, stock.sku_stock for one SKU);
 4. seeds the rest of the movements, checks verify(), measures the reads again;
 5. measures postings/s through ledger.post() (one line per posting, +1 then -1 on an
    existing key) and the raw limit on a DBAPI connection from the same engine (per
    transaction: one guarded UPDATE ... RETURNING of a balance + one INSERT of a
    movement, commit), in alternating rounds so noise hits both alike;
 6. checks verify() again, prints a table and writes bench/results/<engine>-<ts>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # config.py and the migrations are found relative to the project

from sqlalchemy import create_engine, event, func, insert, inspect, select, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.common import log  # noqa: E402
from warehouse import create_app, ledger  # noqa: E402
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Location, LocationType, Product, ProductBarcode  # noqa: E402
from warehouse.core import transactions  # noqa: E402
from warehouse.core.columns import utcnow  # noqa: E402
from warehouse.core.engines import configure_engine  # noqa: E402
from warehouse.core.extensions import db  # noqa: E402
from warehouse.ledger import (  # noqa: E402
    MAX_BALANCE,
    Line,
    stock,  # noqa: E402
)
from warehouse.ledger.models import Balance, Movement, MovementType, Posting  # noqa: E402

BALANCES = Balance.__table__
MOVEMENTS = Movement.__table__
POSTINGS = Posting.__table__

FIRST_STAGE = 10_000  # movements before the first read measurement
CHUNK = 20_000  # movements per seeding transaction (and per seeding posting row)
BINS_PER_LOCATION = 20
LOCATIONS = [
    ("BENCH-A", "Bench warehouse A", LocationType.WAREHOUSE),
    ("BENCH-B", "Bench warehouse B", LocationType.WAREHOUSE),
    ("BENCH-S", "Bench service center", LocationType.SERVICE_CENTER),
]
WARMUP_READS = 100
WARMUP_WRITES = 100


# --- database setup ----------------------------------------------------------------------


def prepare_empty(url: str, reset: bool) -> None:
    """Refuse a non-empty database (PostgreSQL: --reset drops and recreates schema public)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        tables = inspect(engine).get_table_names()
        if not tables:
            return
        if engine.dialect.name == "postgresql" and reset:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            log("dropped and recreated schema public")
            return
        sys.exit(
            f"{url}: database is not empty ({len(tables)} tables). Use an empty "
            "database"
            + (" or pass --reset." if engine.dialect.name == "postgresql" else " (a new SQLite file).")
        )
    finally:
        engine.dispose()


def seed_engine(url: str):
    """A separate engine for bulk seeding (same per-connection setup as the app's, plus a
    big page cache on SQLite) so the measured engine's connections stay untouched."""
    engine = create_engine(url, poolclass=NullPool)
    configure_engine(engine)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _cache(dbapi_conn, _record):
            dbapi_conn.execute("PRAGMA cache_size=-262144")  # 256 MiB, seeding only

    return engine


def after_bulk_load(engine) -> None:
    """PostgreSQL: ANALYZE (+VACUUM for the visibility map), as autovacuum would do within
    a minute or so of a bulk load. SQLite is left as the app leaves it (no ANALYZE)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


# --- seeding -----------------------------------------------------------------------------


class Seeder:
    """Generates movements per key with running totals, writes them in bulk Core inserts."""

    def __init__(self, engine, skus: int, rng: random.Random, *, org_id: int, prefix: str = ""):
        # The seeding engine is not scoped (bulk loading, below the app): every row names
        # its organisation, every lookup filters on it. `prefix` keeps codes apart between
        # organisations so that a copy migrated down to a schema without organisations
        # (bench/api.py --baseline) still has unique SKUs and location codes.
        self.org_id, self.prefix = org_id, prefix
        self.engine = engine
        self.rng = rng
        self.skus = skus
        self.state: dict[tuple, list[int]] = {}  # key -> [on_hand, reserved, held]
        self.keys: list[tuple] = []
        self.count = 0  # movements written
        self.clock = utcnow().replace(microsecond=0) - timedelta(days=400)

    def catalog(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(Location.__table__),
                [
                    dict(org_id=self.org_id, code=self.prefix + c, name=n, type=t, active=True)
                    for c, n, t in LOCATIONS
                ],
            )
            locs = {
                code.removeprefix(self.prefix): id
                for code, id in conn.execute(
                    select(Location.code, Location.id).where(
                        Location.org_id == self.org_id,
                        Location.code.in_([self.prefix + c for c, *_ in LOCATIONS]),
                    )
                )
            }
            conn.execute(
                insert(Bin.__table__),
                [
                    dict(
                        org_id=self.org_id,
                        location_id=locs[c],
                        code=f"R{i:02d}",
                        barcode=f"{self.prefix}{c}-R{i:02d}",
                        kind=BinKind.STORAGE,
                        active=True,
                    )
                    for c, *_ in LOCATIONS
                    for i in range(1, BINS_PER_LOCATION + 1)
                ],
            )
            bins = {}
            for loc_id, bin_id in conn.execute(
                select(Bin.location_id, Bin.id)
                .where(Bin.location_id.in_(locs.values()))
                .order_by(Bin.location_id, Bin.id)
            ):
                bins.setdefault(loc_id, []).append(bin_id)
            for start in range(0, self.skus, 10_000):
                stop = min(start + 10_000, self.skus)
                conn.execute(
                    insert(Product.__table__),
                    [
                        dict(
                            org_id=self.org_id,
                            sku=f"{self.prefix}BSKU-{i:06d}",
                            name=f"Bench item {i}",
                            unit_cost=Decimal("1.2500"),
                            lot_tracked=False,
                            expiry_tracked=False,
                            active=True,
                        )
                        for i in range(start, stop)
                    ],
                )
            products = list(
                conn.execute(
                    select(Product.id, Product.sku)
                    .where(Product.org_id == self.org_id, Product.sku.like(f"{self.prefix}BSKU-%"))
                    .order_by(Product.id)
                )
            )
            for start in range(0, len(products), 10_000):
                conn.execute(
                    insert(ProductBarcode.__table__),
                    [
                        dict(org_id=self.org_id, product_id=pid, code=f"29{pid:011d}")
                        for pid, _sku in products[start : start + 10_000]
                    ],
                )
        a, b, s = (locs[c] for c, *_ in LOCATIONS)
        for n, (pid, _sku) in enumerate(products):
            # every product in a bin of A and of B; every tenth also at the service center
            self.keys.append((pid, a, bins[a][n % BINS_PER_LOCATION], NO_LOT))
            self.keys.append((pid, b, bins[b][(n * 7) % BINS_PER_LOCATION], NO_LOT))
            if n % 10 == 0:
                self.keys.append((pid, s, bins[s][n % BINS_PER_LOCATION], NO_LOT))
        log(
            f"catalog: {len(products):,} products (+barcodes), {len(LOCATIONS)} locations x "
            f"{BINS_PER_LOCATION} bins, {len(self.keys):,} possible balance keys"
        )

    def _movement(self, key: tuple, posting_id: int) -> dict:
        rng = self.rng
        st = self.state.setdefault(key, [0, 0, 0])
        on, res, held = st
        avail = on - res - held
        qty = rsv = hld = 0
        r = rng.random()
        if on == 0 or r < 0.40 or (avail <= 0 and r < 0.88):
            qty, type_ = rng.randint(1, 40), MovementType.INBOUND_PURCHASE
        elif r < 0.75:
            qty, type_ = -rng.randint(1, min(avail, 20)), MovementType.OUTBOUND_SALE
        elif r < 0.88:
            rsv, type_ = rng.randint(1, min(avail, 10)), MovementType.RESERVE
        elif r < 0.95 and res > 0:
            rsv, type_ = -rng.randint(1, res), MovementType.RELEASE
        elif r < 0.98 and avail > 0:
            hld, type_ = 1, MovementType.HOLD
        elif held > 0:
            hld, type_ = -held, MovementType.HOLD_RELEASE
        else:
            qty, type_ = rng.randint(1, 40), MovementType.INBOUND_PURCHASE
        st[0], st[1], st[2] = on + qty, res + rsv, held + hld
        self.clock += timedelta(seconds=30)
        return dict(
            org_id=self.org_id,
            posting_id=posting_id,
            product_id=key[0],
            location_id=key[1],
            bin_id=key[2],
            lot_id=key[3],
            qty=qty,
            reserved_delta=rsv,
            held_delta=hld,
            balance_after=st[0],
            reserved_after=st[1],
            held_after=st[2],
            type=type_,
            reason=None,
            reference_type=None,
            reference_id=None,
            user_id=None,
            created_at=self.clock,
        )

    def movements(self, n: int) -> float:
        """Append n movements on random keys; rewrite stock_balances from the totals."""
        t0 = time.perf_counter()
        with self.engine.connect() as conn:
            done = 0
            while done < n:
                size = min(CHUNK, n - done)
                with conn.begin():
                    posting_id = conn.execute(
                        insert(POSTINGS)
                        .values(
                            org_id=self.org_id,
                            type=MovementType.ADJUSTMENT,
                            idempotency_key=None,
                            fingerprint="bench-seed",
                            reference_type="bench-seed",
                            reference_id=str(self.count + done),
                            note="benchmark seed",
                            user_id=None,
                            created_at=self.clock,
                        )
                        .returning(POSTINGS.c.id)
                    ).scalar_one()
                    rows = [self._movement(self.rng.choice(self.keys), posting_id) for _ in range(size)]
                    conn.execute(insert(MOVEMENTS), rows)
                done += size
                if (self.count + done) % 200_000 == 0:
                    log(f"  {self.count + done:,} movements")
            with conn.begin():  # balances = running totals of every key touched so far
                conn.execute(BALANCES.delete().where(BALANCES.c.org_id == self.org_id))
                items = list(self.state.items())
                for start in range(0, len(items), 20_000):
                    conn.execute(
                        insert(BALANCES),
                        [
                            dict(
                                org_id=self.org_id,
                                product_id=k[0],
                                location_id=k[1],
                                bin_id=k[2],
                                lot_id=k[3],
                                on_hand=v[0],
                                reserved=v[1],
                                held=v[2],
                            )
                            for k, v in items[start : start + 20_000]
                        ],
                    )
        self.count += n
        after_bulk_load(self.engine)
        return time.perf_counter() - t0


# --- measuring ---------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def summary(ms: list[float]) -> dict:
    return dict(
        samples=len(ms),
        p50_ms=round(statistics.median(ms), 4),
        p90_ms=round(pct(ms, 0.90), 4),
        p99_ms=round(pct(ms, 0.99), 4),
        max_ms=round(max(ms), 4),
        mean_ms=round(statistics.fmean(ms), 4),
    )


def timed_calls(fn, args_list: list) -> list[float]:
    """Each call as a fresh request would make it: the session starts clean (connection
    checkout, BEGIN, query); ending the read transaction is not timed."""
    out = []
    for args in args_list:
        t0 = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - t0) * 1000)
        db.session.rollback()
    return out


def measure_reads(rng: random.Random, samples: int) -> dict:
    b = BALANCES.c
    keys = db.session.execute(select(b.product_id, b.bin_id, b.lot_id).where(b.on_hand > 0)).all()
    skus = db.session.scalars(
        select(Product.sku).where(Product.id.in_(select(b.product_id).where(b.on_hand > 0)))
    ).all()
    db.session.rollback()
    key_args = [tuple(k) for k in rng.choices(keys, k=samples + WARMUP_READS)]
    sku_args = [(s,) for s in rng.choices(skus, k=samples + WARMUP_READS)]
    timed_calls(ledger.balance, key_args[:WARMUP_READS])
    timed_calls(stock.sku_stock, sku_args[:WARMUP_READS])
    one_key = timed_calls(ledger.balance, key_args[WARMUP_READS:])
    one_sku = timed_calls(stock.sku_stock, sku_args[WARMUP_READS:])
    return dict(
        keys_with_stock=len(keys),
        skus_with_stock=len(skus),
        balance=summary(one_key),
        sku_stock=summary(one_sku),
    )


def query_plans() -> dict:
    """The engine's plan for the two read paths (so a flat or a rising p99 is explained)."""
    dialect = db.engine.dialect.name
    pid, bin_id = db.session.execute(select(BALANCES.c.product_id, BALANCES.c.bin_id).limit(1)).one()
    sku = db.session.scalar(select(Product.sku).where(Product.id == pid))
    bal = select(BALANCES.c.on_hand, BALANCES.c.reserved, BALANCES.c.held).where(
        BALANCES.c.product_id == pid, BALANCES.c.bin_id == bin_id, BALANCES.c.lot_id == NO_LOT
    )
    # stock.sku_stock -> scan.find_product: by SKU, then (if none) by barcode
    by_sku = select(Product.id).where(Product.sku == sku)
    by_barcode = select(Product.id).join(ProductBarcode).where(ProductBarcode.code.in_([sku])).limit(1)
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    plans = {}
    for name, stmt in (
        ("balance", bal),
        ("find_product.by_sku", by_sku),
        ("find_product.by_barcode", by_barcode),
    ):
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        rows = db.session.execute(text(prefix + sql)).all()
        plans[name] = [" | ".join(str(c) for c in r) for r in rows]
    db.session.rollback()
    return plans


class WriteBench:
    """ledger.post() vs a DBAPI loop, same engine, same kind of change, alternating rounds."""

    def __init__(self, rng: random.Random, tag: str):
        self.rng = rng
        self.tag = tag
        self.dialect = db.engine.dialect.name
        b = BALANCES.c
        self.keys = [
            tuple(r)
            for r in db.session.execute(
                select(b.product_id, b.location_id, b.bin_id, b.lot_id).where(
                    b.on_hand - b.reserved - b.held >= 1
                )
            )
        ]
        self.seq = 0
        with transactions.transaction():
            self.raw_posting = db.session.execute(
                insert(POSTINGS)
                .values(
                    type=MovementType.ADJUSTMENT,
                    fingerprint="bench-raw",
                    reference_type="bench-raw",
                    note="raw DBAPI benchmark movements",
                    created_at=utcnow(),
                )
                .returning(POSTINGS.c.id)
            ).scalar_one()
        self.raw = db.engine.raw_connection()  # checked out once, held for the whole run
        self.cur = self.raw.cursor()
        ph = "?" if self.dialect == "sqlite" else "%s"
        self.update_sql = (
            "UPDATE stock_balances SET on_hand = on_hand + {p}, reserved = reserved + 0, "
            "held = held + 0 WHERE product_id = {p} AND location_id = {p} AND bin_id = {p} "
            "AND lot_id = {p} AND on_hand + {p} >= 0 AND on_hand + {p} <= {max} "
            "AND reserved + 0 >= 0 AND held + 0 >= 0 AND reserved + held <= on_hand + {p} "
            "RETURNING on_hand, reserved, held"
        ).format(p=ph, max=MAX_BALANCE)
        self.insert_sql = (
            "INSERT INTO stock_movements (posting_id, product_id, location_id, bin_id, lot_id, "
            "qty, reserved_delta, held_delta, balance_after, reserved_after, held_after, type, "
            "created_at) VALUES ({})".format(", ".join([ph] * 13))
        )

    def _pairs(self, n: int):
        """n changes: +1 then -1 on a random key with stock (net zero per pair)."""
        for i in range(n):
            if i % 2 == 0:
                key = self.rng.choice(self.keys)
            yield key, (1 if i % 2 == 0 else -1)

    def service(self, n: int) -> float:
        t0 = time.perf_counter()
        for key, qty in self._pairs(n):
            self.seq += 1
            ledger.post(
                MovementType.ADJUSTMENT,
                [Line(*key, qty=qty)],
                actor_id=None,
                key=f"bench-{self.tag}-{self.seq}",
            )
        return n / (time.perf_counter() - t0)

    def raw_loop(self, n: int) -> float:
        cur, raw, sqlite = self.cur, self.raw, self.dialect == "sqlite"
        t0 = time.perf_counter()
        for (pid, loc, bin_id, lot), qty in self._pairs(n):
            now = utcnow()
            if sqlite:
                cur.execute("BEGIN IMMEDIATE")
                now = now.isoformat(" ", timespec="microseconds")  # SQLAlchemy's format
            cur.execute(self.update_sql, (qty, pid, loc, bin_id, lot, qty, qty, qty))
            row = cur.fetchone()
            if row is None:
                raise RuntimeError(f"raw guarded UPDATE matched nothing for {pid, loc, bin_id}")
            cur.execute(
                self.insert_sql,
                (
                    self.raw_posting,
                    pid,
                    loc,
                    bin_id,
                    lot,
                    qty,
                    0,
                    0,
                    row[0],
                    row[1],
                    row[2],
                    "adjustment",
                    now,
                ),
            )
            if sqlite:
                cur.execute("COMMIT")
            else:
                raw.commit()
        return n / (time.perf_counter() - t0)

    def statements_per_posting(self, n: int = 20) -> float:
        count = [0]

        def _count(*_a, **_k):
            count[0] += 1

        event.listen(db.engine, "before_cursor_execute", _count)
        try:
            self.service(n)
        finally:
            event.remove(db.engine, "before_cursor_execute", _count)
        return count[0] / n

    def close(self):
        self.cur.close()
        self.raw.close()


def profile_service(bench: WriteBench, n: int, path: Path) -> str:
    prof = cProfile.Profile()
    prof.enable()
    bench.service(n)
    prof.disable()
    prof.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("tottime")
    stats.print_stats(25)
    out.write("\n--- cumulative ---\n")
    stats.sort_stats("cumulative").print_stats(40)
    return out.getvalue()


# --- main --------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="database URL (default: a new SQLite file in a temp dir)")
    ap.add_argument("--skus", type=int, default=50_000)
    ap.add_argument("--movements", type=int, default=1_000_000)
    ap.add_argument(
        "--postings",
        type=int,
        default=3000,
        help="service postings (and raw transactions) measured, split over --rounds",
    )
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--reads", type=int, default=2000, help="samples per read measurement")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument(
        "--reset", action="store_true", help="PostgreSQL: drop and recreate schema public if not empty"
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile 1000 extra service postings (stats in bench/results)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    args = ap.parse_args()

    tmpdir = None
    url = args.url
    if not url:
        tmpdir = tempfile.mkdtemp(prefix="ledger-bench-")
        url = f"sqlite:///{tmpdir}/bench.db"
    rng = random.Random(args.seed)
    started = time.strftime("%Y%m%d-%H%M%S")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)

    prepare_empty(url, args.reset)
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    res: dict = dict(
        started=started,
        params=vars(args) | {"url": None},
        machine=dict(cpus=os.cpu_count(), python=platform.python_version(), platform=platform.platform()),
    )
    with app.app_context():
        from flask_migrate import upgrade

        t0 = time.perf_counter()
        upgrade()
        res["migrate_s"] = round(time.perf_counter() - t0, 2)
        engine_name = db.engine.dialect.name
        res["engine"] = engine_name
        if engine_name == "sqlite":
            import sqlite3

            res["machine"]["sqlite"] = sqlite3.sqlite_version
        else:
            res["machine"]["server"] = db.session.scalar(text("SHOW server_version"))
            db.session.rollback()
        res["engine_options"] = {k: v for k, v in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items()}
        log(f"engine {engine_name}; schema from migrations in {res['migrate_s']} s")

        from warehouse.accounts import organisations
        from warehouse.core import tenancy

        org = organisations.create("bench", "Bench")
        tenancy.enter(org.id)  # this script works in one organisation to its end
        seeder = Seeder(seed_engine(url), args.skus, rng, org_id=org.id)
        t0 = time.perf_counter()
        seeder.catalog()
        res["seed_catalog_s"] = round(time.perf_counter() - t0, 2)

        stages = [min(FIRST_STAGE, args.movements), max(0, args.movements - FIRST_STAGE)]
        res["stages"] = []
        for n in stages:
            if n == 0:
                continue
            secs = seeder.movements(n)
            log(f"seeded {n:,} movements in {secs:.1f} s ({n / secs:,.0f}/s); total {seeder.count:,}")
            t0 = time.perf_counter()
            drifts = ledger.verify()
            verify_s = time.perf_counter() - t0
            db.session.rollback()
            log(f"verify(): {len(drifts)} drifts ({verify_s:.1f} s)")
            reads = measure_reads(rng, args.reads)
            log(
                f"reads at {seeder.count:,} movements: balance p50 "
                f"{reads['balance']['p50_ms']:.3f} ms p99 {reads['balance']['p99_ms']:.3f} ms; "
                f"sku_stock p50 {reads['sku_stock']['p50_ms']:.3f} ms "
                f"p99 {reads['sku_stock']['p99_ms']:.3f} ms"
            )
            res["stages"].append(
                dict(
                    movements=seeder.count,
                    seed_s=round(secs, 2),
                    seed_rows_per_s=round(n / secs),
                    drifts=len(drifts),
                    verify_s=round(verify_s, 2),
                    reads=reads,
                )
            )
        res["plans"] = query_plans()
        seeder.engine.dispose()

        # --- writes ---
        bench = WriteBench(rng, started)
        bench.service(WARMUP_WRITES)
        bench.raw_loop(WARMUP_WRITES)
        res["statements_per_posting"] = bench.statements_per_posting()
        per_round = max(2, (args.postings // args.rounds) // 2 * 2)
        rounds = []
        for r in range(args.rounds):
            if r % 2 == 0:
                svc = bench.service(per_round)
                raw = bench.raw_loop(per_round)
            else:
                raw = bench.raw_loop(per_round)
                svc = bench.service(per_round)
            rounds.append(dict(service_tps=round(svc, 1), raw_tps=round(raw, 1), ratio=round(svc / raw, 3)))
            log(f"round {r + 1}/{args.rounds}: service {svc:,.0f}/s  raw {raw:,.0f}/s  ratio {svc / raw:.2f}")
        res["writes"] = dict(
            per_round=per_round,
            rounds=rounds,
            service_tps_median=round(statistics.median(x["service_tps"] for x in rounds), 1),
            raw_tps_median=round(statistics.median(x["raw_tps"] for x in rounds), 1),
            ratio_median=round(statistics.median(x["ratio"] for x in rounds), 3),
        )
        if args.profile:
            path = results_dir / f"{engine_name}-{started}.pstats"
            report = profile_service(bench, 1000, path)
            (results_dir / f"{engine_name}-{started}.profile.txt").write_text(report)
            log(f"profile: {path}")
        bench.close()

        t0 = time.perf_counter()
        drifts = ledger.verify()
        res["final_verify"] = dict(
            drifts=len(drifts),
            seconds=round(time.perf_counter() - t0, 2),
            movements=db.session.scalar(select(func.count()).select_from(MOVEMENTS)),
        )
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()

    out = results_dir / f"{engine_name}-{started}.json"
    out.write_text(json.dumps(res, indent=2, default=str))
    print_table(res)
    print(f"\nresults: {out.relative_to(ROOT)}")
    if tmpdir and not args.keep:
        shutil.rmtree(tmpdir, ignore_errors=True)
    elif tmpdir:
        print(f"database kept: {url}")


def print_table(res: dict) -> None:
    w = res["writes"]
    print(
        f"\n=== ledger benchmark: {res['engine']} "
        f"({res['machine'].get('sqlite') or res['machine'].get('server')}), "
        f"{res['machine']['cpus']} CPUs ==="
    )
    print(
        f"seeding: catalog {res['seed_catalog_s']} s; "
        + "; ".join(
            f"to {s['movements']:,} movements {s['seed_s']} s ({s['seed_rows_per_s']:,}/s)"
            for s in res["stages"]
        )
    )
    print(
        "verify() drifts: "
        + ", ".join(f"{s['drifts']} at {s['movements']:,}" for s in res["stages"])
        + f", {res['final_verify']['drifts']} after writes "
        f"({res['final_verify']['movements']:,} movements)"
    )
    print("\nstock reads (ms)        movements   samples     p50      p90      p99      max")
    for s in res["stages"]:
        for name in ("balance", "sku_stock"):
            r = s["reads"][name]
            print(
                f"  {name:<20} {s['movements']:>11,} {r['samples']:>9} {r['p50_ms']:>8.3f} "
                f"{r['p90_ms']:>8.3f} {r['p99_ms']:>8.3f} {r['max_ms']:>8.2f}"
            )
    if len(res["stages"]) == 2:
        a, b = res["stages"]
        for name in ("balance", "sku_stock"):
            print(
                f"  {name}: p50 x{b['reads'][name]['p50_ms'] / a['reads'][name]['p50_ms']:.2f}"
                f", p99 x{b['reads'][name]['p99_ms'] / a['reads'][name]['p99_ms']:.2f} "
                f"from {a['movements']:,} to {b['movements']:,} movements"
            )
    print(f"\nwrites (tx/s, {len(w['rounds'])} rounds x {w['per_round']})  service   raw   service/raw")
    for i, r in enumerate(w["rounds"], 1):
        print(f"  round {i:<28} {r['service_tps']:>7,.0f} {r['raw_tps']:>6,.0f} {r['ratio']:>8.2f}")
    print(
        f"  median {'':<27} {w['service_tps_median']:>7,.0f} {w['raw_tps_median']:>6,.0f} "
        f"{w['ratio_median']:>8.2f}   (target >= 0.50)"
    )
    print(f"  statements per service posting: {res['statements_per_posting']:.1f} (raw: 2 + BEGIN/COMMIT)")


if __name__ == "__main__":
    main()
