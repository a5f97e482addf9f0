#!/usr/bin/env python
"""Import benchmark (issue 14): 50,000 products with two barcodes each, then 50,000
opening-stock rows (one posting per 1,000 rows), on SQLite; and the floor's receive scan
step measured alone and while a big import runs beside it. Not a pytest test.

    python bench/imports.py                    # 50,000 rows each, ~3-5 min
    python bench/imports.py --rows 5000        # quick check

What it does (see docs/performance.md, "Imports"):
 1. a new SQLite file in a temp dir, schema from the migrations, one organisation, an
    admin and an operator, location BENCH with RCV-01 and 500 storage bins (by range);
 2. writes a products CSV (sku, name, gtin, case_gtin, case_qty, unit_cost: every row
    an each GTIN and a case GTIN of 12) and times imports.start (read, map, parse, check
    every row, store the chunks) and then every step to the end; the same for an opening
    stock CSV (sku, location, bin, quantity: product i into bin i mod 500);
 3. the scan step: the operator's receive scan (POST /floor/receive/<id> with a GTIN, as
    htmx) timed with the test client, --scans times with nothing else running, then
    while `flask import products` and then `flask import stock` of another --rows-row
    file run in a separate process against the same database (as a gunicorn worker and
    the CLI would); reports medians, p95s and the p95 ratios;
 4. ledger.verify() must find no drift; writes bench/results/imports-sqlite-<ts>.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from sqlalchemy import func, select  # noqa: E402

from bench.common import log  # noqa: E402
from warehouse import accounts, create_app, ledger  # noqa: E402
from warehouse.accounts import organisations  # noqa: E402
from warehouse.catalog import locations  # noqa: E402
from warehouse.catalog.models import BinKind, LocationType, Product, ProductBarcode  # noqa: E402
from warehouse.core import tenancy  # noqa: E402
from warehouse.core.extensions import db  # noqa: E402
from warehouse.inbound.models import Receipt  # noqa: E402
from warehouse.ledger.models import Posting  # noqa: E402
from warehouse.setup import imports  # noqa: E402
from warehouse.setup.models import ImportKind, ImportStatus  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
HX = {"HX-Request": "true"}
PASSWORD = "bench-password-1"


def gtin(body: str) -> str:
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def products_csv(rows: int, prefix: str, series: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "name", "gtin", "case_gtin", "case_qty", "unit_cost"])
    for n in range(rows):
        writer.writerow(
            [
                f"{prefix}{n:06d}",
                f"Bench product {n}",
                gtin(f"9{series}{n:010d}"),
                gtin(f"1{series}{n:011d}"),
                12,
                "1.25",
            ]
        )
    return out.getvalue().encode()


def stock_csv(rows: int, bins: list[str], prefix: str = "P") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "location", "bin", "quantity"])
    for n in range(rows):
        writer.writerow([f"{prefix}{n:06d}", "BENCH", bins[n % len(bins)], 1 + n % 50])
    return out.getvalue().encode()


def timed_import(kind: ImportKind, data: bytes) -> dict:
    started = time.perf_counter()
    run = imports.start(kind, f"{kind.value}.csv", data, skip_bad_rows=False, actor_id=None)
    checked = time.perf_counter()
    run = imports.begin(run.id, actor_id=None)
    steps = []
    while run.status is ImportStatus.RUNNING:
        at = time.perf_counter()
        run = imports.step(run.id, actor_id=None)
        steps.append(time.perf_counter() - at)
    done = time.perf_counter()
    assert run.status is ImportStatus.DONE and run.bad_rows == 0, (run.status, run.bad_rows, run.message)
    return {
        "rows": run.good_rows,
        "check_and_store_s": round(checked - started, 2),
        "apply_s": round(done - checked, 2),
        "total_s": round(done - started, 2),
        "rows_per_s": round(run.good_rows / (done - started)),
        "step_median_ms": round(statistics.median(steps) * 1000, 1),
        "step_max_ms": round(max(steps) * 1000, 1),
    }


def csrf(client, path: str) -> str:
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    return match.group(1) or match.group(2)


def scan_times(client, url: str, codes: list[str], count: int) -> list[float]:
    token = csrf(client, url)
    times = []
    for i in range(count):
        at = time.perf_counter()
        answer = client.post(url, data={"scan": codes[i % len(codes)], "csrf_token": token}, headers=HX)
        times.append((time.perf_counter() - at) * 1000)
        assert answer.status_code == 200 and 'data-result="ok"' in answer.get_data(as_text=True), (
            answer.status_code
        )
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--scans", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "app.py"}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, check=True, capture_output=True)
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    results: dict = {"rows": args.rows, "sqlite": sqlite3.sqlite_version, "python": platform.python_version()}
    with app.app_context():
        org = organisations.create("bench", "Bench")
        with tenancy.acting_for(org.id):
            operator = accounts.create_user("bench-operator", PASSWORD, "operator")
            bench = locations.create("BENCH", "Bench hall", LocationType.WAREHOUSE)
            bins = locations.bin_range("A-01-01", "A-50-10")
            locations.add_bins(bench.id, bins, BinKind.STORAGE)
            accounts.set_location(operator, bench.id)
            log(f"importing {args.rows:,} products with 2 barcodes each")
            results["products"] = timed_import(ImportKind.PRODUCTS, products_csv(args.rows, "P", 5))
            log(f"  {results['products']}")
            assert db.session.scalar(select(func.count()).select_from(ProductBarcode)) == 2 * args.rows
            log(f"importing {args.rows:,} opening-stock rows")
            before = db.session.scalar(select(func.count()).select_from(Posting))
            results["stock"] = timed_import(ImportKind.STOCK, stock_csv(args.rows, bins))
            results["stock"]["postings"] = (
                db.session.scalar(select(func.count()).select_from(Posting)) - before
            )
            log(f"  {results['stock']}")
            results["scan_step"] = scan_step(app, env, folder, args)
            drift = ledger.verify()
            assert drift == [], drift
            results["products_total"] = db.session.scalar(select(func.count()).select_from(Product))
    out = ROOT / "bench" / "results" / f"imports-sqlite-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    log(f"wrote {out.relative_to(ROOT)}")


def scan_step(app, env, folder: Path, args) -> dict:
    client = app.test_client()
    client.post(
        "/login",
        data={"username": "bench-operator", "password": PASSWORD, "csrf_token": csrf(client, "/login")},
    )
    token = csrf(client, "/floor/receive")
    client.post("/floor/receive", data={"scan": "PO-BENCH", "csrf_token": token})
    receipt_url = f"/floor/receive/{db.session.scalar(select(func.max(Receipt.id)))}"
    codes = [gtin(f"95{n:010d}") for n in range(0, 2000, 97)]  # each GTINs of imported products
    scan_times(client, receipt_url, codes, 20)  # warm up
    alone = scan_times(client, receipt_url, codes, args.scans)
    log(f"scan step alone: median {statistics.median(alone):.1f} ms, p95 {p95(alone):.1f} ms")
    result = {"alone_median_ms": round(statistics.median(alone), 1), "alone_p95_ms": round(p95(alone), 1)}
    other = folder / "more-products.csv"
    other.write_bytes(products_csv(args.rows, "Q", 6))
    more_stock = folder / "more-stock.csv"
    more_stock.write_bytes(
        stock_csv(args.rows, [f"A-{a:02d}-{b:02d}" for a in range(1, 51) for b in range(1, 11)], "Q")
    )
    for kind, path in (("products", other), ("stock", more_stock)):
        during = beside_import(client, receipt_url, codes, env, kind, path, args.scans)
        result[f"beside_{kind}_scans"] = len(during)
        result[f"beside_{kind}_median_ms"] = round(statistics.median(during), 1)
        result[f"beside_{kind}_p95_ms"] = round(p95(during), 1)
        result[f"beside_{kind}_p95_ratio"] = round(p95(during) / p95(alone), 2)
        log(f"  beside a {kind} import: median {statistics.median(during):.1f} ms, p95 {p95(during):.1f} ms")
    return result


def beside_import(client, receipt_url, codes, env, kind, path, scans) -> list[float]:
    """Scan-step times while `flask import KIND PATH` runs in its own process."""
    beside = subprocess.Popen(
        [sys.executable, "-m", "flask", "import", kind, str(path), "--org", "bench"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)  # past the check, into the chunks
    during = []
    while beside.poll() is None and len(during) < scans:
        during += scan_times(client, receipt_url, codes, 10)
    assert beside.wait() == 0
    return during


if __name__ == "__main__":
    main()
