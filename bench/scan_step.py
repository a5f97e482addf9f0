#!/usr/bin/env python
"""Scan-step benchmark: server time of one floor scan (an htmx request) on the demo
warehouse plus about 1M ledger movements on SQLite, and the bytes a handheld downloads.
Not a pytest test. Issue targets: p95 < 20 ms per scan step; a full floor page (HTML +
CSS + JS, gzip) < 60 KB; one htmx step response < 5 KB.

    python bench/scan_step.py                              # ~1M movements, ~2-3 min
    python bench/scan_step.py --movements 100000 --iterations 100   # quick check

What it does, in one process (see docs/performance.md, "Scan step"):
 1. a new SQLite file in a temp dir; schema from the Alembic migrations; `load_demo()`;
 2. bulk-seeds movements with bench/ledger.py's Seeder: its 50k bench products (each with
    a barcode) in its 3 bench locations, each bench product also in one of the main
    warehouse's storage bins outside aisle C (so warehouse-main holds the whole catalog),
    and the demo's own balance keys, whose running totals continue from the demo stock.
    stock_balances is rewritten from the same totals and ledger.verify() must stay clean;
 3. signs in as the demo operator through the real /login form (CSRF token from the
    page) and chooses warehouse-main through POST /floor/location;
 4. times, with app.test_client() and HX-Request: true, each of
      lookup   POST /floor/lookup scan=<demo GTIN-13>
      receive  POST /floor/receive/<receipt> scan=<GTIN> (one receipt started with
               POST /floor/receive scan=PO-BENCH; 20 non-lot-tracked GTINs in turn)
      putaway  POST /floor/putaway/<task> scan=<suggested bin barcode>, confirming a
               1-unit task (tasks made untimed with receiving.start/add/finish in batches
               of --batch, so the open-task list the response shows stays short)
    after --warmup untimed requests each; every timed response must be 200 with an ok
    outcome. The time is the test client's call: routing, session cookie, CSRF, the
    queries and commits, rendering; no network and no gzip;
 5. sizes: every asset the full GET /floor/receive/<id> page references, raw and gzip
    (level 6), and the raw/gzip size of each timed step response;
 6. verify() again, prints a table and writes bench/results/scan-step-sqlite-<ts>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.chdir(ROOT)  # config.py and the migrations are found relative to the project

from ledger import Seeder, pct, seed_engine  # noqa: E402  (bench/ledger.py)
from sqlalchemy import event, func, select  # noqa: E402

from warehouse import create_app, ledger  # noqa: E402
from warehouse.accounts.models import User  # noqa: E402
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Location, Product  # noqa: E402
from warehouse.core.extensions import db  # noqa: E402
from warehouse.demo import load_demo, with_check_digit  # noqa: E402
from warehouse.inbound import receiving  # noqa: E402
from warehouse.inbound.models import PutawayTask, TaskStatus  # noqa: E402
from warehouse.ledger.models import Balance, Movement  # noqa: E402

TARGET_P95_MS = 20.0
TARGET_PAGE_GZIP = 60 * 1024
TARGET_STEP_BYTES = 5 * 1024
HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/floor/"}
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
ASSET_RE = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="(/[^"]+)"')


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def demo_gtin(i: int) -> str:
    """GTIN-13 of demo product SKU-{10001 + i}."""
    return with_check_digit(f"950600{10000 + i:06d}")


# --- seeding -----------------------------------------------------------------------------


class DemoSeeder(Seeder):
    """bench/ledger.py's Seeder on top of the demo: its bench catalog and keys, plus each
    bench product in a main-warehouse storage bin (not aisle C, which put-away needs empty)
    and the demo's existing keys, whose totals start from the demo balances."""

    def catalog(self) -> None:
        super().catalog()
        with self.engine.connect() as conn:
            main = conn.scalar(select(Location.id).where(Location.code == "warehouse-main"))
            bins = list(
                conn.scalars(
                    select(Bin.id)
                    .where(Bin.location_id == main, Bin.kind == BinKind.STORAGE, ~Bin.code.startswith("C-"))
                    .order_by(Bin.code)
                )
            )
            bench = list(
                conn.scalars(select(Product.id).where(Product.sku.like("BSKU-%")).order_by(Product.id))
            )
            demo = conn.execute(
                select(
                    Balance.product_id,
                    Balance.location_id,
                    Balance.bin_id,
                    Balance.lot_id,
                    Balance.on_hand,
                    Balance.reserved,
                    Balance.held,
                )
            ).all()
        for n, pid in enumerate(bench):
            self.keys.append((pid, main, bins[(n * 3) % len(bins)], NO_LOT))
        for pid, loc, bin_id, lot, on, res, held in demo:
            key = (pid, loc, bin_id, lot)
            self.state[key] = [on, res, held]  # continue from the demo's stock
            self.keys.append(key)
        log(
            f"  + {len(bench):,} bench keys in warehouse-main ({len(bins)} bins), "
            f"{len(demo)} demo keys: {len(self.keys):,} keys"
        )


