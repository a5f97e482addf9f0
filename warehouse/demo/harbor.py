"""Harbor Foods: the demo's second organisation, a small food distributor.

Lot- and expiry-tracked SKUs in two locations (and its transit location), its own people,
and on purpose some SKU and bin codes that the first organisation (`demo`) uses too:
SKU-10001 here is frozen cod, there a box of bolts; each organisation sees its own.
Idempotent like the main demo: rows are made when missing, stock posts with keys.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from warehouse import ledger
from warehouse.catalog.models import BinKind, LocationType, Lot, Product, ProductBarcode
from warehouse.core.extensions import db
from warehouse.demo.demo_data import DEMO_EPOCH, with_check_digit
from warehouse.demo.site import DemoReport, ensure_places, ensure_users
from warehouse.ledger.models import MovementType

HARBOR_USERS = [  # username, password, badge, PIN: demo data only, printed by `flask demo`
    ("harbor-operator", "demo-harbor-operator", "BADGE-H001", "4444"),
    ("harbor-supervisor", "demo-harbor-supervisor", "BADGE-H002", "5555"),
    ("harbor-admin", "demo-harbor-admin", "BADGE-H003", "6666"),
]

HARBOR_LOCATIONS = [  # code, name, type, barcode prefix, bin codes
    (
        "warehouse-main",
        "Harbor cold store",
        LocationType.WAREHOUSE,
        "HC",
        ["RCV-01", "A-01-01", "A-01-02", "A-02-01", "A-02-02", "B-01-01", "B-01-02", "C-01-01", "C-01-02"],
    ),
    (
        "harbor-depot",
        "Harbor city depot",
        LocationType.SERVICE_CENTER,
        "HD",
        ["RCV-01", "S-01-01", "S-01-02"],
    ),
    ("transit", "In transit", LocationType.TRANSIT, "HT", ["TRANSIT"]),
]

HARBOR_ITEMS = [  # SKU, name, unit cost, days the lots keep (all lot- and expiry-tracked)
    ("SKU-10001", "Frozen cod fillet 1 kg", "8.40", 270),  # also a SKU of demo's (bolts there)
    ("SKU-10002", "Smoked salmon 200 g", "5.90", 45),  # likewise
    ("HF-20001", "Whole milk 1 l", "0.95", 12),
    ("HF-20002", "Greek yoghurt 500 g", "1.80", 25),
    ("HF-20003", "Mature cheddar 400 g", "3.60", 120),
    ("HF-20004", "Frozen peas 2.5 kg", "4.10", 365),
]


def load_harbor() -> DemoReport:
    report = DemoReport()
    users = ensure_users(report, HARBOR_USERS)
    bins = ensure_places(report, [(*place, _kinds(place[2], bins)) for *place, bins in HARBOR_LOCATIONS])
    products = _products(report)
    _stock(report, products, bins, actor_id=users["harbor-admin"].id)
    report.credentials = list(HARBOR_USERS)
    return report


def _kinds(type: LocationType, bin_codes: list[str]) -> list[tuple[str, BinKind]]:
    if type is LocationType.TRANSIT:
        return [(code, BinKind.STAGING) for code in bin_codes]
    return [(code, BinKind.RECEIVING if code.startswith("RCV") else BinKind.STORAGE) for code in bin_codes]


def _products(report: DemoReport) -> list[tuple[Product, int]]:
    existing = {p.sku: p for p in db.session.scalars(select(Product))}
    products, made = [], 0
    for i, (sku, name, cost, keeps) in enumerate(HARBOR_ITEMS):
        product = existing.get(sku)
        if product is None:
            product = Product(
                sku=sku, name=name, unit_cost=Decimal(cost), lot_tracked=True, expiry_tracked=True
            )
            # GS1 example prefix 950601: not a real company's GTINs.
            product.barcodes.append(ProductBarcode(code=with_check_digit(f"950601{20000 + i:06d}")))
            db.session.add(product)
            made += 1
        products.append((product, keeps))
    db.session.commit()
    report.created["products"] = made
    return products


def _stock(report: DemoReport, products, bins, *, actor_id: int) -> None:
    """Two lots of each SKU in the cold store, one in the depot, through the ledger. Aisle C
    of the cold store stays empty, so put-away has empty bins to suggest."""
    bins = {place: [b for b in shelves if not b.code.startswith("C-")] for place, shelves in bins.items()}
    for i, (product, keeps) in enumerate(products):
        lines = []
        for n, (place, qty) in enumerate(
            [("warehouse-main", 40 + 10 * i), ("warehouse-main", 25), ("harbor-depot", 12)], start=1
        ):
            lot = _lot(product, n, keeps)
            shelf = bins[place][(i + n) % len(bins[place])]
            lines.append(ledger.Line.at(shelf, product, lot, qty=qty))
        posted = ledger.post(
            MovementType.INBOUND_PURCHASE,
            lines,
            actor_id=actor_id,
            key=f"harbor:receipt:{product.sku}",
            reference=("purchase_order", f"PO-HARBOR-{i + 1:03d}"),
        )
        if posted.replayed:
            report.postings_replayed += 1
        else:
            report.postings_new += 1


def _lot(product: Product, n: int, keeps: int) -> Lot:
    code = f"H{product.sku[-5:]}-{n}"
    lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == code))
    if lot is None:
        lot = Lot(
            product_id=product.id, code=code, expiry_date=DEMO_EPOCH + timedelta(days=keeps * n // 2 + 30)
        )
        db.session.add(lot)
        db.session.commit()
    return lot
