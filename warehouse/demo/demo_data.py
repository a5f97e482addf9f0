"""The demo warehouse's fixed data: its users (with their demo credentials), locations,
item name patterns and costs, the date its lots' expiry dates count from, and the GS1
check digit of its barcodes. site.py loads them."""

from __future__ import annotations

from datetime import date

from warehouse.catalog.models import LocationType

DEMO_USERS = [  # username, password, badge, PIN: demo data only, printed by `flask demo`
    ("operator", "demo-operator", "BADGE-0001", "1111"),
    ("supervisor", "demo-supervisor", "BADGE-0002", "2222"),
    ("admin", "demo-admin", "BADGE-0003", "3333"),
]

LOCATIONS = [  # code, name, type, barcode prefix
    ("warehouse-main", "Main warehouse", LocationType.WAREHOUSE, "WM"),
    ("service-north", "North service center", LocationType.SERVICE_CENTER, "SN"),
    ("transit", "In transit", LocationType.TRANSIT, "TR"),
    ("returns", "Returns", LocationType.RETURNS, "RT"),  # where returned stock lands by default
]

# Where the demo's stocking locations are (latitude, longitude), for routing orders to the
# nearest one: the main warehouse in Poznań, the north service centre in Gdańsk.
COORDINATES = {"warehouse-main": (52.4064, 16.9252), "service-north": (54.3520, 18.6466)}

# Selling channels and their rules: (channel code, name, {location: (buffer, share %)}).
# Retail sells from the service centre only; the marketplace gets a third of the main
# warehouse and keeps 2 units back.
CHANNELS = [
    ("web", "Web shop", {"warehouse-main": (0, None), "service-north": (0, None)}),
    ("retail", "Retail counter", {"service-north": (1, None)}),
    ("marketplace", "Marketplace", {"warehouse-main": (2, 33)}),
]

ITEMS = [  # name pattern, unit cost, lot-tracked, expiry-tracked
    ("Hex bolt M{n} x {m} mm, box of 50", "4.20", False, False),
    ("Nylon lock nut M{n}, bag of 100", "3.10", False, False),
    ("Cable tie {m} mm, pack of 100", "2.75", False, False),
    ("Safety gloves size {n}", "6.90", False, False),
    ("Hydraulic hose {m} cm, DN{n}", "18.40", True, False),
    ("Sealant cartridge {m} ml, type {n}", "7.80", True, True),
    ("Two-part epoxy {m} g, grade {n}", "12.50", True, True),
    ("Bearing 6{n}0{m}-2RS", "9.60", False, False),
    ("V-belt A{m}{n}", "11.20", False, False),
    ("Machine oil ISO VG {m}, {n} l", "21.00", True, True),
]

DEMO_EPOCH = date(2026, 11, 1)


def with_check_digit(body: str) -> str:
    """Append the GS1 check digit: weights 3, 1, 3, ... from the rightmost digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)
