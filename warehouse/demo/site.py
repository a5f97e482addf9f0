"""A realistic demo warehouse, loaded by `flask demo`.

Deterministic (a seeded random generator, fixed dates) and idempotent: catalog rows are
created only when missing, and stock arrives through the ledger with idempotency keys,
so a second run replays every posting and writes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from warehouse import accounts, alerts, ledger, transfers
from warehouse.accounts.models import Role, User
from warehouse.alerts.models import ReorderPolicy
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, BinKind, Location, LocationType, Lot, Product, ProductBarcode
from warehouse.core import commands
from warehouse.core.extensions import db
from warehouse.core.transactions import transaction
from warehouse.demo.demo_data import (
    CHANNELS,
    COORDINATES,
    DEMO_EPOCH,
    DEMO_USERS,
    ITEMS,
    LOCATIONS,
    with_check_digit,
)
from warehouse.ledger.models import Balance, Movement, MovementType, Posting
from warehouse.transfers.models import Transfer, TransferStatus


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    postings_new: int = 0
    postings_replayed: int = 0
    credentials: list[tuple[str, str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        made = ", ".join(f"{n} {what}" for what, n in self.created.items() if n) or "nothing new"
        total = db.session.scalar(select(func.count()).select_from(Movement))
        return (
            f"Demo warehouse ready: created {made}; stock postings {self.postings_new} new, "
            f"{self.postings_replayed} already there; {total} movements in the ledger."
        )


def load_demo() -> DemoReport:
    report = DemoReport()
    rng = random.Random(42)
    users = ensure_users(report)
    bins = ensure_places(report)
    products = _products(report)
    _reorder_policies(report, products)
    _stock(report, rng, products, bins, actor_id=users["admin"].id)
    _sales(report, products, actor_id=users["admin"].id)
    _stock_conditions(report, products, actor_id=users["admin"].id)
    _north_policies(report, products)
    _inbound_transfer(report, products, actor_id=users["supervisor"].id)
    _selling(report, products)
    report.credentials = list(DEMO_USERS)
    return report


def ensure_users(report: DemoReport, people=DEMO_USERS) -> dict[str, User]:
    """The demo's people, made when missing; the role is the name's last word
    (`operator`, `harbor-operator`)."""
    users, made = {}, 0
    for username, password, badge, pin in people:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            role = Role(username.rsplit("-", 1)[-1])
            user = accounts.create_user(username, password, role, badge_code=badge, pin=pin)
            made += 1
        users[username] = user
    report.created["users"] = made
    return users


def _bin_codes(type: LocationType) -> list[tuple[str, BinKind]]:
    if type is LocationType.TRANSIT:
        return [("TRANSIT", BinKind.STAGING)]  # the one default bin of an unbinned location
    if type is LocationType.RETURNS:
        return [("RET-01", BinKind.RECEIVING)]  # returns are checked before they go back to stock
    aisles = "ABC" if type is LocationType.WAREHOUSE else "S"
    bays = range(1, 5) if type is LocationType.WAREHOUSE else range(1, 7)
    codes = [("RCV-01", BinKind.RECEIVING)]
    if type is LocationType.WAREHOUSE:
        codes += [("STG-01", BinKind.STAGING), ("SHIP-01", BinKind.SHIPPING)]
    codes += [
        (f"{a}-{bay:02d}-{level:02d}", BinKind.STORAGE)
        for a in aisles
        for bay in bays
        for level in range(1, 4)
    ]
    return codes


def ensure_places(report: DemoReport, places=None) -> dict[str, list[Bin]]:
    """Locations and their bins, made when missing: `places` is (code, name, type, barcode
    prefix, [(bin code, kind)]); by default the demo's. Returns each one's storage bins."""
    made_locations = made_bins = 0
    storage: dict[str, list[Bin]] = {}
    if places is None:
        places = [(code, name, type, prefix, _bin_codes(type)) for code, name, type, prefix in LOCATIONS]
    for code, name, type, prefix, bin_codes in places:
        location = db.session.scalar(select(Location).where(Location.code == code))
        if location is None:
            location = Location(code=code, name=name, type=type)
            db.session.add(location)
            db.session.flush()
            made_locations += 1
        existing = {b.code: b for b in location.bins}
        for bin_code, kind in bin_codes:
            if bin_code not in existing:
                existing[bin_code] = Bin(
                    location_id=location.id, code=bin_code, barcode=f"{prefix}-{bin_code}", kind=kind
                )
                db.session.add(existing[bin_code])
                made_bins += 1
        storage[code] = sorted(
            (b for b in existing.values() if b.kind is BinKind.STORAGE), key=lambda b: b.code
        )
    db.session.commit()
    report.created.update(locations=made_locations, bins=made_bins)
    return storage


def _products(report: DemoReport) -> list[Product]:
    existing = {p.sku: p for p in db.session.scalars(select(Product))}
    products, made = [], 0
    for i in range(200):
        sku = f"SKU-{10001 + i}"
        product = existing.get(sku)
        if product is None:
            pattern, cost, lot_tracked, expiry_tracked = ITEMS[i % len(ITEMS)]
            product = Product(
                sku=sku,
                name=pattern.format(n=4 + i % 9, m=10 * (1 + i // 10)),
                unit_cost=Decimal(cost) + Decimal(i % 7) / 10,
                lot_tracked=lot_tracked,
                expiry_tracked=expiry_tracked,
            )
            # GS1 example prefix 950600: not a real company's GTINs.
            item_ref = f"950600{10000 + i:06d}"
            product.barcodes.append(ProductBarcode(code=with_check_digit(item_ref)))  # GTIN-13
            if i % 5 == 0:  # some items also carry a case-level GTIN-14
                product.barcodes.append(ProductBarcode(code=with_check_digit("1" + item_ref)))
            db.session.add(product)
            made += 1
        products.append(product)
    db.session.commit()
    report.created["products"] = made
    return products


def _reorder_policies(report: DemoReport, products: list[Product]) -> None:
    main = locations.by_code("warehouse-main")
    have = set(
        db.session.scalars(select(ReorderPolicy.product_id).where(ReorderPolicy.location_id == main.id))
    )
    made = 0
    for i, product in enumerate(products):
        if product.id not in have and i % 2 == 0:
            db.session.add(
                ReorderPolicy(
                    product_id=product.id,
                    location_id=main.id,
                    reorder_point=20,
                    reorder_qty=100,
                    max_level=600,
                    lead_time_days=7 + i % 7,
                    safety_stock=10,
                )
            )
            made += 1
    db.session.commit()
    report.created["reorder policies"] = made


def _lot(product: Product, n: int) -> Lot:
    code = f"L{product.sku[-5:]}-{n}"
    lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == code))
    if lot is None:
        expiry = DEMO_EPOCH + timedelta(days=60 + 90 * n + int(product.sku[-3:]) % 30)
        lot = Lot(product_id=product.id, code=code, expiry_date=expiry if product.expiry_tracked else None)
        db.session.add(lot)
        db.session.commit()
    return lot


def _stock(report, rng, products, bins, *, actor_id) -> None:
    """One purchase receipt per product, spread over storage bins, through the ledger."""
    # Aisle C of the main warehouse stays empty, so put-away has empty bins to suggest.
    main = [b for b in bins["warehouse-main"] if not b.code.startswith("C-")]
    north = bins["service-north"]
    for product in products:
        lines = []
        for bin in rng.sample(main, rng.randint(1, 3)) + (rng.sample(north, 1) if rng.random() < 0.5 else []):
            lot = _lot(product, rng.randint(1, 2)) if product.lot_tracked else None
            lines.append(ledger.Line.at(bin, product, lot, qty=rng.randint(5, 200)))
        lines = _merge_same_keys(lines)
        posted = ledger.post(
            MovementType.INBOUND_PURCHASE,
            lines,
            actor_id=actor_id,
            key=f"demo:receipt:{product.sku}",
            reference=("purchase_order", f"PO-DEMO-{product.sku[-5:]}"),
        )
        if posted.replayed:
            report.postings_replayed += 1
        else:
            report.postings_new += 1


def _sales(report, products, *, actor_id) -> None:
    """Some outbound history, skewed like real demand (a few SKUs sell most), so the ABC
    classes for cycle counting have something to rank."""
    for rank, product in enumerate(products[:60]):
        key = f"demo:sale:{product.sku}"
        if db.session.scalar(select(Posting.id).where(Posting.idempotency_key == key)):
            report.postings_replayed += 1  # sold on an earlier run: stock has moved since
            continue
        balance = db.session.scalar(
            select(Balance)
            .where(Balance.product_id == product.id, Balance.on_hand > 0, Balance.location_id == _main_id())
            .order_by(Balance.on_hand.desc())
            .limit(1)
        )
        qty = max(1, min(balance.on_hand // 2, 60 // (rank + 1))) if balance else 0
        if not qty:
            continue
        posted = ledger.post(
            MovementType.OUTBOUND_SALE,
            [ledger.Line(product.id, balance.location_id, balance.bin_id, balance.lot_id, qty=-qty)],
            actor_id=actor_id,
            key=key,
            reference=("sales_order", f"SO-DEMO-{product.sku[-5:]}"),
        )
        report.postings_new += 1 if not posted.replayed else 0


def _main_id() -> int:
    return locations.by_code("warehouse-main").id


def _merge_same_keys(lines: list[ledger.Line]) -> list[ledger.Line]:
    merged: dict[tuple, ledger.Line] = {}
    for line in lines:
        if line.key in merged:
            line = ledger.Line(*line.key, qty=merged[line.key].qty + line.qty)
        merged[line.key] = line
    return list(merged.values())


# --- conditions worth seeing: low, out of stock, overstock, inbound ---------------------

# Products past the first 60 (no demo sales) with a main-warehouse policy (even index):
# what the reorder report and the alerts should show on the demo data.
SELL_DOWN_TO = {100: 12, 102: 8, 104: 5, 106: 15}  # index -> units left: below the point of 20
SELL_OUT = 108  # nothing left at the main warehouse: out of stock
OVERSTOCK = 110  # a delivery of 650 on top: above the max level of 600 whatever was there


def _stock_conditions(report, products, *, actor_id) -> None:
    """Sell some SKUs down below their reorder point, one out, and overstock one, all
    through the ledger (so the alert listeners judge each posting as it is made)."""
    for index, left in [*SELL_DOWN_TO.items(), (SELL_OUT, 0)]:
        _sell_down(report, products[index], left, actor_id=actor_id)
    product = products[OVERSTOCK]
    bin = db.session.scalar(select(Bin).where(Bin.location_id == _main_id(), Bin.code == "A-01-01"))
    lot = _lot(product, 1) if product.lot_tracked else None
    posted = ledger.post(
        MovementType.INBOUND_PURCHASE,
        [ledger.Line.at(bin, product, lot, qty=650)],
        actor_id=actor_id,
        key=f"demo:overstock:{product.sku}",
        reference=("purchase_order", f"PO-DEMO-OVER-{product.sku[-5:]}"),
    )
    _count(report, posted)


def _sell_down(report, product, left: int, *, actor_id) -> None:
    """One sale taking the main warehouse's stock of `product` down to `left` units."""
    key = f"demo:sell-down:{product.sku}"
    if db.session.scalar(select(Posting.id).where(Posting.idempotency_key == key)):
        report.postings_replayed += 1  # sold on an earlier run: stock has moved since
        return
    balances = db.session.scalars(
        select(Balance)
        .where(Balance.product_id == product.id, Balance.location_id == _main_id(), Balance.on_hand > 0)
        .order_by(Balance.on_hand.desc(), Balance.id)
    ).all()
    lines, to_sell = [], sum(b.on_hand for b in balances) - left
    for balance in balances:
        qty = min(balance.available, to_sell)
        if qty > 0:
            lines.append(
                ledger.Line(product.id, balance.location_id, balance.bin_id, balance.lot_id, qty=-qty)
            )
            to_sell -= qty
    if lines:
        posted = ledger.post(
            MovementType.OUTBOUND_SALE,
            lines,
            actor_id=actor_id,
            key=key,
            reference=("sales_order", f"SO-DEMO-LOW-{product.sku[-5:]}"),
        )
        _count(report, posted)


