"""Request and answer examples shown in /api/openapi.json (operation(example=...,
answer=...)). Each is valid for its model (tests/api/test_products.py checks), and the
document's fuzzing sends the request examples as they are."""

_INVENTORY = {
    "quantity_on_hand": 45,
    "quantity_reserved": 10,
    "quantity_available": 35,
    "reorder_point": 20,
    "reorder_quantity": 50,
    "last_counted_at": "2025-01-10T14:30:00Z",
    "last_movement_at": "2025-01-15T09:15:00Z",
}

PRODUCT_IN = {
    "sku": "LAPTOP-001",
    "name": "Premium Laptop",
    "unit_cost": "899.50",
    "track_inventory": True,
    "allow_backorder": False,
    "barcodes": [{"code": "4006381333931"}, {"code": "14006381333938", "pack_qty": 5}],
    "stock_quantity": 100,
    "location": "wh-east",
    "reorder_point": 20,
    "reorder_quantity": 50,
}

PRODUCT = {
    "id": 123,
    "sku": "LAPTOP-001",
    "name": "Premium Laptop",
    "unit_cost": "899.5000",
    "track_inventory": True,
    "allow_backorder": False,
    "lot_tracked": False,
    "expiry_tracked": False,
    "active": True,
    "barcodes": [{"code": "4006381333931", "pack_qty": 1}, {"code": "14006381333938", "pack_qty": 5}],
    "stock_quantity": 45,
    "reorder_point": 20,
    "reorder_quantity": 50,
    "stock_status": "in_stock",
    "in_stock": True,
    "inventory": _INVENTORY,
}

PRODUCT_PAGE = {
    "data": [{**PRODUCT, "inventory": None}],
    "meta": {"total": 1, "page": 1, "limit": 20, "has_more": False},
}

PRODUCT_PATCH = {
    "name": "Premium Laptop 14",
    "location": "wh-east",
    "reorder_point": 25,
    "reorder_quantity": 100,
}

SYNC_IN = {
    "items": [
        {"sku": "LAPTOP-001", "name": "Premium Laptop", "unit_cost": 899.5},
        {"sku": "LAPTOP-002", "name": "Laptop Sleeve", "barcodes": [{"code": "4006381333948"}]},
        {"sku": "MOUSE-003", "name": "Wireless Mouse", "barcodes": [{"code": "4006381333940"}]},
    ]
}

SYNC_OUT = {
    "created": 1,
    "updated": 1,
    "unchanged": 0,
    "errors": 1,
    "items": [
        {"sku": "LAPTOP-001", "status": "updated", "id": 123, "error": None},
        {"sku": "LAPTOP-002", "status": "created", "id": 124, "error": None},
        {
            "sku": "MOUSE-003",
            "status": "error",
            "id": None,
            "error": {
                "code": "gtin_check_digit_wrong",
                "message": "GTIN 4006381333940 has a wrong check digit: check the number on the label (the last digit).",
            },
        },
    ],
}

_POLICY = {
    "sku": "LAPTOP-001",
    "location": "wh-east",
    "reorder_point": 20,
    "reorder_qty": 50,
    "max_level": 200,
    "lead_time_days": 7,
    "safety_stock": 5,
    "suggested_reorder_point": 26,
}

CONFIG_PAGE = {"data": [_POLICY], "meta": {"total": 1, "page": 1, "limit": 20, "has_more": False}}

CONFIG_IN = {
    "items": [
        {
            "sku": "LAPTOP-001",
            "location": "wh-east",
            "reorder_point": 20,
            "reorder_qty": 50,
            "max_level": 200,
            "lead_time_days": 7,
            "safety_stock": 5,
        },
        {"sku": "LAPTOP-002", "location": "wh-east", "reorder_point": 4, "max_level": None},
    ]
}

CONFIG_OUT = {
    "saved": 2,
    "items": [
        _POLICY,
        {
            "sku": "LAPTOP-002",
            "location": "wh-east",
            "reorder_point": 4,
            "reorder_qty": 0,
            "max_level": None,
            "lead_time_days": 0,
            "safety_stock": 0,
            "suggested_reorder_point": None,
        },
    ],
}

# --- adjustments, lot corrections, ABC counts ------------------------------------------

