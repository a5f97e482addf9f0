#!/usr/bin/env python
"""JSON API benchmark through HTTP: gunicorn (2 workers, loopback) in front of a ledger of
--movements movements; GET /api/stock/<sku>, POST /api/stock (adjust) and
POST /api/stock/reserve (each write with its own Idempotency-Key) with one keep-alive
client and with 8 concurrent keep-alive clients. Not a pytest test.

    python bench/api.py                                   # SQLite file in a temp dir, 1M movements
    python bench/api.py --url postgresql+psycopg://USER:PASS@HOST:PORT/DB --reset
    python bench/api.py --movements 100000 --requests 300   # quick check
    python bench/api.py --movements 100000 --baseline 877ac06   # against a baseline, same run

--baseline REF measures an older commit in the same run: a git worktree of REF serves a
copy of the same seeded database, migrated down to REF's schema, from its own gunicorn;
the two servers take turns, round by round (--rounds), so noise hits both alike. The
statements, transactions and pool checkouts of one write are counted on both sides by
bench/statements.py.

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
import sqlite3
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
from warehouse.accounts import organisations  # noqa: E402
from warehouse.accounts.models import Role  # noqa: E402
from warehouse.catalog.models import Bin, Location, Product  # noqa: E402
from warehouse.core import tenancy  # noqa: E402
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
        # Two organisations of equal size, each with half the movements; the requests are
        # one organisation's (its token's), so every statement is scoped as in production.
        ours, theirs = organisations.create("bench-a", "Bench A"), organisations.create("bench-b", "Bench B")
        engine = bench_ledger.seed_engine(url)
        t0 = time.perf_counter()
        for org, prefix in ((theirs, "H"), (ours, "")):
            seeder = bench_ledger.Seeder(engine, skus, rng, org_id=org.id, prefix=prefix)
            seeder.catalog()
            seeder.movements(movements // 2)
        out["seed_s"] = round(time.perf_counter() - t0, 1)
        log(f"seeded {movements:,} movements in two organisations in {out['seed_s']} s")
        out["movements"], out["drifts"], out["verify_s"] = 0, 0, 0.0
        for org in (theirs, ours):
            with tenancy.acting_for(org.id):
                if org is ours:
                    hot = _stock_up(rng)
                verify_s, drifts = _verify()
                out["verify_s"] += verify_s
                out["drifts"] += drifts
                out["movements"] += db.session.query(db.func.count(bench_ledger.Movement.id)).scalar()
        with tenancy.acting_for(ours.id):
            user = accounts.create_user(
                f"bench-{secrets.token_hex(3)}", secrets.token_hex(8), Role.SUPERVISOR
            )
            out["token"] = accounts.create_token(user, name="bench")
        out["hot_skus"] = hot
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
    bins = {row.id: row for row in db.session.execute(db.select(Bin.id, Bin.code, Bin.location_id))}
    location_codes = dict(db.session.execute(db.select(Location.id, Location.code)).all())
    return [(s, location_codes[bins[chosen[s][1]].location_id], bins[chosen[s][1]].code) for s in picked]


def _verify() -> tuple[float, int]:
    t0 = time.perf_counter()
    drifts = ledger.verify()
    db.session.rollback()
    return round(time.perf_counter() - t0, 1), len(drifts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int, cwd: Path = ROOT) -> subprocess.Popen:
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
        cwd=cwd,
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

    def request(self, method: str, path: str, body: dict | None, key: str | None) -> tuple[int, float]:
        data = json.dumps(body).encode() if body is not None else None
        headers = self.headers if key is None else {**self.headers, "Idempotency-Key": key}
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - t0) * 1000


def make_request(kind: str, hot: list, rng: random.Random, n: list, client: int):
    sku, location, bin_code = rng.choice(hot)
    if kind == "read":
        return "GET", f"/api/stock/{sku}", None, None
    n[0] += 1
    key = f"{os.getpid()}-{client}-{n[0]}"
    if kind == "adjust":
        return "POST", "/api/stock", {"sku": sku, "location": location, "bin": bin_code, "quantity": 1}, key
    return (
        "POST",
        "/api/stock/reserve",
        {
            "sku": sku,
            "location": location,
            "quantity": 1,
            "reference_type": "bench",
            "reference_id": key,
        },
        key,
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


KINDS = ("read", "adjust", "reserve")
LABELS = {"read": "GET /api/stock/<sku>", "adjust": "POST /api/stock", "reserve": "POST /api/stock/reserve"}


def _head_revision(versions: Path) -> str:
    """The newest migration in a checkout: the one no other migration revises."""
    revised, down = set(), set()
    for path in versions.glob("*.py"):
        text = path.read_text()
        for line in text.splitlines():
            if line.startswith("revision = "):
                revised.add(line.split("=", 1)[1].strip().strip("'\""))
            elif line.startswith("down_revision = "):
                down.add(line.split("=", 1)[1].strip().strip("'\""))
    (head,) = revised - down
    return head


def baseline_copy(url: str, engine: str, ref: str) -> tuple[str, Path]:
    """A worktree of `ref` and a copy of the seeded database migrated down to its schema."""
    from sqlalchemy import create_engine, make_url, text

    worktree = Path(tempfile.mkdtemp(prefix="api-baseline-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(worktree), ref], cwd=ROOT, check=True)
    if engine == "sqlite":
        source = Path(url.removeprefix("sqlite:///"))
        copy = source.with_name("baseline.db")
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)  # a consistent copy, the WAL's pages included
        base_url = f"sqlite:///{copy}"
    else:
        u = make_url(url)
        name = f"{u.database}_baseline"
        admin = create_engine(u.set(database="template1"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            # A template must have no other sessions (the seeding engine's idle pool has some).
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                {"db": u.database},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{u.database}"'))
        admin.dispose()
        base_url = u.set(database=name).render_as_string(hide_password=False)
    revision = _head_revision(worktree / "migrations" / "versions")
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=base_url)
    with app.app_context():
        from flask_migrate import downgrade

        downgrade(revision=revision)
        db.engine.dispose()
    log(f"baseline {ref}: a copy of the database at revision {revision}, code in {worktree}")
    return base_url, worktree


def count_statements(url: str, code: Path, hot: list) -> dict:
    sku, location, bin_code = hot[0]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "statements.py"), "--url", url, "--sku", sku]
        + ["--location", location, "--bin", bin_code, "--code", str(code)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(values):
    values = sorted(values)
    return (
        values[len(values) // 2]
        if len(values) % 2
        else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2
    )


def summarise(results: list[dict]) -> list[dict]:
    rows = []
    for kind in KINDS:
        for clients in (1, 8):
            row = dict(kind=kind, clients=clients)
            for side in ("baseline", "head"):
                mine = [r for r in results if (r["kind"], r["clients"], r["side"]) == (kind, clients, side)]
                if mine:
                    row[side] = dict(
                        rps=round(_median([r["rps"] for r in mine]), 1),
                        p50_ms=round(_median([r["p50_ms"] for r in mine]), 2),
                        p99_ms=round(_median([r["p99_ms"] for r in mine]), 2),
                    )
            if "baseline" in row:
                pairs = [
                    h["rps"] / b["rps"]
                    for b, h in zip(
                        [
                            r
                            for r in results
                            if (r["kind"], r["clients"], r["side"]) == (kind, clients, "baseline")
                        ],
                        [
                            r
                            for r in results
                            if (r["kind"], r["clients"], r["side"]) == (kind, clients, "head")
                        ],
                        strict=True,
                    )
                ]
                row["ratio"] = round(_median(pairs), 2)  # median of the per-round ratios
            rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="database URL (default: a new SQLite file in a temp dir)")
    ap.add_argument("--movements", type=int, default=1_000_000)
    ap.add_argument("--skus", type=int, default=50_000)
    ap.add_argument("--requests", type=int, default=1000, help="per client, per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="measurements per side, taking turns")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    ap.add_argument("--reset", action="store_true", help="PostgreSQL: empty schema public first")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--baseline", help="a commit to measure against in the same run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    args = ap.parse_args()
    tmpdir = None if args.url else tempfile.mkdtemp(prefix="api-bench-")
    url = args.url or f"sqlite:///{tmpdir}/bench.db"
    rng = random.Random(args.seed)
    seeded = seed(url, args.movements, args.skus, args.reset, rng)
    engine = url.split(":", 1)[0].split("+")[0]
    urls, code = {"head": url}, {"head": ROOT}
    if args.baseline:
        urls["baseline"], code["baseline"] = baseline_copy(url, engine, args.baseline)
    costs = {side: count_statements(urls[side], code[side], seeded["hot_skus"]) for side in urls}
    for side, cost in costs.items():
        for kind, c in cost.items():
            log(
                f"{side} {kind}: {c['statements']} statements, {c['transactions']} transactions, "
                f"{c['checkouts']} pool checkouts per request"
            )
    servers = {}
    try:
        for side in urls:
            port = free_port()
            servers[side] = (start_gunicorn(urls[side], port, args.workers, args.threads, code[side]), port)
        results = []
        for kind in KINDS:
            for clients in (1, 8):
                for round_ in range(args.rounds):
                    sides = list(servers) if round_ % 2 == 0 else list(reversed(servers))
                    for side in sides:
                        r = run_load(
                            servers[side][1],
                            seeded["token"],
                            kind,
                            clients,
                            args.requests // (1 if clients == 1 else 4),
                            seeded["hot_skus"],
                            args.seed + round_,
                        )
                        r.update(side=side, round=round_)
                        log(
                            f"{side:8} {kind:7} clients={clients} round {round_}: {r['rps']} req/s "
                            f"p50 {r['p50_ms']} ms p99 {r['p99_ms']} ms statuses {r['statuses']}"
                        )
                        results.append(r)
    finally:
        for proc, _port in servers.values():
            stop(proc)
    drifts, movements = {}, 0
    for side in urls:
        if side != "head":  # an older schema (no organisations): this code cannot read it
            drifts[side] = "not checked"
            continue
        app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=urls[side])
        with app.app_context():
            drifts[side], movements = 0, 0
            with organisations.each() as each:
                for _org in each:
                    drifts[side] += _verify()[1]
                    movements += db.session.query(db.func.count(bench_ledger.Movement.id)).scalar()
            db.engine.dispose()
    summary = summarise(results)
    out = dict(
        engine=engine,
        baseline=args.baseline,
        movements_seeded=args.movements,
        movements_at_end=movements,
        seed_s=seeded["seed_s"],
        drifts_after_seed=seeded["drifts"],
        drifts_at_end=drifts,
        gunicorn=dict(workers=args.workers, worker_class="gthread", threads=args.threads),
        statements=costs,
        summary=summary,
        results=results,
        started=time.strftime("%Y%m%d-%H%M%S"),
    )
    path = ROOT / "bench" / "results" / f"api-{engine}-{out['started']}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"\n{engine}, {movements:,} movements at the end, drifts {drifts}; {path.name}")
    print(
        "| request | clients | side | req/s | p50 ms | p99 ms | ratio |\n| --- | ---: | --- | ---: | ---: | ---: | ---: |"
    )
    for row in summary:
        for side in ("baseline", "head"):
            if side in row:
                m = row[side]
                ratio = row.get("ratio", "") if side == "head" else ""
                print(
                    f"| {LABELS[row['kind']]} | {row['clients']} | {side} | {m['rps']} | {m['p50_ms']} | {m['p99_ms']} | {ratio} |"
                )
    for side, cost in costs.items():
        for kind, c in cost.items():
            print(
                f"{side} {kind}: {c['statements']} statements, {c['transactions']} transactions, {c['checkouts']} checkouts"
            )
    if args.baseline:
        subprocess.run(["git", "worktree", "remove", "--force", str(code["baseline"])], cwd=ROOT, check=False)
    if tmpdir and not args.keep:
        shutil.rmtree(tmpdir)


if __name__ == "__main__":
    main()
