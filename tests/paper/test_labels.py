"""Labels and badge cards are read back the way the floor reads them: rendered at 150 dpi
(pdftoppm) and decoded with zxing, each barcode placed back on the label it was printed
on, so a barcode that prints but does not scan, or lands on the wrong label, fails here.
GS1-128s are also parsed with biip, as the scan resolver does. ZPL is parsed as text: the
printer is not here, so the ^BC field data is decoded by the invocation-code table."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date

import biip
import pytest
import zxingcpp
from PIL import Image

from tests.conftest import pdf_text, require
from warehouse.paper import badges, labels
from warehouse.paper.labels import BinLabel, ItemLabel

DPI = 150
GS1, TEXT = zxingcpp.ContentType.GS1, zxingcpp.ContentType.Text
GLUE = ItemLabel("GLUE-50", "Glue 50 ml", "9506000134352", "L-2027-01", date(2027, 1, 31))
GLUE_HRI = "(01)09506000134352(17)270131(10)L-2027-01"
BOLT = ItemLabel("BOLT-M8", "Bolt M8 x 30", None, None, None)


def twenty_bins() -> list[BinLabel]:
    codes = [f"{aisle}-{rack:02d}-{shelf:02d}" for aisle in "AB" for rack in (1, 2) for shelf in range(1, 6)]
    return [BinLabel(code, f"MAIN:{code}", "warehouse-main") for code in codes]


# --- reading a PDF back -----------------------------------------------------------------


@dataclass
class Scan:
    page: int
    text: str  # zxing's human form: GS1 as "(01)...(17)...", anything else as encoded
    raw: str  # the data without FNC1s: what biip gets after "]C1"
    content: zxingcpp.ContentType
    x: float  # the symbol's centre, points from the page's left edge
    y: float  # ... and from its top edge
    ends: tuple[int, int]  # pixel columns of its first and last bar, about
    image: Image.Image


def scan(pdf: bytes, tmp_path) -> list[Scan]:
    """Every Code128 on every page. Grey PGM, not PNG: compressing 20 sign pages to PNG
    takes ten times as long as rendering them."""
    require(shutil.which("pdftoppm") is not None, "pdftoppm", "apt-get install -y poppler-utils")
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", str(tmp_path / "doc.pdf"), str(tmp_path / "page")], check=True
    )
    found = []
    for number, pgm in enumerate(sorted(tmp_path.glob("page-*.pgm"), key=_page_number), start=1):
        image = Image.open(pgm)
        for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128):
            corners = code.position
            x = (corners.top_left.x + corners.bottom_right.x) / 2 * 72 / DPI
            y = (corners.top_left.y + corners.bottom_right.y) / 2 * 72 / DPI
            ends = (corners.top_left.x, corners.bottom_right.x)
            found.append(Scan(number, code.text, code.bytes.decode(), code.content_type, x, y, ends, image))
    return found


def _page_number(pgm) -> int:
    return int(pgm.stem.rsplit("-", 1)[1])


def label_number(found: Scan, sheet: labels.Layout) -> int:
    """Which label (0 = first, row by row, page by page) a barcode was printed on."""
    column = int((found.x - sheet.left) // (sheet.width + sheet.column_gap))
    row = int((found.y - sheet.top) // (sheet.height + sheet.row_gap))
    assert 0 <= column < sheet.columns and 0 <= row < sheet.rows, "a barcode off the labels"
    return (found.page - 1) * sheet.per_page + row * sheet.columns + column


def by_label(found: list[Scan], sheet: labels.Layout) -> dict[int, str]:
    placed = {label_number(s, sheet): s.text for s in found}
    assert len(placed) == len(found), "two barcodes on one label"
    return placed


def gs1_fields(found: Scan) -> dict[str, object]:
    """The GS1 element strings as the scan resolver gets them (biip, "]C1" prefixed)."""
    message = biip.parse("]C1" + found.raw).gs1_message
    return {es.ai.ai: es.date or es.value for es in message.element_strings}


def bars_at(found: Scan, modules: int) -> tuple[float, float]:
    """(bar width in mil, bar height in mm) of a decoded symbol of `modules` modules,
    measured on the page image: first to last dark pixel across its middle, then the
    first bar's dark run up and down."""
    image, row = found.image, round(found.y * DPI / 72)
    near = range(found.ends[0] - 20, found.ends[1] + 21)  # inside the quiet zones (37 px)
    dark = [x for x in near if image.getpixel((x, row)) < 128]
    top = bottom = row
    while image.getpixel((dark[0] + 1, top - 1)) < 128:
        top -= 1
    while image.getpixel((dark[0] + 1, bottom + 1)) < 128:
        bottom += 1
    return (dark[-1] - dark[0] + 1) / modules / DPI * 1000, (bottom - top + 1) / DPI * 25.4


