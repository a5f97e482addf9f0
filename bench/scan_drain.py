#!/usr/bin/env python
"""Offline-queue drain benchmark (issue 15): how long a handheld takes to send 100 scans
it kept while offline, in real Chromium on loopback. Not a pytest test. Target: under 3 s
from going online until the queue is empty and nothing is in flight.

    python bench/scan_drain.py                 # 5 runs of 100 scans, ~1 min
    python bench/scan_drain.py --runs 3 --scans 50

What it does, in one process (see docs/performance.md, "Scan steps on every screen (issue
15)"):
 1. a new SQLite file in a temp dir; schema from the Alembic migrations; `load_demo()` (the
    demo warehouse, no bulk ledger: the per-scan server time at 1M movements is
    bench/scan_step.py's job; this one is about the client and the stream);
 2. serves the app with werkzeug's `make_server(threaded=True)` on 127.0.0.1 (as
    tests/browser/conftest.py does), and times every POST the server answers;
 3. per run, a new Chromium context (Debian's /usr/bin/chromium through the playwright
    package, 360x640, never a browser download): signs in as the demo operator, opens a
    new receipt by scanning PO-DRAIN-<n>, waits until the service worker keeps the screen
    (body[data-offline-ready=1]), goes offline (`context.set_offline(True)`), fires the
    scans like a keyboard-wedge scanner (20 plain demo GTINs in turn, every 10th a typed
    count "3" for the item before it), waits until all are queued (data-scans-queued);
 4. goes online and measures until `document.body.dataset.scansQueued === '0' &&
    document.body.dataset.scansInFlight === '0'`: the wall time seen by this script (from
    the set_offline(False) call until the wait returns), and in the page, from the
    `online` event to the moment a MutationObserver sees the queue settled;
 5. checks the receipt equals what the scans, applied once each in order, make;
 6. prints the median over the runs and writes bench/results/scan-drain-<ts>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # config.py and the migrations are found relative to the project

from sqlalchemy import select  # noqa: E402

from bench.common import ARGS, CHROMIUM, demo_gtin, log, serve  # noqa: E402
from warehouse import accounts, create_app  # noqa: E402
from warehouse.accounts.models import User  # noqa: E402
from warehouse.catalog.models import Location, Product  # noqa: E402
from warehouse.core.extensions import db  # noqa: E402
from warehouse.demo import load_demo  # noqa: E402
from warehouse.inbound.models import Receipt  # noqa: E402

TARGET_S = 3.0
SETTLED = "document.body.dataset.scansQueued === '0' && document.body.dataset.scansInFlight === '0'"
# In the page: when the `online` event fires, and when the queue is first seen settled.
WATCH = (
    """() => {
  window.__drain = {online: null, settled: null};
  window.addEventListener('online', () => { window.__drain.online = performance.now(); });
  const settled = () => %s;
  new MutationObserver(() => {
    if (window.__drain.online !== null && window.__drain.settled === null && settled()) {
      window.__drain.settled = performance.now();
    }
  }).observe(document.body, {attributes: true});
}"""
    % SETTLED
)


class ServerTimes:
    """WSGI middleware: the server time of every POST (until the app returns its body)."""

    def __init__(self, app):
        self.app, self.posts, self.lock = app, [], threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST":
            return self.app(environ, start_response)
        t0 = time.perf_counter()
        body = b"".join(self.app(environ, start_response))
        with self.lock:
            self.posts.append((time.perf_counter() - t0) * 1000)
        return [body]


def expected(scans: list[str], sku_of: dict[str, str]) -> list[tuple[str, int]]:
    """The receipt the scans make when each is applied once, in order: an item adds 1; a
    typed number sets the count of the item just before (once)."""
    qty: Counter = Counter()
    last = None
    for code in scans:
        if code in sku_of:
            last = sku_of[code]
            qty[last] += 1
        else:
            qty[last] = int(code)
            last = None
    return sorted(qty.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scans", type=int, default=100, help="scans queued offline per run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("needs Debian's chromium: apt-get install -y chromium (never a browser download)")
    from playwright.sync_api import sync_playwright

    tmpdir = tempfile.mkdtemp(prefix="scan-drain-")
    url = f"sqlite:///{tmpdir}/drain.db"
    started = time.strftime("%Y%m%d-%H%M%S")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    res: dict = dict(
        started=started,
        commit=commit,
        dirty=subprocess.run(
            ["git", "status", "--short", "--", "warehouse", "templates", "static"],
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines(),
        params=vars(args),
        target_s=TARGET_S,
        machine=dict(
            cpus=os.cpu_count(),
            python=platform.python_version(),
            sqlite=sqlite3.sqlite_version,
            platform=platform.platform(),
            chromium=subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip(),
            loadavg_start=os.getloadavg(),
        ),
    )

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from warehouse.accounts import organisations
        from warehouse.core import tenancy

        tenancy.enter(organisations.ensure("demo", "Demo warehouse").id)  # to the end of the script
        load_demo()
        main_id = db.session.scalar(select(Location.id).where(Location.code == "warehouse-main"))
        operator = db.session.scalar(select(User).where(User.username == "operator"))
        accounts.set_location(operator, main_id)
        plain = list(
            db.session.scalars(
                select(Product.sku)
                .where(Product.sku.like("SKU-%"), Product.lot_tracked.is_(False))
                .order_by(Product.sku)
            )
        )[:20]
        db.session.remove()
    sku_of = {demo_gtin(int(sku[4:]) - 10001): sku for sku in plain}
    gtins = list(sku_of)
    scans = ["3" if i % 10 == 9 else gtins[i % len(gtins)] for i in range(args.scans)]
    want = expected(scans, sku_of)

    timer = ServerTimes(app.wsgi_app)
    app.wsgi_app = timer
    base, stop = serve(app)
    log(f"serving {base}; {args.runs} runs of {args.scans} scans")

    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for n in range(1, args.runs + 1):
            context = browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True)
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "operator")
            page.fill("input[name=password]", "demo-operator")
            page.press("input[name=password]", "Enter")
            page.wait_for_url("**/floor/")
            page.goto(base + "/floor/receive")
            po = f"PO-DRAIN-{n}"
            with page.expect_response(lambda r: r.request.method == "POST"):
                page.keyboard.type(po, delay=5)
                page.keyboard.press("Enter")
            page.wait_for_function("() => document.body.dataset.offlineReady === '1'")

            context.set_offline(True)
            for code in scans:  # a scanner firing one code after another
                page.keyboard.type(code, delay=5)
                page.keyboard.press("Enter")
            page.wait_for_function(f"() => document.body.dataset.scansQueued === '{args.scans}'")
            page.evaluate(WATCH)
            posts_before = len(timer.posts)

            t0 = time.perf_counter()
            context.set_offline(False)
            page.wait_for_function(f"() => {SETTLED}", polling=5, timeout=120_000)
            wall = time.perf_counter() - t0
            marks = page.evaluate("window.__drain")
            server_ms = timer.posts[posts_before:]
            context.close()

            with app.app_context():
                receipt = db.session.scalars(select(Receipt).where(Receipt.reference == po)).one()
                got = sorted((line.product.sku, line.qty) for line in receipt.lines if line.qty)
                db.session.remove()
            if got != want:
                sys.exit(f"run {n}: the receipt is {got}, the scans make {want}")
            if len(server_ms) != args.scans:
                sys.exit(f"run {n}: the server answered {len(server_ms)} POSTs for {args.scans} scans")
            run = dict(
                wall_s=round(wall, 3),
                page_s=round((marks["settled"] - marks["online"]) / 1000, 3)
                if marks["online"] is not None and marks["settled"] is not None
                else None,
                posts=len(server_ms),
                server_sum_s=round(sum(server_ms) / 1000, 3),
                server_p50_ms=round(statistics.median(server_ms), 2),
                server_max_ms=round(max(server_ms), 2),
            )
            runs.append(run)
            log(f"run {n}: {run}")
        browser.close()
    stop()

    res["runs"] = runs
    res["median"] = {
        k: round(statistics.median(r[k] for r in runs), 3)
        for k in ("wall_s", "page_s", "server_sum_s", "server_p50_ms")
        if all(r[k] is not None for r in runs)
    }
    res["machine"]["loadavg_end"] = os.getloadavg()
    out = results_dir / f"scan-drain-{started}.json"
    out.write_text(json.dumps(res, indent=2, default=str))

    m = res["median"]
    print(f"\n=== offline queue drain: {args.scans} scans, {args.runs} runs, Chromium on loopback ===")
    print("run   wall s   page s   server sum s   server p50 ms   server max ms")
    for n, r in enumerate(runs, 1):
        print(
            f"  {n:<3} {r['wall_s']:>6.2f}   {r['page_s'] or 0:>6.2f}   {r['server_sum_s']:>12.2f}"
            f"   {r['server_p50_ms']:>13.1f}   {r['server_max_ms']:>13.1f}"
        )
    print(
        f"median {m['wall_s']:.2f} s wall ({m.get('page_s', 0):.2f} s in the page), of which server "
        f"{m['server_sum_s']:.2f} s; target < {TARGET_S:.0f} s: {'met' if m['wall_s'] < TARGET_S else 'MISSED'}"
    )
    print(f"\nresults: {out.relative_to(ROOT)}")
    if args.keep:
        print(f"database kept: {url}")
    else:
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
