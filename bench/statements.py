#!/usr/bin/env python
"""What one API write costs the database: SQL statements, transactions and pool checkouts
per `POST /api/stock` (adjust) and `POST /api/stock/reserve`, each sent with its own
Idempotency-Key, through the Flask test client against an existing database. Not a test.

    python bench/statements.py --url URL --sku SKU --location CODE --bin CODE [--code DIR]

`--code DIR` imports the app from another checkout (bench/api.py --baseline runs it in a
git worktree of the baseline commit, against the baseline's copy of the database), so
both sides are counted by the same script. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
from pathlib import Path


def _in_first_organisation():
    """The benchmark's organisation (bench/api.py makes bench-a first); a baseline from
    before organisations has none."""
    import contextlib

    try:
        from warehouse.accounts import organisations
        from warehouse.core import tenancy
    except ImportError:
        return contextlib.nullcontext()
    return tenancy.acting_for(organisations.by_code("bench-a").id)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--sku", required=True)
    ap.add_argument("--location", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--code", default=str(Path(__file__).resolve().parent.parent))
    ap.add_argument("--requests", type=int, default=20)
    args = ap.parse_args()
    sys.path.insert(0, args.code)
    os.chdir(args.code)
    from sqlalchemy import event

    from warehouse import accounts, create_app

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=args.url, SECRET_KEY=secrets.token_hex(16))
    db = app.extensions["sqlalchemy"]
    with app.app_context(), _in_first_organisation():
        user = accounts.create_user(f"count-{secrets.token_hex(3)}", secrets.token_hex(8), "supervisor")
        token = accounts.create_token(user, name="statements")
        db.session.commit()
        engine = db.engine
        seen = {"statements": [], "transactions": 0, "checkouts": 0}

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn, cursor, statement, params, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                seen["statements"].append(" ".join(statement.split())[:100])

        @event.listens_for(engine, "begin")
        def _begin(conn):
            seen["transactions"] += 1

        @event.listens_for(engine.pool, "checkout")
        def _checkout(*_args):
            seen["checkouts"] += 1

        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        bodies = {
            "adjust": (
                "/api/stock",
                {"sku": args.sku, "location": args.location, "bin": args.bin, "quantity": 1},
            ),
            "reserve": (
                "/api/stock/reserve",
                {"sku": args.sku, "location": args.location, "quantity": 1, "reference_type": "count"},
            ),
        }
        out = {}
        for name, (path, body) in bodies.items():
            counts, sample = [], None
            for n in range(args.requests + 1):  # the first warms caches and the token's last-used mark
                seen.update(statements=[], transactions=0, checkouts=0)
                if name == "reserve":
                    body = {**body, "reference_id": f"{secrets.token_hex(4)}-{n}"}
                response = client.post(
                    path, json=body, headers={**headers, "Idempotency-Key": secrets.token_hex(8)}
                )
                assert response.status_code == 201, response.get_data(as_text=True)
                if n:
                    counts.append((len(seen["statements"]), seen["transactions"], seen["checkouts"]))
                    sample = list(seen["statements"])
            out[name] = dict(
                statements=statistics.median(c[0] for c in counts),
                transactions=statistics.median(c[1] for c in counts),
                checkouts=statistics.median(c[2] for c in counts),
                sample=sample,
            )
        db.session.remove()
        engine.dispose()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