# "MAIN:A-01-01" has no run of four digits, so it is all subset B: start, 12 characters and
# the check character of 11 modules each, and the 13-module stop.
BIN_MODULES = 11 * 14 + 13


# --- bin labels ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(labels.LAYOUTS))
def test_twenty_bin_labels_scan_back_each_on_its_own_label_in_order(key, tmp_path):
    sheet, bins = labels.LAYOUTS[key], twenty_bins()
    found = scan(labels.bin_labels_pdf(bins, key), tmp_path)

    assert by_label(found, sheet) == {number: b.barcode for number, b in enumerate(bins)}
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == -(-20 // sheet.per_page)
    width, height = Image.open(pages[0]).size
    assert abs(width * 72 / DPI - sheet.page_size[0]) < 1 and abs(height * 72 / DPI - sheet.page_size[1]) < 1


@pytest.mark.parametrize(
    "key, least_mil, least_mm", [("sign-a4", 30, 25), ("sign-letter", 30, 25), ("avery-l7163", 15, 10)]
)
def test_bin_bars_are_wide_enough_for_their_distance(key, least_mil, least_mm, tmp_path):
    bins = twenty_bins()[:1]
    (found,) = scan(labels.bin_labels_pdf(bins, key), tmp_path)
    mil, height = bars_at(found, BIN_MODULES)
    assert mil >= least_mil * 0.97 and height >= least_mm  # 3%: a pixel of rendering either way


def test_a_bin_label_shows_its_code_and_location(tmp_path):
    text = pdf_text(labels.bin_labels_pdf(twenty_bins()[:2], "avery-l7165"), tmp_path)
    assert re.search(r"A-01-01\s+A-01-02", text)
    assert text.count("warehouse-main") == 2
    assert "MAIN:" not in text  # the label barcode is for scanners only


def test_a_bin_barcode_too_long_for_the_label_is_refused_not_printed_unscannable():
    long_bin = BinLabel("A-01-01", "NORTH:A-01-01-LEVEL2", "north")  # 20 characters
    with pytest.raises(ValueError, match=r"bin A-01-01 .* 15 mil .* wider layout"):
        labels.bin_labels_pdf([long_bin], "avery-l7163")
    assert labels.bin_labels_pdf([long_bin], "sign-a4").startswith(b"%PDF")


def test_a_barcode_code128_cannot_carry_is_refused():
    with pytest.raises(ValueError, match="printable ASCII"):
        labels.bin_labels_pdf([BinLabel("A-01-01", "MAIN:A-01-01ñ", "main")])


def test_an_unknown_layout_names_the_valid_ones():
    with pytest.raises(
        ValueError, match="avery-l7163, avery-l7165, avery-5163, avery-5164, sign-a4, sign-letter"
    ):
        labels.bin_labels_pdf(twenty_bins(), "avery-9999")
    with pytest.raises(ValueError, match="avery-l7163"):
        labels.product_labels_pdf([BOLT], "A4")
    assert labels.DEFAULT_LAYOUT in labels.LAYOUTS


def test_nothing_to_print_is_an_error_not_a_blank_page():
    with pytest.raises(ValueError, match="No bins"):
        labels.bin_labels_pdf([])


# --- product and lot labels -------------------------------------------------------------


def test_a_product_label_with_gtin_lot_and_expiry_is_a_gs1_128_the_resolver_reads(tmp_path):
    items = [
        GLUE,
        ItemLabel("TAPE-8", "Tape", "96385074", "A1", None),  # GTIN-8, lot only
        ItemLabel("CASE-12", "Case of 12", "10614141000033", None, date(2026, 6, 30)),  # expiry only
    ]
    pdf = labels.product_labels_pdf(items, "avery-l7163")
    found = scan(pdf, tmp_path)

    assert by_label(found, labels.LAYOUTS["avery-l7163"]) == {
        0: GLUE_HRI,
        1: "(01)00000096385074(10)A1",
        2: "(01)10614141000033(17)260630",
    }
    assert {s.content for s in found} == {GS1}  # FNC1 in the start position: ]C1
    glue = next(s for s in found if s.text == GLUE_HRI)
    assert glue.raw == "010950600013435217270131" + "10L-2027-01"
    assert gs1_fields(glue) == {"01": "09506000134352", "17": date(2027, 1, 31), "10": "L-2027-01"}
    text = pdf_text(pdf, tmp_path)
    for line in (
        "GLUE-50",
        "Glue 50 ml",
        GLUE_HRI,
        "Lot L-2027-01 · Exp 2027-01-31",
        "(01)10614141000033(17)260630",
    ):
        assert line in re.sub(" +", " ", text)


def test_a_product_without_gtin_carries_its_sku_and_prints_lot_and_expiry_as_text(tmp_path):
    nut = ItemLabel("NUT-M8", "Nut M8", None, "L-7", date(2028, 2, 29))
    pdf = labels.product_labels_pdf([BOLT, nut], "avery-5163")

    found = scan(pdf, tmp_path)
    assert by_label(found, labels.LAYOUTS["avery-5163"]) == {0: "BOLT-M8", 1: "NUT-M8"}
    assert {s.content for s in found} == {TEXT}
    assert "Lot L-7 · Exp 2028-02-29" in re.sub(" +", " ", pdf_text(pdf, tmp_path))


def test_a_long_name_is_cut_to_the_label_and_a_cyrillic_one_prints_as_itself(tmp_path):
    long_name = "Hex nut M8 zinc plated " + "with a very long catalogue description " * 3 + "TAIL-END"
    items = [ItemLabel("NUT-M8", long_name), ItemLabel("BOLT-M8", "Болт М8 оцинкованный")]
    text = pdf_text(labels.product_labels_pdf(items), tmp_path)
    assert "Hex nut M8 zinc plated" in text and "…" in text and "TAIL-END" not in text
    assert "Болт М8 оцинкованный" in text


def test_lot_labels_put_the_lot_in_big_type_and_in_the_barcode(tmp_path):
    nut = ItemLabel("NUT-M8", "Nut M8", None, "L-7", None)
    pdf = labels.lot_labels_pdf([GLUE, nut], "avery-l7165")

    found = scan(pdf, tmp_path)
    assert by_label(found, labels.LAYOUTS["avery-l7165"]) == {0: GLUE_HRI, 1: "NUT-M8"}
    text = re.sub(" +", " ", pdf_text(pdf, tmp_path))
    assert "LOT L-2027-01" in text and "LOT L-7" in text
    assert "Exp 2027-01-31" in text


def test_a_lot_label_needs_a_lot():
    with pytest.raises(ValueError, match="BOLT-M8 has no lot"):
        labels.lot_labels_pdf([GLUE, BOLT])


@pytest.mark.parametrize(
    "gtin, lot, error",
    [
        ("9506000134353", None, "wrong check digit"),
        ("95060001343", None, "not 8, 12, 13 or 14 digits"),
        ("9506000134352", "LOT#1", "cannot go in a GS1 barcode"),
        ("9506000134352", "L" * 21, "cannot go in a GS1 barcode"),
    ],
)
def test_a_gtin_or_lot_gs1_cannot_carry_is_refused(gtin, lot, error):
    with pytest.raises(ValueError, match=error):
        labels.product_labels_pdf([ItemLabel("X-1", "X", gtin, lot, None)])


# --- badge cards ------------------------------------------------------------------------


def test_badge_cards_scan_back_in_order_ten_to_a_page(tmp_path):
    people = [("Ada Lovelace", "supervisor"), ("Александра Иванова", "operator"), ("Ζωή Παππά", "operator")]
    cards = [
        badges.BadgeCard(name, role, f"B-{n:06d}", "Acme Logistics")
        for n, (name, role) in enumerate(people * 4)
    ]
    pdf = badges.badge_cards_pdf(cards)

    found = scan(pdf, tmp_path)
    assert by_label(found, badges.CARDS) == {n: card.badge_code for n, card in enumerate(cards)}
    assert len(list(tmp_path.glob("page-*.pgm"))) == 2
    text = pdf_text(pdf, tmp_path)
    for name, role in people:
        assert text.count(name) == 4
    assert text.count("Acme Logistics") == 12 and "B-000011" in text


def test_a_card_without_a_badge_code_is_refused_naming_who():
    cards = [
        badges.BadgeCard("ada", "operator", None, "Acme"),
        badges.BadgeCard("bob", "operator", "", "Acme"),
    ]
    with pytest.raises(ValueError, match="No badge code for ada, bob: set one first"):
        badges.badge_cards_pdf(cards)


# --- ZPL ----------------------------------------------------------------------------------

FIELD = re.compile(r"\^FO(\d+),(\d+)(?:\^A0N,(\d+),\d+\^FH_|\^BY(\d)\^BCN,(\d+),N,N,N)\^FD(.*?)\^FS")
BC_CODES = {">0": ">", "><": "^", ">=": "~", ">6": "", ">5": "", ">:": "", ">;": "", ">8": "\x1d"}


@dataclass
class ZplLabel:
    width: int
    length: int
    texts: list[str]  # ^A0 fields, hex escapes undone
    barcodes: list[str]  # ^BC fields as the symbol carries them: FNC1 as GS, "]C1" when first
    raw: str


def zpl_labels(zpl: bytes) -> list[ZplLabel]:
    text = zpl.decode("utf-8")
    assert text.count("^XA") == text.count("^XZ")
    blocks = re.findall(r"\^XA(.*?)\^XZ", text, re.S)
    assert "".join(f"^XA{b}^XZ\n" for b in blocks) == text  # nothing outside a label
    return [_zpl_label(block) for block in blocks]


def _zpl_label(block: str) -> ZplLabel:
    assert "^CI28" in block  # UTF-8
    fields = FIELD.findall(block)
    assert len(fields) == block.count("^FD")  # every field understood
    return ZplLabel(
        int(re.search(r"\^PW(\d+)", block).group(1)),
        int(re.search(r"\^LL(\d+)", block).group(1)),
        [_unhex(data) for *_, module, _, data in fields if not module],
        [_bc_decode(data) for *_, module, _, data in fields if module],
        block,
    )


def _unhex(data: str) -> str:
    assert "^" not in data and "~" not in data
    return re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), data)