ADJUSTMENTS_IN = {
    "adjustments": [
        {
            "sku": "LAPTOP-001",
            "location": "wh-east",
            "bin": "A-01-01",
            "actual_quantity": 195,
            "reason": "physical_count",
        },
        {"product_id": 124, "warehouse_id": 7, "actual_quantity": 85, "reason": "Damaged goods removal"},
    ],
    "reference": "STOCKTAKE-2025-01",
}

ADJUSTMENTS_OUT = {
    "adjustments_processed": 2,
    "unchanged": 0,
    "total_adjustments": 2,
    "adjustments": [
        {
            "index": 0,
            "id": 9001,
            "posting_id": 812,
            "sku": "LAPTOP-001",
            "product_id": 123,
            "product_name": "Premium Laptop",
            "location": "wh-east",
            "warehouse_id": 7,
            "bin": "A-01-01",
            "lot": None,
            "quantity_before": 200,
            "quantity_after": 195,
            "adjustment": -5,
            "type": "adjustment_count",
            "reason": "physical_count",
            "note": None,
            "created_at": "2025-01-15T16:00:00Z",
        },
        {
            "index": 1,
            "id": 9002,
            "posting_id": 813,
            "sku": "LAPTOP-002",
            "product_id": 124,
            "product_name": "Laptop Sleeve",
            "location": "wh-east",
            "warehouse_id": 7,
            "bin": "A-02-04",
            "lot": None,
            "quantity_before": 90,
            "quantity_after": 85,
            "adjustment": -5,
            "type": "adjustment",
            "reason": "other",
            "note": "Damaged goods removal",
            "created_at": "2025-01-15T16:00:00Z",
        },
    ],
}

LOT_CORRECTION_IN = {
    "sku": "VAX-10",
    "location": "wh-east",
    "bin": "C-03-02",
    "wrong_lot": "L2301",
    "right_lot": "L2310",
    "expiry": "2026-06-30",
    "quantity": 12,
    "note": "label misread at receiving",
}

LOT_CORRECTION_OUT = {
    "posting_id": 815,
    "sku": "VAX-10",
    "product_name": "Vaccine cooler pack",
    "location": "wh-east",
    "bin": "C-03-02",
    "quantity": 12,
    "wrong_lot": {"lot": "L2301", "expiry": "2026-03-31", "on_hand": 0},
    "right_lot": {"lot": "L2310", "expiry": "2026-06-30", "on_hand": 12},
    "right_lot_created": True,
    "reason": "other",
    "note": "Lot correction at C-03-02: 12 moved from lot L2301 to lot L2310. label misread at receiving",
    "reference_type": "lot_correction",
    "reference_id": "L2301",
    "created_at": "2025-01-15T16:05:00Z",
}

ABC_DUE_IN = {"location": "wh-east", "abc_class": "A"}

COUNT_PATCH = {"status": "cancelled"}

# --- holds, expiry, put-away, lot control (warehouse/api/holds.py, expiry.py, putaway.py,
# lot_control.py)

HOLD_IN = {
    "sku": "BOLT-M8",
    "location": "wh-east",
    "bin": "A-01-01",
    "quantity": 2,
    "reason": "quality",
    "note": "scratched thread",
}

HOLD = {
    "id": 42,
    "number": "HLD-000042",
    "sku": "BOLT-M8",
    "location": "wh-east",
    "bin": "A-01-01",
    "lot": None,
    "quantity": 2,
    "quantity_open": 2,
    "reason": "quality",
    "status": "active",
    "note": "scratched thread",
    "reference": None,
    "created_at": "2026-12-06T09:00:00Z",
    "closed_at": None,
}

HOLD_RELEASE_IN = {"number": "HLD-000042"}

MARK_EXPIRED_IN = {"sku": "GLUE-50", "location": "wh-east", "bin": "A-01-01", "lot": "L-OLD"}

EXPIRED_HOLD = {
    **HOLD,
    "id": 43,
    "number": "HLD-000043",
    "sku": "GLUE-50",
    "lot": "L-OLD",
    "quantity": 4,
    "quantity_open": 4,
    "reason": "expired",
    "note": "Lot expired on 2020-01-31.",
}

DESTRUCTION_IN = {
    "number": "HLD-000043",
    "location": "destruction",
    "reference_type": "destruction",
    "reference_id": "CERT-981",
}

