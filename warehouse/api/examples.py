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