def _bc_decode(data: str) -> str:
    """^BC field data back to what the symbol carries (ZPL II guide, Code 128 table)."""
    assert "^" not in data and "~" not in data
    out = re.sub(r">[0-9:;<=]", lambda m: BC_CODES[m.group(0)], data)
    return "]C1" + out[1:] if out.startswith("\x1d") else out


@pytest.mark.parametrize("size, width, length", [("4x6", 812, 1218), ("2x1", 406, 203)])
def test_zpl_bin_labels_one_block_each_with_the_barcode_and_the_codes(size, width, length):
    bins = twenty_bins()[:3]
    printed = zpl_labels(labels.bin_labels_zpl(bins, size))

    assert len(printed) == 3
    assert {(p.width, p.length) for p in printed} == {(width, length)}
    assert [p.barcodes for p in printed] == [[b.barcode] for b in bins]
    assert [p.texts for p in printed] == [[b.code, b.location_code] for b in bins]
    assert "^FD>:MAIN:A-01-01^FS" in printed[0].raw


def test_zpl_product_label_is_a_gs1_128_started_in_subset_c_with_fnc1():
    (glue, bolt) = zpl_labels(labels.product_labels_zpl([GLUE, BOLT], "4x6"))

    assert "^FD>;>801095060001343521727013110>6L-2027-01^FS" in glue.raw
    assert glue.barcodes == ["]C1010950600013435217270131" + "10L-2027-01"]
    parsed = biip.parse(glue.barcodes[0]).gs1_message
    assert {es.ai.ai: es.value for es in parsed.element_strings}["10"] == "L-2027-01"
    assert glue.texts == ["GLUE-50", "Glue 50 ml", GLUE_HRI, "Lot L-2027-01   Exp 2027-01-31"]
    assert bolt.barcodes == ["BOLT-M8"] and bolt.texts == ["BOLT-M8", "Bolt M8 x 30"]


