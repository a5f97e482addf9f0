"""Importing products, bins, reorder policies and opening stock from CSV and XLSX files
(issue 14): every row checked before anything is written, all or nothing or skipping bad
rows, the same file twice writing once, and export -> import round-trips."""

import csv
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.factories import make_location, make_product
from warehouse.alerts.models import ReorderPolicy
from warehouse.catalog.models import Bin, Product, ProductBarcode
from warehouse.core.errors import ImportRowsRefused, SheetUnreadable
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance, Movement, MovementType, ReasonCode
from warehouse.setup import imports
from warehouse.setup.models import ImportKind, ImportStatus


def gtin(body: str) -> str:
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def run_to_end(kind, data, *, skip=False, name="file.csv"):
    run = imports.start(kind, name, data, skip_bad_rows=skip, actor_id=None)
    run = imports.begin(run.id, actor_id=None)
    while run.status is ImportStatus.RUNNING:
        run = imports.step(run.id, actor_id=None)
    return run


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


PRODUCTS = [
    ["SKU", "Description", "GTIN", "Case GTIN", "Units per case", "Lot tracked"],
    ["BOLT-M8", "Hex bolt M8", gtin("950600013435"), gtin("1950600013435"), "12", "no"],
    ["NUT-M8", "Hex nut M8", gtin("950600013436"), "", "", "no"],
    ["GLUE-50", "Glue 50 ml", "", "", "", "yes"],
]


def test_products_are_imported_with_synonym_headers_and_case_barcodes(app):
    run = run_to_end(ImportKind.PRODUCTS, csv_bytes(PRODUCTS))
    assert (run.status, run.good_rows, run.imported_rows, run.bad_rows) == (ImportStatus.DONE, 3, 3, 0)
    bolt = db.session.scalar(select(Product).where(Product.sku == "BOLT-M8"))
    assert bolt.name == "Hex bolt M8"
    assert sorted((b.code, b.pack_qty) for b in bolt.barcodes) == [
        (gtin("1950600013435"), 12),
        (gtin("950600013435"), 1),
    ]
    assert db.session.scalar(select(Product.lot_tracked).where(Product.sku == "GLUE-50")) is True


def test_the_same_file_again_writes_nothing_and_answers_the_first_run(app):
    first = run_to_end(ImportKind.PRODUCTS, csv_bytes(PRODUCTS))
    again = imports.start(
        ImportKind.PRODUCTS, "again.csv", csv_bytes(PRODUCTS), skip_bad_rows=False, actor_id=None
    )
    assert again.id == first.id and again.status is ImportStatus.DONE
    assert count(Product) == 3 and count(ProductBarcode) == 3


def test_an_xlsx_file_imports_like_a_csv_and_a_formula_cell_is_text_that_is_refused(app):
    book = Workbook()
    sheet = book.active
    for row in PRODUCTS[:3]:
        sheet.append(row)
    sheet.append(["EVIL-1", "=cmd|' /C calc'!A0", "", "", "", "no"])
    sheet["E2"] = 12  # a number cell: read as 12, not 12.0
    out = io.BytesIO()
    book.save(out)
    checked = imports.check(ImportKind.PRODUCTS, "catalog.xlsx", out.getvalue())
    assert [r[2]["sku"] for r in checked.good] == ["BOLT-M8", "NUT-M8"]
    assert [(n, msg) for n, _c, msg in checked.bad] == [
        (4, "Name =cmd|' /C calc'!A0 starts with =: start it with a letter or digit.")
    ]


def test_all_or_nothing_with_a_bad_row_imports_nothing_and_says_which_rows(app):
    make_product("OLD-1", gtin=gtin("950600013436"))
    rows = PRODUCTS + [["BAD-1", "Bad", gtin("950600013437")[:-1] + "0", "", "", ""]]
    run = imports.start(ImportKind.PRODUCTS, "p.csv", csv_bytes(rows), skip_bad_rows=False, actor_id=None)
    bad = imports.bad_rows(run)
    assert [n for n, _c, _msg in bad] == [3, 5]
    assert bad[0][2].startswith(f"Barcode {gtin('950600013436')} belongs to OLD-1 (Item OLD-1)")
    assert bad[1][2].startswith(f"GTIN {gtin('950600013437')[:-1]}0 has a wrong check digit")
    with pytest.raises(ImportRowsRefused, match="2 row\\(s\\) have errors"):
        imports.begin(run.id, actor_id=None)
    assert count(Product) == 1