def _north_policies(report, products) -> None:
    """Policies at the second location too, for every tenth SKU it stocks; judged at once
    (they come after the stock arrived), so the alerts show what they imply."""
    north = locations.by_code("service-north")
    stocked = set(
        db.session.scalars(
            select(Balance.product_id).where(Balance.location_id == north.id, Balance.on_hand > 0)
        )
    )
    have = set(
        db.session.scalars(select(ReorderPolicy.product_id).where(ReorderPolicy.location_id == north.id))
    )
    new = [p for i, p in enumerate(products) if i % 10 == 1 and p.id in stocked and p.id not in have]
    with transaction():
        for i, product in enumerate(new):
            db.session.add(
                ReorderPolicy(
                    product_id=product.id,
                    location_id=north.id,
                    reorder_point=40,
                    reorder_qty=0,
                    max_level=250,
                    lead_time_days=3 + i % 3,
                    safety_stock=5,
                )
            )
        db.session.flush()
        alerts.judge({(p.id, north.id) for p in new})
    report.created["reorder policies"] = report.created.get("reorder policies", 0) + len(new)


def _inbound_transfer(report, products, *, actor_id) -> None:
    """An approved transfer from the north service center to the main warehouse: the
    reorder report counts it as inbound (created once: the request key finds it again)."""
    main, north = _main_id(), locations.by_code("service-north").id
    made = commands.recalled("demo-inbound", actor_id=actor_id)  # transfers.create's key below
    transfer = db.session.get(Transfer, made["id"]) if made else None
    if transfer is not None and transfer.status is not TransferStatus.DRAFT:
        report.postings_replayed += 1  # approved on an earlier run
        return
    # The first SKU sold down below its point that the north center has free stock of.
    free, product = next(
        (
            (transfers.available_at(p.id, north), p)
            for p in (products[i] for i in SELL_DOWN_TO)
            if transfers.available_at(p.id, north) > 0
        ),
        (0, None),
    )
    if product is None:
        return  # this demo's north center stocks none of them: no transfer to show
    transfer = transfer or transfers.create(
        north,
        main,
        actor_id=actor_id,
        key="demo-inbound",
        note="Demo: stock on its way to the main warehouse",
    )
    transfers.add_line(transfer.id, product, min(free, 10), actor_id=actor_id, key="demo-inbound-line")
    transfers.approve(transfer.id, actor_id=actor_id)  # reserves at north: one posting
    with transaction():  # the posting judged north; the main warehouse now has units inbound
        alerts.judge({(product.id, main)})
    report.postings_new += 1
    report.created["transfers"] = 1


def _count(report, posted) -> None:
    if posted.replayed:
        report.postings_replayed += 1
    else:
        report.postings_new += 1


# --- selling: coordinates, channels and their rules, a SKU that takes backorders ---------


def _selling(report, products) -> None:
    """Where the stocking locations are, the demo's channels with rules at both, and the
    sold-out SKU (SELL_OUT) taking backorders, so an order for it waits for the next
    receipt instead of being refused."""
    with transaction():
        for code, (latitude, longitude) in COORDINATES.items():
            location = locations.by_code(code)
            if location.latitude is None:
                location.latitude, location.longitude = latitude, longitude
        products[SELL_OUT].allow_backorder = True
        existing = {c.code: c for c in db.session.scalars(select(Channel))}
        made = 0
        for code, name, rules in CHANNELS:
            if code in existing:
                continue
            channel = Channel(code=code, name=name)
            db.session.add(channel)
            db.session.flush()
            for location_code, (buffer, share) in rules.items():
                db.session.add(
                    ChannelLocation(
                        channel_id=channel.id,
                        location_id=locations.by_code(location_code).id,
                        buffer=buffer,
                        share_percent=share,
                    )
                )
            made += 1
    report.created["channels"] = made
