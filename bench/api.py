#!/usr/bin/env python
"""JSON API benchmark through HTTP: gunicorn (2 workers, loopback) in front of a ledger of
--movements movements; POST /api/stock/reserve and GET /api/stock/<sku> with one
keep-alive client and with 8 concurrent keep-alive clients. Not a pytest test.

    python bench/api.py                                   # SQLite file in a temp dir, 1M movements
    python bench/api.py --url postgresql+psycopg://USER:PASS@HOST:PORT/DB --reset
    python bench/api.py --movements 100000 --requests 300   # quick check

Steps: schema from the migrations; catalog and movements seeded in bulk by bench/ledger.py's
Seeder (running totals per key, balances written from them; `ledger.verify()` must find
no drift); a supervisor with an API token; gunicorn started as a subprocess (gthread
workers, so connections are kept alive); for each (endpoint, clients) pair a warm-up,
then --requests requests per client, each timed from send to the last byte read; the
ledger verified again at the end. Prints a table and writes bench/results/api-<engine>-<ts>.json.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

_spec = importlib.util.spec_from_file_location("bench_ledger", ROOT / "bench" / "ledger.py")
bench_ledger = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ledger)

from warehouse import accounts, create_app, ledger  # noqa: E402
from warehouse.accounts.models import Role  # noqa: E402
from warehouse.catalog.models import Bin, Product  # noqa: E402
from warehouse.core.extensions import db  # noqa: E402
from warehouse.ledger.models import Balance, MovementType  # noqa: E402

log = bench_ledger.log
HOT_SKUS = 200  # reserve and read spread over this many SKUs (given plenty of stock)


def seed(url: str, movements: int, skus: int, reset: bool, rng: random.Random) -> dict:
    bench_ledger.prepare_empty(url, reset)
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    out: dict = {}
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seeder = bench_ledger.Seeder(bench_ledger.seed_engine(url), skus, rng)
        seeder.catalog()
        t0 = time.perf_counter()
        seeder.movements(movements)
        out["seed_s"] = round(time.perf_counter() - t0, 1)
        log(f"seeded {movements:,} movements in {out['seed_s']} s")
        hot = _stock_up(rng)
        out["verify_s"], out["drifts"] = _verify()
        user = accounts.create_user(f"bench-{secrets.token_hex(3)}", secrets.token_hex(8), Role.SUPERVISOR)
        out["token"] = accounts.create_token(user, name="bench")
        out["hot_skus"] = hot
        out["movements"] = db.session.query(db.func.count(bench_ledger.Movement.id)).scalar()
        db.engine.dispose()
    return out


def _stock_up(rng: random.Random) -> list[tuple[str, str]]:
    """Give HOT_SKUS products 1M units each in one bin of their first location, through
    the ledger, so reserving one unit per request never runs out."""
    rows = db.session.execute(
        db.select(Product.sku, Product.id, Balance.bin_id, Balance.location_id)
        .join(Balance, Balance.product_id == Product.id)
        .order_by(Product.id, Balance.bin_id)
    ).all()
    chosen: dict[str, tuple] = {}
    for sku, product_id, bin_id, location_id in rows:
        chosen.setdefault(sku, (product_id, bin_id, location_id))
    picked = rng.sample(sorted(chosen), min(HOT_SKUS, len(chosen)))
    lines = [ledger.Line(chosen[s][0], chosen[s][2], chosen[s][1], qty=1_000_000) for s in picked]
    ledger.post(MovementType.INBOUND_PURCHASE, lines, actor_id=None, reference=("bench", "stock-up"))
    codes = dict(db.session.execute(db.select(Bin.id, Bin.location_id)).all())
    from warehouse.catalog.models import Location

    location_codes = dict(db.session.execute(db.select(Location.id, Location.code)).all())
    return [(s, location_codes[codes[chosen[s][1]]]) for s in picked]


def _verify() -> tuple[float, int]:
    t0 = time.perf_counter()
    drifts = ledger.verify()
    db.session.rollback()
    return round(time.perf_counter() - t0, 1), len(drifts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=secrets.token_hex(16))
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "app:app",
        ],
        env=env,
        start_new_session=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, float]:
        data = json.dumps(body).encode() if body is not None else None
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - t0) * 1000


def make_request(kind: str, hot: list, rng: random.Random, n: list, client: int):
    sku, location = rng.choice(hot)
    if kind == "read":
        return "GET", f"/api/stock/{sku}", None
    n[0] += 1
    return (
        "POST",
        "/api/stock/reserve",
        {
            "sku": sku,
            "location": location,
            "quantity": 1,
            "reference_type": "bench",
            "reference_id": f"{os.getpid()}-{client}-{n[0]}",
        },
    )


def _client(i, port, token, kind, requests, hot, seed, barrier, out) -> None:
    """One client process (processes, not threads: the load generator must not share a
    GIL with itself on a 2-core machine)."""
    rng = random.Random(seed * 100 + i)
    client = Client(port, token)
    counter = [0]
    for _ in range(20):  # warm-up: connection, worker caches
        client.request(*make_request(kind, hot, rng, counter, i))
    barrier.wait()
    latencies, codes = [], {}
    for _ in range(requests):
        status, ms = client.request(*make_request(kind, hot, rng, counter, i))
        latencies.append(ms)
        codes[status] = codes.get(status, 0) + 1
    out.put((latencies, codes))


def run_load(port: int, token: str, kind: str, clients: int, requests: int, hot: list, seed: int) -> dict:
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(clients + 1), ctx.Queue()
    procs = [
        ctx.Process(target=_client, args=(i, port, token, kind, requests, hot, seed, barrier, out))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    latencies, statuses = [], {}
    for _ in procs:
        mine, codes = out.get()
        latencies.extend(mine)
        for code, count in codes.items():
            statuses[code] = statuses.get(code, 0) + count
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    latencies.sort()
    return dict(
        kind=kind,
        clients=clients,
        requests=len(latencies),
        wall_s=round(wall, 2),
        rps=round(len(latencies) / wall, 1),
        p50_ms=round(_pct(latencies, 50), 2),
        p99_ms=round(_pct(latencies, 99), 2),
        max_ms=round(latencies[-1], 2),
        statuses=statuses,
    )


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q / 100))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="database URL (default: a new SQLite file in a temp dir)")
    ap.add_argument("--movements", type=int, default=1_000_000)
    ap.add_argument("--skus", type=int, default=50_000)
    ap.add_argument("--requests", type=int, default=1000, help="per client, per measurement")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    ap.add_argument("--reset", action="store_true", help="PostgreSQL: empty schema public first")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    args = ap.parse_args()
    tmpdir = None if args.url else tempfile.mkdtemp(prefix="api-bench-")
    url = args.url or f"sqlite:///{tmpdir}/bench.db"
    rng = random.Random(args.seed)
    seeded = seed(url, args.movements, args.skus, args.reset, rng)
    engine = url.split(":", 1)[0].split("+")[0]
    port = free_port()
    proc = start_gunicorn(url, port, args.workers, args.threads)
    results = []
    try:
        for kind in ("read", "reserve"):
            for clients in (1, 8):
                r = run_load(
                    port,
                    seeded["token"],
                    kind,
                    clients,
                    args.requests // (1 if clients == 1 else 4),
                    seeded["hot_skus"],
                    args.seed,
                )
                log(
                    f"{kind:8} clients={clients}: {r['rps']} req/s p50 {r['p50_ms']} ms p99 {r['p99_ms']} ms "
                    f"statuses {r['statuses']}"
                )
                results.append(r)
    finally:
        stop(proc)
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        verify_s, drifts = _verify()
        movements = db.session.query(db.func.count(bench_ledger.Movement.id)).scalar()
        db.engine.dispose()
    out = dict(
        engine=engine,
        movements_seeded=args.movements,
        movements_at_end=movements,
        seed_s=seeded["seed_s"],
        drifts_after_seed=seeded["drifts"],
        drifts_at_end=drifts,
        gunicorn=dict(workers=args.workers, worker_class="gthread", threads=args.threads),
        results=results,
        started=time.strftime("%Y%m%d-%H%M%S"),
    )
    path = ROOT / "bench" / "results" / f"api-{engine}-{out['started']}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"\n{engine}, {movements:,} movements at the end, drifts {drifts}; {path.name}")
    print("| request | clients | req/s | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: | ---: |")
    for r in results:
        label = "GET /api/stock/<sku>" if r["kind"] == "read" else "POST /api/stock/reserve"
        print(f"| {label} | {r['clients']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} |")
    if tmpdir and not args.keep:
        shutil.rmtree(tmpdir)


if __name__ == "__main__":
    main()