def test_skipping_bad_rows_imports_the_rest_and_the_skipped_rows_file_round_trips(app):
    rows = PRODUCTS + [["BAD-1", "", "", "", "", ""], ["BOLT-M8", "Twice", "", "", "", ""]]
    run = run_to_end(ImportKind.PRODUCTS, csv_bytes(rows), skip=True)
    assert (run.imported_rows, run.bad_rows) == (3, 2)
    skipped = list(imports.skipped_rows_file(run))
    assert skipped[0] == [*PRODUCTS[0], "error"]
    assert [r[0] for r in skipped[1:]] == ["BAD-1", "BOLT-M8"]
    assert skipped[2][-1] == "SKU BOLT-M8 is listed twice (first in row 2): list it once."
    assert "new product: give it a name" in skipped[1][-1]
    # Fixed and uploaded again: the error column is ignored.
    skipped[1][1] = "Now named"
    again = run_to_end(ImportKind.PRODUCTS, csv_bytes(skipped[:2]))
    assert again.imported_rows == 1 and again.status is ImportStatus.DONE
    assert db.session.scalar(select(Product.name).where(Product.sku == "BAD-1")) == "Now named"


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("p.csv", b"", "empty"),
        ("p.csv", b"sku,name\n\xff\xfe,broken\n", "Line 2 is not UTF-8"),
        ("p.pdf", b"%PDF-1.4 not a sheet", "not a CSV or XLSX"),
        ("p.xlsx", b"PK\x03\x04 broken zip", "does not open"),
        ("p.csv", b"name\nBolt\n", "no column for sku"),
        ("p.csv", b"\x00\x01\x02binary", "not a text"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_what_to_do(app, name, data, says):
    with pytest.raises(SheetUnreadable, match=says):
        imports.start(ImportKind.PRODUCTS, name, data, skip_bad_rows=True, actor_id=None)
    assert count(Product) == 0


def test_a_file_over_the_row_limit_is_refused(app, monkeypatch):
    monkeypatch.setattr("warehouse.setup.sheets.MAX_ROWS", 3)
    data = csv_bytes([["sku", "name"]] + [[f"P-{i}", "x"] for i in range(4)])
    with pytest.raises(SheetUnreadable, match="over 3 rows"):
        imports.check(ImportKind.PRODUCTS, "p.csv", data)


def test_bins_are_upserted_by_location_and_code(app):
    main = make_location("main", bins=("RCV-01",))
    data = csv_bytes(
        [
            ["location", "bin", "kind", "capacity"],
            ["main", "A-01-01", "storage", "50"],
            ["main", "RCV-01", "", "9"],
            ["nowhere", "A-1", "", ""],
        ]
    )
    run = run_to_end(ImportKind.BINS, data, skip=True)
    assert (run.imported_rows, run.bad_rows) == (2, 1)
    assert "No location 'nowhere'" in imports.bad_rows(run)[0][2]
    bins = {
        b.code: (b.kind.value, b.capacity, b.barcode)
        for b in db.session.scalars(select(Bin).where(Bin.location_id == main.id))
    }
    assert bins == {"A-01-01": ("storage", 50, "main:A-01-01"), "RCV-01": ("receiving", 9, "main:RCV-01")}


def test_reorder_policies_are_upserted_and_max_below_the_point_is_refused(app):
    make_location("main")
    make_product("BOLT-M8")
    make_product("NUT-M8")
    data = csv_bytes(
        [
            ["sku", "location", "reorder_point", "reorder_qty", "max_level", "lead_time", "safety_stock"],
            ["BOLT-M8", "main", "20", "100", "600", "7", "10"],
            ["NUT-M8", "main", "50", "10", "40", "", ""],
        ]
    )
    run = run_to_end(ImportKind.POLICIES, data, skip=True)
    assert run.imported_rows == 1 and "max_level 40 is below reorder_point 50" in imports.bad_rows(run)[0][2]
    policy = db.session.scalar(select(ReorderPolicy))
    assert (
        policy.reorder_point,
        policy.reorder_qty,
        policy.max_level,
        policy.lead_time_days,
        policy.safety_stock,
    ) == (20, 100, 600, 7, 10)


def test_opening_stock_is_one_posting_per_chunk_and_sets_the_quantity(app, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 2)
    make_location("main", bins=("RCV-01", "A-01-01", "A-01-02"))
    for sku in ("BOLT-M8", "NUT-M8", "WASHER"):
        make_product(sku)
    make_product("GLUE-50", lot_tracked=True, expiry_tracked=True)
    rows = [
        ["sku", "location", "bin", "lot", "expiry", "quantity"],
        ["BOLT-M8", "main", "A-01-01", "", "", "30"],
        ["NUT-M8", "main", "A-01-01", "", "", "12"],
        ["WASHER", "main", "a-01-02", "", "", "5"],
        ["GLUE-50", "main", "A-01-02", "L-7", "2027-03-31", "8"],
        ["GLUE-50", "main", "A-01-02", "", "", "8"],
        ["BOLT-M8", "main", "A-01-01", "", "", "1"],
    ]
    run = run_to_end(ImportKind.STOCK, csv_bytes(rows), skip=True)
    assert (run.imported_rows, run.bad_rows) == (4, 2)
    assert [msg for _n, _c, msg in imports.bad_rows(run)] == [
        "GLUE-50 is lot-tracked: give the lot of these units.",
        "BOLT-M8 in main A-01-01 is listed twice (first in row 2): list it once.",
    ]
    movements = db.session.scalars(select(Movement)).all()
    assert {(m.type, m.reason) for m in movements} == {
        (MovementType.ADJUSTMENT_COUNT, ReasonCode.OPENING_BALANCE)
    }
    assert len({m.posting_id for m in movements}) == 2  # 4 good rows in chunks of 2
    assert db.session.scalar(select(func.sum(Balance.on_hand))) == 30 + 12 + 5 + 8
    # A corrected file sets quantities; it never adds them up.
    fixed = [rows[0], ["BOLT-M8", "main", "A-01-01", "", "", "25"]]
    run_to_end(ImportKind.STOCK, csv_bytes(fixed))
    assert db.session.scalar(select(func.sum(Balance.on_hand))) == 25 + 12 + 5 + 8


def test_every_list_exports_with_its_import_columns_and_round_trips(app):
    make_location("main", bins=("RCV-01", "A-01-01"))
    run_to_end(ImportKind.PRODUCTS, csv_bytes(PRODUCTS))
    run_to_end(
        ImportKind.STOCK,
        csv_bytes([["sku", "location", "bin", "quantity"], ["BOLT-M8", "main", "A-01-01", "4"]]),
    )
    for kind in ImportKind:
        exported = list(imports.export(kind))
        again = imports.check(kind, "export.csv", csv_bytes(exported))
        assert again.bad == [] and len(again.good) == len(exported) - 1, kind
    products = list(imports.export(ImportKind.PRODUCTS))
    assert products[0][:3] == ["sku", "name", "unit_cost"]
    assert ["BOLT-M8", "Hex bolt M8"] == products[1][:2] and products[1][8:11] == [
        gtin("950600013435"),
        gtin("1950600013435"),
        "12",
    ]


def test_a_file_over_the_size_limit_is_refused_unread(app, monkeypatch):
    monkeypatch.setattr("warehouse.setup.sheets.MAX_BYTES", 100)
    with pytest.raises(SheetUnreadable, match="at most 0 MB. Split it"):
        imports.check(ImportKind.PRODUCTS, "p.csv", b"sku,name\n" + b"P-1,x\n" * 30)


@pytest.mark.parametrize(
    "kind, rows, says",
    [
        (ImportKind.PRODUCTS, [["sku", "name"], ["=HYPERLINK(1)", "x"]], "SKU =HYPERLINK(1) starts with ="),
        (ImportKind.BINS, [["location", "bin"], ["main", "@A-1"]], "'@A-1' is not a bin code"),
        (
            ImportKind.STOCK,
            [["sku", "location", "bin", "lot", "quantity"], ["P", "main", "A", "=1+1", "1"]],
            "lot =1+1 starts with =",
        ),
    ],
)
def test_formula_cells_are_refused_where_they_would_reach_a_spreadsheet_again(app, kind, rows, says):
    checked = imports.check(kind, "f.csv", csv_bytes(rows))
    assert checked.good == [] and says in checked.bad[0][2]