DESTRUCTION = {
    "moved": {**EXPIRED_HOLD, "status": "moved", "quantity_open": 0, "closed_at": "2026-12-06T10:00:00Z"},
    "hold": {
        **EXPIRED_HOLD,
        "id": 44,
        "number": "HLD-000044",
        "location": "destruction",
        "bin": "DESTRUCTION",
        "note": "From HLD-000043 at wh-east A-01-01.",
        "reference": "destruction:CERT-981",
        "created_at": "2026-12-06T10:00:00Z",
    },
    "posting_id": 917,
    "reference": "destruction:CERT-981",
}

CONSUMED_IN = {"number": "HLD-000044"}

CONSUMED = {
    **DESTRUCTION["hold"],
    "status": "written_off",
    "quantity_open": 0,
    "closed_at": "2026-12-07T15:00:00Z",
}

PUTAWAY_IN = {"sku": "BOLT-M8", "location": "wh-east", "bin": "RCV-01", "quantity": 6}

PUTAWAY_TASK = {
    "id": 31,
    "status": "open",
    "location": "wh-east",
    "sku": "BOLT-M8",
    "product_name": "Hex bolt M8",
    "lot": None,
    "from_bin": "RCV-01",
    "quantity": 6,
    "suggested_bin": "A-01-01",
    "to_bin": None,
    "reason": None,
    "receipt": None,
    "created_at": "2026-12-06T09:00:00Z",
    "done_at": None,
}

CONFIRM_IN = {"bin": "A-01-01", "quantity": 4}

CONFIRMED = {
    "task": {
        **PUTAWAY_TASK,
        "status": "done",
        "quantity": 4,
        "to_bin": "A-01-01",
        "done_at": "2026-12-06T09:20:00Z",
    },
    "rest": {**PUTAWAY_TASK, "id": 32, "quantity": 2, "created_at": "2026-12-06T09:20:00Z"},
    "posting_id": 918,
}

LOT_CHECK_IN = {"sku": "GLUE-50", "lot": "L-OLD", "location": "wh-east"}

LOT_CHECK = {
    "sku": "GLUE-50",
    "lot": "L-OLD",
    "location": "wh-east",
    "bin": None,
    "verdict": "refused",
    "valid": False,
    "lot_required": True,
    "lot_exists": True,
    "expiry_date": "2020-01-31",
    "expired": True,
    "on_hold": True,
    "on_hand": 4,
    "reserved": 0,
    "held": 4,
    "available": 0,
    "holds": [
        {
            "number": "HLD-000043",
            "reason": "expired",
            "location": "wh-east",
            "bin": "A-01-01",
            "quantity_open": 4,
        }
    ],
    "reasons": [
        {
            "code": "lot_expired",
            "severity": "error",
            "message": "Lot L-OLD of GLUE-50 expired on 2020-01-31: it may not be sold, picked or reserved. "
            "Mark it expired and write it off.",
        },
        {
            "code": "lot_held",
            "severity": "error",
            "message": "Lot L-OLD of GLUE-50 at wh-east is on hold (HLD-000043 (expired)) and none of it "
            "is free. Wait for a supervisor to release the hold, or use another lot.",
        },
    ],
}


# --- stock, reservations, transfers, counts, alerts, locations ----------------------------
# Request bodies only (their answers are the response models in the document).

ADJUST_IN = {
    "sku": "LAPTOP-001",
    "location": "wh-east",
    "bin": "A-01-01",
    "type": "inbound_purchase",
    "quantity": 50,
    "reason": "received",
    "reference_type": "purchase_order",
    "reference": "PO-2025-001",
    "note": "Received from Supplier ABC",
    "cost_per_unit": "25.00",
}
COUNT_IN = {"sku": "LAPTOP-001", "location": "wh-east", "bin": "A-01-01", "counted_quantity": 48}
AVAILABILITY_IN = {"items": [{"sku": "LAPTOP-001", "quantity": 2, "location": "wh-east"}]}
RESERVE_IN = {
    "sku": "LAPTOP-001",
    "location": "wh-east",
    "quantity": 2,
    "reference_type": "order",
    "reference_id": "ord-12345",
}
BY_REFERENCE_IN = {"reference_type": "order", "reference_id": "ord-12345"}
RETURN_IN = {
    "sku": "LAPTOP-001",
    "location": "wh-east",
    "quantity": 1,
    "reference_type": "rma",
    "reference_id": "RMA-881",
    "reason": "Inspection passed",
}
TRANSFER_IN = {
    "from_location": "wh-east",
    "to_location": "store-sf",
    "lines": [{"sku": "LAPTOP-001", "quantity": 10}, {"sku": "MOUSE-02", "quantity": 25}],
    "note": "Restock the store for Q1",
}
TRANSFER_PATCH = {
    "status": "received",
    "lines": [{"line_id": 1, "quantity_received": 9, "quantity_damaged": 1}],
}
MISSING_IN = {"line_id": 1, "outcome": "found", "quantity": 1, "note": "Behind the pallet"}
CYCLE_COUNT_IN = {"location": "wh-east", "bins_like": "A-01-*"}
RESOLVE_IN = {"accept": [101, 102], "recount": [103]}
ALERT_SETTING_IN = {"sku": "LAPTOP-001", "location": "wh-east", "low_stock_threshold": 50}
ALERT_PATCH = {"id": 42, "status": "acknowledged"}
LOCATION_IN = {
    "code": "store-sf",
    "name": "San Francisco store",
    "type": "dealer",
    "latitude": 37.7749,
    "longitude": -122.4194,
}