def test_an_even_digit_lot_stays_in_subset_c():
    item = ItemLabel("GLUE-50", "Glue", "9506000134352", "123456", None)
    (label,) = zpl_labels(labels.product_labels_zpl([item], "2x1"))
    assert "^FD>;>80109506000134352" + "10123456^FS" in label.raw
    assert label.texts == ["GLUE-50", "Glue", "(01)09506000134352(10)123456"]  # no room for more


def test_a_full_gs1_does_not_fit_a_2x1_at_10_mil():
    with pytest.raises(ValueError, match="item GLUE-50 does not fit a 406-dot label at 10 mil"):
        labels.product_labels_zpl([GLUE], "2x1")


def test_zpl_escapes_what_would_break_the_format():
    odd = BinLabel("A^01~_", "MAIN:A^01~>", "north_^")
    (label,) = zpl_labels(labels.bin_labels_zpl([odd], "4x6"))

    assert "^FD>:MAIN:A><01>=>0^FS" in label.raw  # ^, ~ and > as ^BC invocation codes
    assert "^FH_^FDA_5E01_7E_5F^FS" in label.raw  # as hex in text fields
    assert label.barcodes == ["MAIN:A^01~>"] and label.texts == ["A^01~_", "north_^"]


def test_an_unknown_thermal_size_names_the_sizes():
    with pytest.raises(ValueError, match="4x6, 2x1"):
        labels.bin_labels_zpl(twenty_bins(), "4x4")
    with pytest.raises(ValueError, match="4x6, 2x1"):
        labels.product_labels_zpl([BOLT], "62mm")


def test_zpl_bars_are_never_under_10_mil():
    printed = zpl_labels(
        labels.product_labels_zpl([GLUE], "4x6") + labels.bin_labels_zpl(twenty_bins(), "2x1")
    )
    modules = [int(m) for p in printed for m in re.findall(r"\^BY(\d)", p.raw)]
    assert min(modules) / 203 >= 0.0098  # 2 dots at 203 dpi