# --- the client --------------------------------------------------------------------------


class Floor:
    def __init__(self, client):
        self.client = client
        self.token = None
        self.sent = 0

    def csrf(self, path: str) -> str:
        html = self.client.get(path).get_data(as_text=True)
        match = CSRF_RE.search(html)
        if not match:
            sys.exit(f"no CSRF token on {path}")
        return match.group(1) or match.group(2)

    def sign_in(self, username: str, password: str) -> None:
        token = self.csrf("/login")
        r = self.client.post("/login", data=dict(username=username, password=password, csrf_token=token))
        if r.status_code != 302:
            sys.exit(f"sign-in as {username} failed: {r.status_code}")
        self.token = self.csrf("/floor/")

    def post(self, path: str, **data):
        self.sent += 1  # each scan carries a new scan id, as static/scan.js sends it
        data.setdefault("scan_id", f"bench-{self.sent}")
        return self.client.post(
            path, data=dict(data, csrf_token=self.token), headers=dict(HX, **{"X-CSRFToken": self.token})
        )


def check(response, what: str) -> None:
    html = response.get_data(as_text=True)
    if response.status_code != 200 or 'data-result="ok"' not in html:
        outcome = re.search(r'data-result="(\w+)"[^>]*>(.*?)<', html, re.S)
        sys.exit(f"{what}: HTTP {response.status_code}, outcome {outcome.groups() if outcome else None}")


def timed(fn, n: int, warmup: int, engine, profile: cProfile.Profile | None = None, before=None) -> dict:
    """Time fn(i) for warmup + n calls (the warm-up ones are not kept); `before()` runs
    untimed ahead of each call. Also counts the SQL statements the timed calls send."""
    times, raw, gz = [], [], []
    counter = StatementCounter(engine)
    for i in range(warmup + n):
        if before is not None:
            before()
        keep = i >= warmup
        if keep:
            counter.__enter__()
        t0 = time.perf_counter()
        if profile is not None and keep:
            profile.enable()
        response = fn(i)
        if profile is not None and keep:
            profile.disable()
        ms = (time.perf_counter() - t0) * 1000
        if keep:
            counter.__exit__()
        if i >= warmup:
            body = response.get_data()
            times.append(ms)
            raw.append(len(body))
            gz.append(len(gzip.compress(body, 6)))
    return dict(
        samples=n,
        p50_ms=round(statistics.median(times), 3),
        p95_ms=round(pct(times, 0.95), 3),
        p99_ms=round(pct(times, 0.99), 3),
        max_ms=round(max(times), 3),
        mean_ms=round(statistics.fmean(times), 3),
        bytes_raw_median=int(statistics.median(raw)),
        bytes_raw_max=max(raw),
        bytes_gzip_median=int(statistics.median(gz)),
        bytes_gzip_max=max(gz),
        statements=round(counter.count / n, 1),
    )


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, *_a, **_k):
        self.count += 1


