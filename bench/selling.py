#!/usr/bin/env python
"""Selling benchmark: the channel x location ATP matrix, order routing, and a reserve with
channel rules against a plain reserve. Not a pytest test.

    python bench/selling.py                      # SQLite file in a fresh temp dir
    python bench/selling.py --url postgresql+psycopg://USER:PASS@HOST:PORT/DB --reset
    python bench/selling.py --skus 5000 --samples 50   # quick run

What it does, in one process and on one engine (see docs/performance.md, "Selling"):
 1. builds the schema with the Alembic migrations on an empty database;
 2. seeds, with bulk Core inserts (movements and balances agreeing, as bench/ledger.py
    does): one location with 20 storage bins holding every one of `--skus` SKUs (50k),
    20 more locations on a grid of coordinates each holding some of the first 200 SKUs,
    5 channels with rules at every location (buffers, shares, one that does not sell from
    the big one); then 500 reserves on channels through the real service, and
    ledger.verify() must find no drift;
 3. times, in process, the service calls the API and the pages make:
    - the ATP matrix of the big location, 200 SKUs a page x 5 channels, random pages;
    - routing an order of 10 lines (of the first 200 SKUs) from a random ship-to point
      across the 20 locations, on the web channel (the products and the channel loaded
      before the clock starts, as the API looks them up by code first);
    - reserving 1 unit of a random SKU at the big location on a channel with a buffer
      and a share, against the same reserve with no channel, in alternating rounds so
      noise hits both alike (each reserve is its own transaction and commit; the product,
      location and channel are loaded before the clock starts, as the API looks them up
      before its command);
 4. prints a table and writes bench/results/selling-<engine>-<ts>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, inspect, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.common import log  # noqa: E402
from warehouse import create_app, ledger  # noqa: E402
from warehouse.availability import channel_reads, reservations, routing  # noqa: E402
from warehouse.availability.models import Channel, ChannelLocation  # noqa: E402
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Location, LocationType, Product  # noqa: E402
from warehouse.core.engines import configure_engine  # noqa: E402
from warehouse.core.extensions import db  # noqa: E402
from warehouse.ledger.models import Balance, Movement, MovementType, Posting  # noqa: E402

BIG = 1  # the location holding every SKU
ROUTED = range(2, 22)  # 20 locations for routing
ORDERED_SKUS = 200  # routing orders are made of the first 200 SKUs
CHANNELS = [  # code, rule at the big location (can sell, buffer, share), rule elsewhere
    ("web", (True, 0, None), (True, 0, None)),
    ("retail", (True, 2, None), (True, 1, None)),
    ("marketplace", (True, 2, 30), (False, 0, None)),
    ("b2b", (True, 0, 50), (True, 0, None)),
    ("wholesale", (False, 0, None), (True, 5, None)),
]


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


def seed(url: str, skus: int, rng: random.Random) -> None:
    from flask_migrate import upgrade

    from warehouse.accounts import organisations
    from warehouse.core import tenancy

    upgrade()
    tenancy.enter(organisations.ensure("bench", "Bench").id)  # the bulk inserts' org_id default
    db.session.commit()  # end the session's read, or it would not see the bulk inserts
    engine = create_engine(url, poolclass=NullPool)
    configure_engine(engine)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        bins = _places(conn)
        conn.execute(
            insert(Product.__table__),
            [dict(id=p, sku=f"SKU-{p:06d}", name=f"Item {p}", active=True) for p in range(1, skus + 1)],
        )
        keys = {(p, BIG, bins[BIG][p % len(bins[BIG])]): rng.randint(20, 200) for p in range(1, skus + 1)}
        for loc in ROUTED:
            for p in range(1, ORDERED_SKUS + 1):
                if rng.random() < 0.6:
                    keys[(p, loc, bins[loc][0])] = rng.randint(1, 40)
        _receive_all(conn, keys)
        _channels(conn)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # rows were inserted with their ids: move the sequences on
            for table in ("locations", "products", "postings", "stock_movements", "channels"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    log(f"seeded {skus:,} SKUs, {len(keys):,} keys in {time.perf_counter() - t0:.0f} s")
    big = db.session.get(Location, BIG)
    channels = db.session.query(Channel).order_by(Channel.id).all()
    for i in range(500):  # some reservations on channels, through the service
        product = db.session.get(Product, rng.randint(1, skus))
        reservations.reserve(product, big, 1, ("order", f"seed-{i}"), actor_id=None, channel=channels[i % 4])
    drifts = ledger.verify()
    log(f"verify: {len(drifts)} drifted keys")
    assert drifts == []
    db.session.remove()


def _places(conn) -> dict[int, list[int]]:
    """The big location (20 storage bins) and 20 on a 5 x 4 grid of coordinates (about
    55 km apart), each with a receiving and a storage bin. Storage bin ids by location."""
    rows = [
        dict(
            id=BIG,
            code="BIG",
            name="Big warehouse",
            type=LocationType.WAREHOUSE,
            active=True,
            latitude=52.0,
            longitude=19.0,
        )
    ]
    for i, loc in enumerate(ROUTED):
        rows.append(
            dict(
                id=loc,
                code=f"R-{i + 1:02d}",
                name=f"Store {i + 1}",
                type=LocationType.SERVICE_CENTER,
                active=True,
                latitude=50.0 + 0.5 * (i // 4),
                longitude=16.0 + 0.8 * (i % 4),
            )
        )
    conn.execute(insert(Location.__table__), rows)
    bins: dict[int, list[int]] = {}
    for row in rows:
        loc = row["id"]
        codes = ["RCV-01"] + ([f"A-{b:02d}" for b in range(1, 21)] if loc == BIG else ["S-01"])
        for code in codes:
            kind = BinKind.RECEIVING if code == "RCV-01" else BinKind.STORAGE
            bin_id = conn.execute(
                insert(Bin.__table__).values(
                    location_id=loc, code=code, barcode=f"{row['code']}:{code}", kind=kind, active=True
                )
            ).inserted_primary_key[0]
            if kind is BinKind.STORAGE:
                bins.setdefault(loc, []).append(bin_id)
    return bins


def _receive_all(conn, keys: dict[tuple[int, int, int], int]) -> None:
    """One receipt movement per key (one posting per 20k), its balance the same."""
    conn.execute(
        insert(Posting.__table__), [dict(id=1, type=MovementType.INBOUND_PURCHASE, fingerprint="bench")]
    )
    rows = [
        dict(
            id=i,
            posting_id=1,
            product_id=p,
            location_id=loc,
            bin_id=b,
            lot_id=NO_LOT,
            qty=q,
            reserved_delta=0,
            held_delta=0,
            balance_after=q,
            reserved_after=0,
            held_after=0,
            type=MovementType.INBOUND_PURCHASE,
        )
        for i, ((p, loc, b), q) in enumerate(keys.items(), start=1)
    ]
    for start in range(0, len(rows), 20_000):
        conn.execute(insert(Movement.__table__), rows[start : start + 20_000])
    conn.execute(
        insert(Balance.__table__),
        [
            dict(product_id=p, location_id=loc, bin_id=b, lot_id=NO_LOT, on_hand=q, reserved=0, held=0)
            for (p, loc, b), q in keys.items()
        ],
    )


def _channels(conn) -> None:
    for cid, (code, at_big, elsewhere) in enumerate(CHANNELS, start=1):
        conn.execute(insert(Channel.__table__).values(id=cid, code=code, name=code.title(), active=True))
        for loc in (BIG, *ROUTED):
            can_sell, buffer, share = at_big if loc == BIG else elsewhere
            conn.execute(
                insert(ChannelLocation.__table__).values(
                    channel_id=cid, location_id=loc, can_sell=can_sell, buffer=buffer, share_percent=share
                )
            )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(ms: list[float]) -> dict:
    return dict(
        n=len(ms), p50=round(statistics.median(ms), 2), p95=round(pct(ms, 0.95), 2), max=round(max(ms), 2)
    )


def timed(fn, args_list) -> list[float]:
    out = []
    for args in args_list:
        t0 = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - t0) * 1000)
        db.session.rollback()  # end the read: every call starts as a request would
    return out


def measure(skus: int, samples: int, rng: random.Random) -> dict:
    big = db.session.get(Location, BIG)
    pages = max(skus // 200, 1)
    results = {}
    matrix = timed(
        lambda page: channel_reads.matrix(big, page=page, limit=200),
        [(rng.randint(1, pages),) for _ in range(samples)],
    )
    results["ATP matrix, 200 SKUs x 5 channels"] = summary(matrix)
    log(f"matrix p95 {results['ATP matrix, 200 SKUs x 5 channels']['p95']} ms")
    web = db.session.query(Channel).filter_by(code="web").one()
    products = {p.id: p for p in db.session.query(Product).filter(Product.id <= ORDERED_SKUS)}

    def order():
        lines = [(products[p], rng.randint(1, 3)) for p in rng.sample(range(1, ORDERED_SKUS + 1), 10)]
        return (lines, (50.0 + rng.random() * 2.0, 16.0 + rng.random() * 2.4))

    routed = []
    for lines, to in [order() for _ in range(samples * 2)]:
        db.session.rollback()
        _ = ([p.sku for p, _q in lines], web.code)  # looked up before the clock, as the API does
        t0 = time.perf_counter()
        routing.route(lines, to, channel=web)
        routed.append((time.perf_counter() - t0) * 1000)
    results["route 10 lines across 20 locations"] = summary(routed)
    log(f"routing p95 {results['route 10 lines across 20 locations']['p95']} ms")
    results.update(_reserves(big, skus, samples, rng))
    return results


def _reserves(big: Location, skus: int, samples: int, rng: random.Random) -> dict:
    """Alternating rounds of plain and channel reserves; medians per kind, and their ratio."""
    marketplace = db.session.query(Channel).filter_by(code="marketplace").one()  # buffer 2, share 30%
    plain, ruled, n = [], [], 0
    for _round in range(10):
        for kind, out in (("plain", plain), ("channel", ruled)):
            for _ in range(max(samples // 5, 10)):
                n += 1
                product = db.session.get(Product, rng.randint(1, skus))
                channel = marketplace if kind == "channel" else None
                # Loaded before the clock starts, as the API has them (it looks them up by
                # code before the command): only the service is timed.
                _ = (product.sku, big.code, channel and channel.code)
                t0 = time.perf_counter()
                reservations.reserve(product, big, 1, ("cart", f"bench-{n}"), actor_id=None, channel=channel)
                out.append((time.perf_counter() - t0) * 1000)
    a, b = summary(plain), summary(ruled)
    return {
        "reserve, no channel": a,
        "reserve on a channel (buffer + share)": b,
        "reserve ratio channel / plain (medians)": dict(ratio=round(b["p50"] / a["p50"], 3)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url")
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-selling-')}/bench.db"
    log(f"database {url}")
    prepare(url, args.reset)
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    rng = random.Random(17)
    with app.app_context():
        seed(url, args.skus, rng)
        results = measure(args.skus, args.samples, rng)
        engine_name = db.engine.dialect.name
        drifts = ledger.verify()
        assert drifts == [], drifts
    print(f"\n{'what':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, r in results.items():
        if "ratio" in r:
            print(f"{name:<44} {r['ratio']:>8}")
        else:
            print(f"{name:<44} {r['p50']:>8} {r['p95']:>8} {r['max']:>8}")
    out = ROOT / "bench" / "results" / f"selling-{engine_name}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            dict(skus=args.skus, samples=args.samples, python=platform.python_version(), results=results),
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