# --- selling channels and their rules (issue 17, warehouse/api/channels.py) ---------------

CHANNEL_IN = {"code": "marketplace", "name": "Marketplace (EU)"}
CHANNEL = {
    "id": 3,
    "code": "marketplace",
    "name": "Marketplace (EU)",
    "active": True,
    "created_at": "2026-12-06T09:00:00Z",
}
CHANNEL_PATCH = {"name": "Marketplace EU", "active": False}
RULE_IN = {"channel": "web", "location": "wh-east", "can_sell": True, "buffer": 5, "share_percent": 60}
RULE = {
    "id": 7,
    "channel": "web",
    "channel_name": "Web shop",
    "location": "wh-east",
    "can_sell": True,
    "buffer": 5,
    "share_percent": 60,
    "updated_at": "2026-12-06T09:00:00Z",
}
RULE_PATCH = {"buffer": 10, "share_percent": None}
ATP_CHECK_IN = {"channel": "web", "items": [{"sku": "LAPTOP-001", "quantity": 2}]}
ATP_CHECK = {
    "channel": "web",
    "location": None,
    "ok": True,
    "items": [
        {
            "sku": "LAPTOP-001",
            "quantity": 2,
            "atp": 31,
            "ok": True,
            "locations": [{"location": "store-sf", "atp": 6}, {"location": "wh-east", "atp": 25}],
        }
    ],
}

# --- orders and routing (helper "orders") ------------------------------------------------

ROUTE_IN = {
    "items": [{"sku": "LAPTOP-001", "quantity": 2}, {"sku": "MOUSE-02", "quantity": 5}],
    "ship_to": {"latitude": 37.7793, "longitude": -122.4193},
    "channel": "web",
}
ROUTE_OUT = {
    "kind": "split",
    "channel": "web",
    "ship_to": {"latitude": 37.7793, "longitude": -122.4193},
    "locations": [
        {
            "location": "store-sf",
            "name": "San Francisco store",
            "distance_km": 0.5,
            "lines": [{"sku": "LAPTOP-001", "quantity": 2}, {"sku": "MOUSE-02", "quantity": 3}],
        },
        {
            "location": "wh-east",
            "name": "East warehouse",
            "distance_km": 16.2,
            "lines": [{"sku": "MOUSE-02", "quantity": 2}],
        },
    ],
    "short": [],
}
ORDER_IN = {**ROUTE_IN, "reference": "ord-12345", "cart": "cart-881"}
ORDER_OUT = {
    "reference": "ord-12345",
    "status": "open",
    "route": {**ROUTE_OUT, "locations": ROUTE_OUT["locations"][1:]},
    "from_cart": [{"reservation_id": 41, "sku": "LAPTOP-001", "location": "store-sf", "quantity": 2}],
    "reservations": [
        {
            "id": 41,
            "sku": "LAPTOP-001",
            "location": "store-sf",
            "bin": "A-01-01",
            "lot": None,
            "quantity": 2,
            "quantity_open": 2,
            "quantity_fulfilled": 0,
            "status": "active",
            "expires_at": None,
            "channel": "web",
        },
        {
            "id": 57,
            "sku": "MOUSE-02",
            "location": "wh-east",
            "bin": "B-02-01",
            "lot": None,
            "quantity": 5,
            "quantity_open": 5,
            "quantity_fulfilled": 0,
            "status": "active",
            "expires_at": None,
            "channel": "web",
        },
    ],
    "backorders": [],
    "shipped": None,
}
ORDER_FULFIL_IN = {"location": "wh-east"}