# --- main --------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skus", type=int, default=50_000, help="bench products (as bench/ledger.py)")
    ap.add_argument("--movements", type=int, default=1_000_000, help="movements seeded on top of the demo")
    ap.add_argument("--iterations", type=int, default=300, help="timed requests per step")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--batch", type=int, default=20, help="put-away tasks prepared per receipt")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the timed requests "
        "(stats in bench/results; slows the timings, so they are not comparable)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    args = ap.parse_args()

    tmpdir = tempfile.mkdtemp(prefix="scan-bench-")
    url = f"sqlite:///{tmpdir}/bench.db"
    rng = random.Random(args.seed)
    started = time.strftime("%Y%m%d-%H%M%S")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    res: dict = dict(
        started=started,
        params=vars(args),
        targets=dict(p95_ms=TARGET_P95_MS, page_gzip_bytes=TARGET_PAGE_GZIP, step_bytes=TARGET_STEP_BYTES),
        machine=dict(
            cpus=os.cpu_count(),
            python=platform.python_version(),
            sqlite=sqlite3.sqlite_version,
            platform=platform.platform(),
            loadavg_start=os.getloadavg(),
        ),
    )

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from warehouse.accounts import organisations
        from warehouse.core import tenancy

        org_id = organisations.ensure("demo", "Demo warehouse").id
        tenancy.enter(org_id)  # one organisation, to the end of the script
        t0 = time.perf_counter()
        report = load_demo()
        res["demo_s"] = round(time.perf_counter() - t0, 2)
        log(f"demo loaded in {res['demo_s']} s: {report.created}")
        db.session.remove()

        seeder = DemoSeeder(seed_engine(url), args.skus, rng, org_id=org_id)
        t0 = time.perf_counter()
        seeder.catalog()
        secs = seeder.movements(args.movements)
        seeder.engine.dispose()
        res["seed_s"] = round(time.perf_counter() - t0, 1)
        log(f"seeded {args.movements:,} movements in {secs:.1f} s")
        t0 = time.perf_counter()
        drifts = ledger.verify()
        res["verify_before"] = dict(
            drifts=len(drifts),
            seconds=round(time.perf_counter() - t0, 1),
            movements=db.session.scalar(select(func.count()).select_from(Movement)),
            balances=db.session.scalar(select(func.count()).select_from(Balance)),
        )
        db.session.remove()
        log(
            f"verify(): {len(drifts)} drifts; {res['verify_before']['movements']:,} movements, "
            f"{res['verify_before']['balances']:,} balances"
        )
        if drifts:
            sys.exit("the seeded ledger does not verify")

        main_id = db.session.scalar(select(Location.id).where(Location.code == "warehouse-main"))
        operator_id = db.session.scalar(select(User.id).where(User.username == "operator"))
        lot_tracked = set(db.session.scalars(select(Product.sku).where(Product.lot_tracked)))
        plain = [i for i in range(200) if f"SKU-{10001 + i}" not in lot_tracked]
        product_ids = dict(
            db.session.execute(select(Product.sku, Product.id).where(Product.sku.like("SKU-%"))).all()
        )
        engine = db.engine
        db.session.remove()

    # From here on no app context is held: each request pushes its own, as in production
    # (an outer one would share flask.g, the signed-in user and the db session between
    # requests). Work outside a request gets a short app context of its own.
    def in_app(fn, *a):
        with app.app_context():
            try:
                return fn(*a)
            finally:
                db.session.remove()

    client = app.test_client()
    floor = Floor(client)
    floor.sign_in("operator", "demo-operator")
    r = client.post("/floor/location", data=dict(location=main_id, csrf_token=floor.token))
    if r.status_code != 302 or in_app(lambda: db.session.get(User, operator_id).location_id) != main_id:
        sys.exit(f"choosing the location failed: {r.status_code}")
    steps, profile = {}, (cProfile.Profile() if args.profile else None)

    # (a) look up a product by GTIN
    gtins = [demo_gtin(rng.randrange(200)) for _ in range(args.warmup + args.iterations)]

    def lookup(i):
        r = floor.post("/floor/lookup", scan=gtins[i])
        check(r, "lookup")
        return r

    steps["lookup"] = timed(lookup, args.iterations, args.warmup, engine, profile)
    log(f"lookup: {steps['lookup']}")

    # (b) receive: one receipt, 20 plain GTINs in turn
    r = floor.post("/floor/receive", scan="PO-BENCH")
    check(r, "start receipt")
    receipt_id = int(re.search(r"/floor/receive/(\d+)", r.headers.get("HX-Push-Url", "")).group(1))
    receive_gtins = [demo_gtin(i) for i in rng.sample(plain, 20)]
    line = [""]

    def receive(i):
        r = floor.post(
            f"/floor/receive/{receipt_id}",
            scan=receive_gtins[i % 20],
            awaiting="item",
            line=line[0],
            product="",
            lot="",
        )
        check(r, "receive")
        m = re.search(r'name="line" type="hidden" value="(\d*)"', r.get_data(as_text=True))
        line[0] = m.group(1) if m else ""
        return r

    steps["receive"] = timed(receive, args.iterations, args.warmup, engine, profile)
    log(f"receive: {steps['receive']}")

    # sizes of the full floor page (GET /floor/receive/<id>, as a browser loads it)
    page = client.get(f"/floor/receive/{receipt_id}")
    assets = {"page HTML": page.get_data()}
    for path in ASSET_RE.findall(page.get_data(as_text=True)):
        a = client.get(path)
        if a.status_code != 200:
            sys.exit(f"asset {path}: HTTP {a.status_code}")
        assets[path] = a.get_data()
        a.close()
    sizes = {k: dict(raw=len(v), gzip=len(gzip.compress(v, 6))) for k, v in assets.items()}
    res["page"] = dict(
        path=f"/floor/receive/{receipt_id}",
        receipt_lines=20,
        files=sizes,
        raw=sum(s["raw"] for s in sizes.values()),
        gzip=sum(s["gzip"] for s in sizes.values()),
    )
    log(f"full page: {res['page']['raw']:,} B raw, {res['page']['gzip']:,} B gzip")

    # (c) put-away: 1-unit tasks into their suggested bins, prepared in batches
    def prepare_batch(n: int) -> list[tuple[int, str]]:
        receipt = receiving.start(f"PO-PUTAWAY-{rng.random():.8f}", location_id=main_id, actor_id=operator_id)
        for i in rng.sample(plain, n):
            receiving.add(receipt.id, db.session.get(Product, product_ids[f"SKU-{10001 + i}"]), qty=1)
        done = receiving.finish(receipt.id, actor_id=operator_id)
        return [(t.id, t.suggested_bin.barcode) for t in done.tasks]

    queue: list[tuple[int, str]] = []
    batches = [0]

    def refill():  # untimed: a new batch only when the last one is used up
        if not queue:
            queue.extend(in_app(prepare_batch, args.batch))
            batches[0] += 1

    def putaway(i):
        task_id, barcode = queue.pop(0)
        r = floor.post(f"/floor/putaway/{task_id}", scan=barcode, qty="1", reason="")
        check(r, "putaway")
        return r

    steps["putaway"] = timed(putaway, args.iterations, args.warmup, engine, profile, before=refill)
    steps["putaway"]["batches"] = batches[0]
    log(f"putaway: {steps['putaway']}")
    res["steps"] = steps

    with app.app_context():
        t0 = time.perf_counter()
        drifts = ledger.verify()
        res["verify_after"] = dict(
            drifts=len(drifts),
            seconds=round(time.perf_counter() - t0, 1),
            open_tasks=db.session.scalar(
                select(func.count()).select_from(PutawayTask).where(PutawayTask.status == TaskStatus.OPEN)
            ),
        )
        db.session.remove()
        db.engine.dispose()
    res["machine"]["loadavg_end"] = os.getloadavg()

    if profile is not None:
        path = results_dir / f"scan-step-sqlite-{started}.pstats"
        profile.dump_stats(path)
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
        stats.print_stats(50)
        (results_dir / f"scan-step-sqlite-{started}.profile.txt").write_text(out.getvalue())
    out = results_dir / f"scan-step-sqlite-{started}.json"
    out.write_text(json.dumps(res, indent=2, default=str))
    print_table(res)
    print(f"\nresults: {out.relative_to(ROOT)}")
    if args.keep:
        print(f"database kept: {url}")
    else:
        shutil.rmtree(tmpdir, ignore_errors=True)


