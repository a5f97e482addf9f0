"""A year of demo history for the dashboard: `flask demo --history`.

Everything goes through the ledger (ledger.post, the counts service), so every step is
valid stock and `verify-ledger` passes: purchase receipts when a SKU runs low, sales
skewed like real demand, transfers main -> transit -> north, damaged/found adjustments
and a blind count every two weeks (counted, submitted and accepted by someone else).

Backdating. The ledger stamps each posting with its clock (`core.clock.utcnow`) and movements
are append-only (no UPDATE is allowed), so the only honest way to write the past is to
post *at* the past: while generating, `clock.backdated` points the clock the ledger and
the counts service use at a deterministic instant per posting, and restores it after.
This is demo data generation only; nothing else ever moves the clock.

Order matters for point-in-time figures. They read the last movement per key by id, so a
key's movements must be in time order too. The demo's own opening stock is therefore
loaded first *at the start of the history* (load_demo under the same clock), and a ledger
that already holds stock posted later (`flask demo` run earlier without --history) is
left alone with a message: start from an empty database for history.

Deterministic (random.Random(SEED), fixed times of day) and idempotent: a ledger that
already has history is skipped. Each day's postings share one transaction (services join
an outer transaction), so a year takes about 25 s on SQLite instead of a commit per
posting.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from warehouse import counts, ledger
from warehouse.accounts.models import User
from warehouse.catalog import locations
from warehouse.catalog.models import BinKind, Location, Lot, Product
from warehouse.core import clock, transactions
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.demo.site import load_demo
from warehouse.ledger.models import Balance, Movement, MovementType, Posting, ReasonCode

SEED = 2026
DAYS = 365
SALES_PER_DAY = 40
KEY = "demo:history:"  # every history posting's idempotency key starts with this


@dataclass
class HistoryReport:
    postings: int = 0
    days: int = 0
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return f"History: {self.skipped}"
        return f"History: {self.postings} postings over {self.days} days, from a year ago to today."


def load_history(today: date | None = None, days: int = DAYS) -> HistoryReport:
    """Load the demo (at the start of the history) and a year of postings up to today."""
    report = HistoryReport()
    today = today or utcnow().date()
    start = today - timedelta(days=days)
    if history_exists():
        report.skipped = "already there (nothing written)."
        return report
    newest = db.session.scalar(select(func.max(Movement.created_at)))
    if newest is not None and newest > datetime.combine(start, time(6)):
        report.skipped = (
            "the ledger already holds stock posted after the history would start; "
            "history needs an empty database (delete it, `flask db upgrade`, then "
            "`flask demo --history`)."
        )
        return report
    with clock.backdated(lambda: datetime.combine(start, time(6))):
        load_demo()
    _Generator(random.Random(SEED), report).run(start, today)
    return report


class _Generator:
    def __init__(self, rng: random.Random, report: HistoryReport):
        self.rng, self.report = rng, report
        self.users = {u.username: u.id for u in db.session.scalars(select(User))}
        self.main = locations.by_code("warehouse-main")
        self.north = locations.by_code("service-north")
        transit = locations.by_code("transit")
        self.transit_bin = transit.bins[0]
        self.products = list(db.session.scalars(select(Product).order_by(Product.sku)))
        self.storage = {
            loc.id: [b for b in loc.bins if b.kind is BinKind.STORAGE and not b.code.startswith("C-")]
            for loc in (self.main, self.north)
        }
        # Demand like a real store: the first SKUs sell most (weights 1/rank).
        self.weights = [1 / (rank + 1) for rank in range(len(self.products))]
        self.stock: dict[tuple, int] = {}  # key -> on hand, kept in step with every posting
        for b in db.session.scalars(select(Balance).where(Balance.on_hand > 0)):
            self.stock[(b.product_id, b.location_id, b.bin_id, b.lot_id)] = b.on_hand
        self.lots = {
            p.id: db.session.scalar(select(Lot).where(Lot.product_id == p.id).order_by(Lot.id).limit(1))
            for p in self.products
            if p.lot_tracked
        }
        self.now = datetime.min
        self.n = 0

    def run(self, start: date, today: date) -> None:
        with clock.backdated(lambda: self.now):
            for offset in range(1, (today - start).days):  # up to yesterday
                with transactions.transaction():  # one commit a day: the postings join it
                    self._day(start + timedelta(days=offset), offset)
                self.report.days += 1
            db.session.remove()

    def _day(self, day: date, offset: int) -> None:
        minute = iter(range(8 * 60, 20 * 60, 5))  # a posting every 5 minutes from 08:00
        tick = lambda: setattr(self, "now", datetime.combine(day, time()) + timedelta(minutes=next(minute)))  # noqa: E731
        if offset % 3 == 1:
            tick(), self._transfer_in(day)
        for _ in range(3):
            tick(), self._replenish()
        busy = 1.25 if day.weekday() < 5 else 0.5  # weekends are quiet
        for _ in range(int(SALES_PER_DAY * busy * self.rng.uniform(0.7, 1.3))):
            tick(), self._sale()
        for _ in range(self.rng.randint(0, 2)):
            tick(), self._adjust()
        if offset % 3 == 0:
            tick(), self._transfer_out(day)
        if offset % 14 == 7:
            tick(), self._count()

    # --- postings -------------------------------------------------------------------------

    def _post(self, type: MovementType, lines: list[ledger.Line], **kwargs) -> None:
        self.n += 1
        posted = ledger.post(type, lines, actor_id=self.users.get("admin"), key=f"{KEY}{self.n}", **kwargs)
        for key, (on_hand, _reserved, _held) in posted.balances_after.items():
            self.stock[key] = on_hand
        self.report.postings += 1

    def _keys_of(self, product: Product, location: Location) -> list[tuple]:
        return [k for k, qty in self.stock.items() if k[0] == product.id and k[1] == location.id and qty > 0]

    def _on_hand(self, product: Product, location: Location) -> int:
        return sum(self.stock[k] for k in self._keys_of(product, location))

    def _replenish(self) -> None:
        """A purchase receipt for a SKU that runs low at main (most wanted first)."""
        product = self.rng.choices(self.products, self.weights)[0]
        if self._on_hand(product, self.main) > 40:
            return
        keys = self._keys_of(product, self.main)
        bin_id = keys[0][2] if keys else self.rng.choice(self.storage[self.main.id]).id
        lot = self.lots.get(product.id)
        line = ledger.Line(
            product.id, self.main.id, bin_id, lot.id if lot else 0, qty=self.rng.randint(80, 200)
        )
        self._post(MovementType.INBOUND_PURCHASE, [line], reference=("purchase_order", f"PO-H{self.n:06d}"))

    def _sale(self) -> None:
        product = self.rng.choices(self.products, self.weights)[0]
        location = self.north if self.rng.random() < 0.2 else self.main
        keys = self._keys_of(product, location)
        if not keys:
            return
        key = self.rng.choice(keys)
        qty = min(self.stock[key], self.rng.randint(1, 6))
        self._post(
            MovementType.OUTBOUND_SALE,
            [ledger.Line(*key, qty=-qty)],
            reference=("sales_order", f"SO-H{self.n:06d}"),
        )

    def _adjust(self) -> None:
        product = self.rng.choice(self.products)
        keys = self._keys_of(product, self.main)
        if not keys:
            return
        key = self.rng.choice(keys)
        damaged = self.rng.random() < 0.7
        self._post(
            MovementType.ADJUSTMENT,
            [ledger.Line(*key, qty=-1 if damaged else 1)],
            reason=ReasonCode.DAMAGED if damaged else ReasonCode.FOUND,
        )

    def _transfer_out(self, day: date) -> None:
        """Ship a few SKUs main -> transit (they land at north on the next transfer-in)."""
        lines = []
        for product in self.rng.sample(self.products[:40], 3):
            keys = self._keys_of(product, self.main)
            if keys:
                key = keys[0]
                qty = min(self.stock[key], self.rng.randint(5, 20))
                lines += [
                    ledger.Line(*key, qty=-qty),
                    ledger.Line(
                        product.id, self.transit_bin.location_id, self.transit_bin.id, key[3], qty=qty
                    ),
                ]
        if lines:
            self._post(MovementType.TRANSFER_OUT, lines, reference=("transfer", f"HIST-{day:%Y%m%d}"))

    def _transfer_in(self, day: date) -> None:
        """Everything in transit lands in a storage bin at north."""
        lines = []
        for key, qty in list(self.stock.items()):
            if key[1] == self.transit_bin.location_id and qty > 0:
                bin = self.storage[self.north.id][key[0] % len(self.storage[self.north.id])]
                lines += [
                    ledger.Line(*key, qty=-qty),
                    ledger.Line(key[0], self.north.id, bin.id, key[3], qty=qty),
                ]
        if lines:
            self._post(MovementType.TRANSFER_IN, lines, reference=("transfer", f"HIST-{day:%Y%m%d}"))

    def _count(self) -> None:
        """A blind count of five SKUs at main: counted by the operator (now and then off by
        a few), submitted, accepted by the supervisor (four eyes)."""
        operator, supervisor = self.users.get("operator"), self.users.get("supervisor")
        stocked = sorted({k[0] for k, qty in self.stock.items() if k[1] == self.main.id and qty > 0})
        if not stocked:
            return
        ids = {self.rng.choice(stocked) for _ in range(5)}
        skus = tuple(sorted(p.sku for p in self.products if p.id in ids))
        batch = counts.create(self.main.id, counts.Selection(skus=skus), actor_id=supervisor, now=self.now)
        for line in list(batch.lines):
            expected = self.stock.get((line.product_id, self.main.id, line.bin_id, line.lot_id), 0)
            off = self.rng.choice([0] * 24 + [-2, -1, 1, 2]) if expected > 2 else 0
            counts.record(
                batch.id,
                line.bin,
                line.product,
                actor_id=operator,
                set_to=expected + off,
                lot_code=line.lot.code or None,
            )
        counts.submit(batch.id, actor_id=operator)
        accepted = counts.accept(batch.id, [line.id for line in batch.lines], actor_id=supervisor)
        for line in accepted:
            key = (line.product_id, self.main.id, line.bin_id, line.lot_id)
            self.stock[key] = ledger.balance(line.product_id, line.bin_id, line.lot_id)[0]
        self.report.postings += 1


def history_exists() -> bool:
    return (
        db.session.scalar(select(Posting.id).where(Posting.idempotency_key.startswith(KEY)).limit(1))
        is not None
    )