def print_table(res: dict) -> None:
    m, v = res["machine"], res["verify_before"]
    print(
        f"\n=== scan step: SQLite {m['sqlite']}, {m['cpus']} CPUs, demo + "
        f"{v['movements']:,} movements, {v['balances']:,} balances ==="
    )
    print(f"verify() drifts: {v['drifts']} before, {res['verify_after']['drifts']} after")
    print(
        "\nstep (ms)   samples     p50      p95      p99      max   SQL/req  bytes raw / gzip (median, max)"
    )
    for name, s in res["steps"].items():
        print(
            f"  {name:<9} {s['samples']:>7} {s['p50_ms']:>7.2f} {s['p95_ms']:>8.2f} "
            f"{s['p99_ms']:>8.2f} {s['max_ms']:>8.2f} {s['statements']:>7.1f}   "
            f"{s['bytes_raw_median']:,}/{s['bytes_gzip_median']:,}  "
            f"({s['bytes_raw_max']:,}/{s['bytes_gzip_max']:,})"
        )
    print(
        f"  target: p95 < {TARGET_P95_MS:.0f} ms -> "
        + ", ".join(
            f"{n} {'met' if s['p95_ms'] < TARGET_P95_MS else 'MISSED'}" for n, s in res["steps"].items()
        )
    )
    print(
        f"  target: step response < {TARGET_STEP_BYTES // 1024} KB -> "
        + ", ".join(
            f"{n} raw {'met' if s['bytes_raw_max'] < TARGET_STEP_BYTES else 'MISSED'}"
            f"/gzip {'met' if s['bytes_gzip_max'] < TARGET_STEP_BYTES else 'MISSED'}"
            for n, s in res["steps"].items()
        )
    )
    p = res["page"]
    print(f"\nfull floor page {p['path']} ({p['receipt_lines']} receipt lines)      raw     gzip")
    for name, s in p["files"].items():
        print(f"  {name:<40} {s['raw']:>8,} {s['gzip']:>8,}")
    print(
        f"  {'total':<40} {p['raw']:>8,} {p['gzip']:>8,}   target gzip < "
        f"{TARGET_PAGE_GZIP // 1024} KB: {'met' if p['gzip'] < TARGET_PAGE_GZIP else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
