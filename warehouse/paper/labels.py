"""Labels: bin labels and signs, product labels and lot labels, as PDF sheets for office
printers (Avery layouts, or one big sign per page) and as ZPL for thermal printers.

Pure functions: give them plain data (anything with the attributes of `BinLabel` or
`ItemLabel`), get bytes back. They read no request, no database and write nothing.

Barcode rules (tests/paper/test_labels.py decodes every printed barcode):
- Bin labels are Code128 of the bin's label barcode, with bars as wide as the label
  allows: at least 30 mil on the one-per-page signs (read from 1.5 m, 25 mm tall or more),
  at least 15 mil on sheet labels. A barcode too long for that raises ValueError naming the
  bin: a label that does not scan is worse than none.
- Product labels carry a GS1-128 when the item has a GTIN: FNC1 in the start position,
  then (01) GTIN-14, (17) expiry YYMMDD, (10) lot. The lot is the only variable-length
  field and goes last, so no FNC1 separator is ever needed. reportlab's Code128 makes this
  from a leading "\\xf1" (its FNC1): it starts in subset C with FNC1 (]C1). Without a GTIN
  the label carries a Code128 of the SKU, and lot and expiry print as text only (the scan
  resolver reads lots from GS1 only). Bars are 15 mil, down to 10 mil when that does not fit.
- Nothing is drawn inside a barcode's quiet zone: text sits above and below the bars only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.pdfgen.canvas import Canvas

from warehouse.core.i18n import msg
from warehouse.paper.pdf_fonts import regular_and_bold

FONT, BOLD = regular_and_bold()  # DejaVu Sans when installed: names in any script print

# The words printed on a sheet are said by `say` (a page passes its translation; str prints
# the English). What a barcode is of, to name it in a refusal: (one of these, its name).
Say = Callable[[str], str]
BIN, ITEM, BADGE = "bin", "item", "badge"

# --- what gets printed ------------------------------------------------------------------


@dataclass(frozen=True)
class BinLabel:
    """One bin label. Any object with these attributes (a catalog Bin with its location's
    code at hand) will do."""

    code: str  # "A-01-01", printed big
    barcode: str  # "MAIN:A-01-01", what the barcode carries
    location_code: str  # printed small


@dataclass(frozen=True)
class ItemLabel:
    """One product or lot label."""

    sku: str
    name: str
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None


# --- sheet layouts ----------------------------------------------------------------------

PAGE_SIZES = {"A4": A4, "LETTER": LETTER}


@dataclass(frozen=True)
class Layout:
    """A sheet of labels: `columns` x `rows` labels of `width` x `height` points, the first
    one `left` and `top` from the page's edges, `column_gap` and `row_gap` between them.
    `min_bar` is the narrowest bar a bin barcode may have on it."""

    key: str
    name: str
    paper: str  # "A4" or "LETTER"
    columns: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    column_gap: float = 0.0
    row_gap: float = 0.0
    landscape: bool = False
    min_bar: float = 0.015 * inch  # signs say 0.030: read from 1.5 m

    @property
    def page_size(self) -> tuple[float, float]:
        width, height = PAGE_SIZES[self.paper]
        return (height, width) if self.landscape else (width, height)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def box(self, slot: int) -> Box:
        """The label at `slot` (0 = top left, row by row) in PDF coordinates."""
        row, column = divmod(slot, self.columns)
        x = self.left + column * (self.width + self.column_gap)
        top = self.top + row * (self.height + self.row_gap)
        return Box(x, self.page_size[1] - top - self.height, self.width, self.height)


def _sign(key: str, name: str, paper: str, margin: float) -> Layout:
    """One big bin sign per page, landscape: the long side gives the barcode its width."""
    long_side, short_side = max(PAGE_SIZES[paper]), min(PAGE_SIZES[paper])
    return Layout(
        key,
        name,
        paper,
        1,
        1,
        long_side - 2 * margin,
        short_side - 2 * margin,
        margin,
        margin,
        landscape=True,
        min_bar=0.030 * inch,
    )


# fmt: off
LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        # key, name, paper, columns, rows; label width, height, left and top margins, gaps
        Layout("avery-l7163", msg("Avery L7163, A4, 14 per sheet (99.1 x 38.1 mm)"), "A4", 2, 7,
               99.1 * mm, 38.1 * mm, 4.65 * mm, 15.15 * mm, column_gap=2.5 * mm),
        Layout("avery-l7165", msg("Avery L7165, A4, 8 per sheet (99.1 x 67.7 mm)"), "A4", 2, 4,
               99.1 * mm, 67.7 * mm, 4.65 * mm, 13.1 * mm, column_gap=2.5 * mm),
        Layout("avery-5163", msg("Avery 5163, Letter, 10 per sheet (4 x 2 in)"), "LETTER", 2, 5,
               4 * inch, 2 * inch, 0.15625 * inch, 0.5 * inch, column_gap=0.1875 * inch),
        Layout("avery-5164", msg("Avery 5164, Letter, 6 per sheet (4 x 3.33 in)"), "LETTER", 2, 3,
               4 * inch, 10 / 3 * inch, 0.15625 * inch, 0.5 * inch, column_gap=0.1875 * inch),
        _sign("sign-a4", msg("Bin sign, one per A4 page (landscape)"), "A4", 10 * mm),
        _sign("sign-letter", msg("Bin sign, one per Letter page (landscape)"), "LETTER", 0.5 * inch),
    )
}
# fmt: on
DEFAULT_LAYOUT = "avery-l7163"


def layout(key: str) -> Layout:
    try:
        return LAYOUTS[key]
    except (KeyError, TypeError):
        raise ValueError(
            msg(
                "Label layout must be one of {layouts}, not {key}.", layouts=", ".join(LAYOUTS), key=repr(key)
            )
        ) from None


# --- the three PDF sheets ---------------------------------------------------------------


def bin_labels_pdf(bins, layout_key: str = DEFAULT_LAYOUT, *, say: Say = str) -> bytes:
    """Bin labels, row by row: the bin code big, its barcode as wide as the label allows,
    the location code small under it."""
    sheet = layout(layout_key)
    labels = [_bin_parts(b, sheet) for b in _some(bins, BIN)]
    return render_sheet(labels, sheet, say(msg("Bin labels")))


def product_labels_pdf(items, layout_key: str = DEFAULT_LAYOUT, *, say: Say = str) -> bytes:
    """Product labels: SKU, name cut to fit, the GS1-128 (or the SKU's Code128 when there
    is no GTIN) with its human-readable line, lot and expiry when given."""
    sheet = layout(layout_key)
    labels = [_item_parts(item, lot_first=False, say=say) for item in _some(items, ITEM)]
    return render_sheet(labels, sheet, say(msg("Product labels")))


def lot_labels_pdf(items, layout_key: str = DEFAULT_LAYOUT, *, say: Say = str) -> bytes:
    """Product labels for one lot each, the lot in big type above the barcode. Every item
    needs a lot: a lot label without one is refused."""
    sheet = layout(layout_key)
    items = _some(items, ITEM)
    for item in items:
        if not item.lot:
            raise ValueError(msg("{sku} has no lot: a lot label needs one.", sku=item.sku))
    labels = [_item_parts(item, lot_first=True, say=say) for item in items]
    return render_sheet(labels, sheet, say(msg("Lot labels")))


def _some(things, what: str) -> list:
    things = list(things)
    if not things:
        raise ValueError(msg("No bins to print.") if what == BIN else msg("No items to print."))
    return things


# --- what goes on one label -------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A centred line: `share` of the label's height sets its size (at most `cap` points);
    "shrink" makes it smaller until it fits, "cut" shortens it with an ellipsis."""

    text: str
    font: str
    share: float
    cap: float = float("inf")
    fit: str = "shrink"


@dataclass(frozen=True)
class Bars:
    """A Code128 of `value`, given the label's height left over by the text, at most
    `cap` points tall; the widest bar of `ladder` that fits the label is used."""

    value: str  # "\xf1..." for GS1-128
    ladder: tuple[float, ...]
    cap: float
    what: tuple[str, str]  # names the label in errors: (BIN, ITEM or BADGE, its name)


BIN_BARS = tuple(mils * inch / 1000 for mils in (60, 50, 40, 35, 30, 25, 20, 17.5, 15))
ITEM_BARS = tuple(mils * inch / 1000 for mils in (15, 12.5, 10))  # read up close


def _bin_parts(bin_, sheet: Layout) -> list:
    ladder = tuple(bar for bar in BIN_BARS if bar >= sheet.min_bar)
    return [
        Text(bin_.code, BOLD, 0.28),
        Bars(code128_value(bin_.barcode, (BIN, bin_.code)), ladder, float("inf"), (BIN, bin_.code)),
        Text(bin_.location_code, FONT, 0.08, cap=28),
    ]


def _item_parts(item, *, lot_first: bool, say: Say = str) -> list:
    fields = gs1_fields(item)
    value = gs1_value(fields) if fields else code128_value(item.sku, (ITEM, item.sku))
    parts = [Text(item.sku, BOLD, 0.12, cap=24), Text(item.name, FONT, 0.085, cap=14, fit="cut")]
    if lot_first:
        parts.append(Text(say(msg("LOT {lot}", lot=item.lot)), BOLD, 0.17, cap=72))
    parts.append(Bars(value, ITEM_BARS, 25 * mm, (ITEM, item.sku)))
    if fields:
        parts.append(Text(gs1_hri(fields), FONT, 0.075, cap=12))
    details = _lot_and_expiry(item, with_lot=not lot_first, say=say)
    if details:
        parts.append(Text(details, FONT, 0.075, cap=12))
    return parts


def _lot_and_expiry(item, *, with_lot: bool, between: str = "  ·  ", say: Say = str) -> str:
    words = []
    if with_lot and item.lot:
        words.append(say(msg("Lot {lot}", lot=item.lot)))
    if item.expiry:  # ISO on the label, as the barcode's (17) and any reader take it
        words.append(say(msg("Exp {expiry}", expiry=f"{item.expiry:%Y-%m-%d}")))
    return between.join(words)


def code128_value(value: str, what: tuple[str, str]) -> str:
    """`value` if Code128 can carry it. Only printable ASCII: reportlab reads "\\xf1" to
    "\\xf4" as FNC1-4, so a stray "ñ" would silently become a function code. `what`: whose
    barcode it is, (BIN, ITEM or BADGE, its name)."""
    if value and value.isascii() and value.isprintable():
        return value
    kind, name = what
    if kind == BIN:
        said = msg(
            "Bin {name}: {value} cannot be a Code128 (printable ASCII only).", name=name, value=repr(value)
        )
    elif kind == ITEM:
        said = msg(
            "SKU {name}: {value} cannot be a Code128 (printable ASCII only).", name=name, value=repr(value)
        )
    else:
        said = msg(
            "Badge of {name}: {value} cannot be a Code128 (printable ASCII only).",
            name=name,
            value=repr(value),
        )
    raise ValueError(said)


# --- GS1 --------------------------------------------------------------------------------

FNC1 = "\xf1"  # reportlab's Code128 FNC1
GS1_LOT = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")  # AI (10): GS1 set 82, <= 20


def gs1_fields(item) -> list[tuple[str, str]]:
    """(AI, value) pairs for an item with a GTIN: (01), then (17) and (10) when given;
    empty without a GTIN. ValueError for a GTIN or lot GS1 cannot carry."""
    if not item.gtin:
        return []
    fields = [("01", gtin14(item.gtin))]
    if item.expiry:
        fields.append(("17", f"{item.expiry:%y%m%d}"))
    if item.lot:
        if not GS1_LOT.fullmatch(item.lot):
            raise ValueError(
                msg(
                    "Lot {lot} of {sku} cannot go in a GS1 barcode: at most 20 "
                    "letters, digits and -./_ and similar punctuation.",
                    lot=repr(item.lot),
                    sku=item.sku,
                )
            )
        fields.append(("10", item.lot))  # variable length: always last
    return fields


def gtin14(gtin: str) -> str:
    """A GTIN-8/12/13/14 as the 14 digits AI (01) takes, its check digit verified."""
    gtin = gtin.strip()
    if not (gtin.isdigit() and len(gtin) in (8, 12, 13, 14)):
        raise ValueError(msg("GTIN {gtin} is not 8, 12, 13 or 14 digits.", gtin=repr(gtin)))
    body, check = gtin[:-1], int(gtin[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        raise ValueError(msg("GTIN {gtin} has a wrong check digit.", gtin=gtin))
    return gtin.zfill(14)


def gs1_value(fields: list[tuple[str, str]]) -> str:
    """What reportlab's Code128 is given: FNC1 then the element string. The lot, the only
    variable-length field, is last, so no FNC1 is needed between fields."""
    return FNC1 + "".join(ai + value for ai, value in fields)


def gs1_hri(fields: list[tuple[str, str]]) -> str:
    return "".join(f"({ai}){value}" for ai, value in fields)


# --- drawing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def inset(self, pad: float) -> Box:
        return Box(self.x + pad, self.y + pad, self.width - 2 * pad, self.height - 2 * pad)


def render_sheet(labels: list[list], sheet: Layout, title: str, *, outline: bool = False) -> bytes:
    """Every label's parts (Text and Bars) drawn into its slot, a new page when the sheet
    is full; `outline` draws each label's edge to cut along (plain paper, not label
    stock). The barcodes are built first, so a value that cannot fit fails before
    anything prints."""
    area = _label_area(sheet.box(0))  # every label of a sheet is the same size
    drawn = [_measure(parts, area) for parts in labels]
    out = BytesIO()
    canvas = Canvas(out, pagesize=sheet.page_size)
    canvas.setTitle(title)
    canvas.setAuthor("warehouse")
    for number, parts in enumerate(drawn):
        if number and number % sheet.per_page == 0:
            canvas.showPage()
        box = sheet.box(number % sheet.per_page)
        if outline:
            _cut_line(canvas, box)
        _draw(canvas, parts, _label_area(box))
    canvas.save()
    return out.getvalue()


def _cut_line(canvas: Canvas, box: Box) -> None:
    """A hairline at the edge: the label area's padding plus the barcode's own quiet zone
    keep it far clear of the bars."""
    canvas.saveState()
    canvas.setStrokeGray(0.6)
    canvas.setLineWidth(0.3)
    canvas.rect(box.x, box.y, box.width, box.height)
    canvas.restoreState()


def _label_area(box: Box) -> Box:
    """Inside the label's edges: sheets shift a millimetre or two in the printer."""
    return box.inset(max(2.5 * mm, 0.04 * min(box.width, box.height)))


def _measure(parts: list, area: Box) -> list:
    """Text parts as Lines of their final size and text; the Bars part as a Code128 built
    to fill the height the lines leave (gaps of 3% between parts)."""
    sized = [_line(part, area) if isinstance(part, Text) else part for part in parts]
    gap = 0.03 * area.height
    text_height = sum(p.height for p in sized if isinstance(p, Line))
    spare = area.height - text_height - gap * (len(parts) - 1)
    return [_code(p, area.width, min(spare, p.cap)) if isinstance(p, Bars) else p for p in sized]


def fit_size(text: str, font: str, size: float, width: float) -> float:
    """`size`, or smaller so `text` fits `width` points on one line."""
    needed = stringWidth(text, font, size)
    return size if needed <= width else size * width / needed


def cut_to_width(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis so it fits `width` points on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class Line:
    """A Text part measured: the words that fit, at the size that fits."""

    text: str
    font: str
    size: float

    @property
    def ascent(self) -> float:
        return getAscentDescent(self.font, self.size)[0]

    @property
    def height(self) -> float:
        ascent, descent = getAscentDescent(self.font, self.size)
        return ascent - descent


def _line(part: Text, area: Box) -> Line:
    size = min(part.share * area.height, part.cap)
    if part.fit == "cut":
        return Line(cut_to_width(part.text, part.font, size, area.width), part.font, size)
    return Line(part.text, part.font, fit_size(part.text, part.font, size, area.width))


def widest_code128(value: str, max_width: float, ladder, bar_height: float) -> Code128 | None:
    """A Code128 of `value` with the widest bar of `ladder` that keeps it, quiet zones
    included, within `max_width`; None when even the narrowest does not fit."""
    for bar in ladder:
        code = Code128(value, barWidth=bar, barHeight=bar_height, humanReadable=False)
        if code.width <= max_width:
            return code
    return None


def _code(part: Bars, width: float, height: float) -> Code128:
    code = widest_code128(part.value, width, part.ladder, height)
    if code is None:
        raise ValueError(_too_wide(part.what, f"{min(part.ladder) / inch * 1000:g}"))
    return code


def _too_wide(what: tuple[str, str], mils: str):
    kind, name = what
    if kind == BIN:
        return msg(
            "The barcode of bin {name} does not fit this label even at {mils} mil bars: choose a wider layout.",
            name=name,
            mils=mils,
        )
    if kind == ITEM:
        return msg(
            "The barcode of item {name} does not fit this label even at {mils} mil bars: choose a wider layout.",
            name=name,
            mils=mils,
        )
    return msg(
        "The barcode of the badge of {name} does not fit this label even at {mils} mil bars: "
        "choose a wider layout.",
        name=name,
        mils=mils,
    )


def _draw(canvas: Canvas, parts: list, area: Box) -> None:
    """Parts top down, each centred, the whole centred in the area; the barcode's width
    includes its quiet zones, so centring it keeps both zones inside the label, blank."""
    gap = 0.03 * area.height
    used = sum(p.height for p in parts) + gap * (len(parts) - 1)
    top = area.y + area.height - max(0, area.height - used) / 2  # capped bars leave room
    for part in parts:
        if isinstance(part, Line):
            canvas.setFont(part.font, part.size)
            canvas.drawCentredString(area.x + area.width / 2, top - part.ascent, part.text)
            top -= part.height + gap
        else:
            part.drawOn(canvas, area.x + (area.width - part.width) / 2, top - part.height)
            top -= part.height + gap


# --- ZPL for thermal printers -----------------------------------------------------------


@dataclass(frozen=True)
class ZplSize:
    """A thermal label at 203 dpi (8 dots a millimetre): width and length in dots."""

    width: int
    length: int
    margin: int
    big: bool  # room for type read from across the aisle


ZPL_SIZES = {"4x6": ZplSize(812, 1218, 30, big=True), "2x1": ZplSize(406, 203, 10, big=False)}
ZPL_MODULES = (6, 5, 4, 3, 2)  # ^BY dots: 6 = 30 mil; 2 = 10 mil, the least that scans


def zpl_size(size: str) -> ZplSize:
    try:
        return ZPL_SIZES[size]
    except (KeyError, TypeError):
        raise ValueError(
            msg(
                "Thermal label size must be one of {sizes}, not {size}.",
                sizes=", ".join(ZPL_SIZES),
                size=repr(size),
            )
        ) from None


def bin_labels_zpl(bins, size: str = "4x6") -> bytes:
    """One ^XA...^XZ label per bin: the code big, the Code128, the location code small."""
    label = zpl_size(size)
    return _zpl_document(_bin_zpl(b, label) for b in _some(bins, BIN))


def product_labels_zpl(items, size: str = "4x6") -> bytes:
    """One label per item: SKU, name, the GS1-128 (SKU Code128 without a GTIN), its
    human-readable line, and lot and expiry when given."""
    label = zpl_size(size)
    return _zpl_document(_item_zpl(item, label) for item in _some(items, ITEM))


def _zpl_document(labels) -> bytes:
    # UTF-8: ^CI28 in every label tells the printer so.
    return "".join(labels).encode("utf-8")


def _bin_zpl(bin_, label: ZplSize) -> str:
    symbols = zpl_code128_symbols(code128_value(bin_.barcode, (BIN, bin_.code)))
    code_h, loc_h, bar_h = (200, 60, 420) if label.big else (48, 22, 88)
    y = label.margin
    fields = [_zpl_text(bin_.code, label, y, code_h)]
    y += code_h + label.margin
    fields.append(_zpl_bars(symbols, label, y, bar_h, (BIN, bin_.code)))
    fields.append(_zpl_text(bin_.location_code, label, y + bar_h + label.margin, loc_h))
    return _zpl_label(label, fields)


def _item_zpl(item, label: ZplSize) -> str:
    fields = gs1_fields(item)
    sku = code128_value(item.sku, (ITEM, item.sku))
    symbols = zpl_gs1_symbols(fields) if fields else zpl_code128_symbols(sku)
    sku_h, name_h, bar_h, small_h = (80, 40, 300, 36) if label.big else (26, 20, 84, 20)
    gap = y = label.margin
    out = [_zpl_text(item.sku, label, y, sku_h), _zpl_text(item.name, label, y + sku_h + gap, name_h)]
    y += sku_h + name_h + 2 * gap
    out.append(_zpl_bars(symbols, label, y, bar_h, (ITEM, item.sku)))
    y += bar_h + gap
    lines = [gs1_hri(fields)] if fields else []
    lines.append(_lot_and_expiry(item, with_lot=True, between="   "))  # ^A0 has no middle dot
    for line in filter(None, lines):
        if y + small_h <= label.length - gap:  # a 2x1 has room for the HRI line only
            out.append(_zpl_text(line, label, y, small_h))
            y += small_h + gap
    return _zpl_label(label, out)


def _zpl_label(label: ZplSize, fields: list[str]) -> str:
    head = f"^XA\n^CI28\n^PW{label.width}\n^LL{label.length}\n^LH0,0\n"
    return head + "".join(fields) + "^XZ\n"


def _zpl_text(text: str, label: ZplSize, y: int, height: int) -> str:
    """A left-aligned ^A0 line, smaller or cut to fit the label's width. Data goes
    through ^FH: ^, ~ and the _ indicator itself become hex escapes."""
    width = label.width - 2 * label.margin
    text = "".join(" " if ord(c) < 32 or c == "\x7f" else c for c in text)
    # ^A0 is a condensed face: Helvetica-Bold's widths overestimate it, never under.
    # Shrink to half the height at most, then cut.
    height = max(height // 2, int(fit_size(text, "Helvetica-Bold", height, width)))
    text = cut_to_width(text, "Helvetica-Bold", height, width)
    return f"^FO{label.margin},{y}^A0N,{height},{height}^FH_^FD{zpl_hex_escape(text)}^FS\n"


def zpl_hex_escape(text: str) -> str:
    """`text` safe inside ^FH_^FD...^FS: ^ would start a command, ~ a control command."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _zpl_bars(symbols: list[str], label: ZplSize, y: int, height: int, what: tuple[str, str]) -> str:
    """^BC, no printed interpretation line (ours is an ^A0 field), centred, with the
    widest ^BY module that leaves a 10-module quiet zone on both sides."""
    modules = 11 * (len(symbols) + 2) + 2  # + check and stop (13 modules)
    for dots in ZPL_MODULES:
        if (modules + 20) * dots <= label.width:
            x = (label.width - modules * dots) // 2
            return f"^FO{x},{y}^BY{dots}^BCN,{height},N,N,N^FD{''.join(symbols)}^FS\n"
    kind, name = what
    if kind == BIN:
        raise ValueError(
            msg(
                "The barcode of bin {name} does not fit a {dots}-dot label at 10 mil.",
                name=name,
                dots=label.width,
            )
        )
    raise ValueError(
        msg(
            "The barcode of item {name} does not fit a {dots}-dot label at 10 mil.",
            name=name,
            dots=label.width,
        )
    )


# In ^BC field data, ">" starts an invocation code; ^ and ~ are ZPL's prefixes. The ZPL II
# guide's Code 128 table has codes for all three: >0 is ">", >< is "^", >= is "~".
ZPL_BC_ESCAPES = {">": ">0", "^": "><", "~": ">="}


def zpl_code128_symbols(value: str) -> list[str]:
    """^BC field data as Code128 symbols: start in subset B (>:), one symbol a character."""
    return [">:"] + [ZPL_BC_ESCAPES.get(c, c) for c in value]


def zpl_gs1_symbols(fields: list[tuple[str, str]]) -> list[str]:
    """GS1-128 as ^BC field data: start in subset C with FNC1 (>;>8), the fixed-length
    fields as digit pairs, and the lot (last) after a switch to subset B (>6) unless it is
    an even number of digits."""
    digits = "".join(ai + value for ai, value in fields if ai != "10")
    symbols = [">;", ">8"] + [digits[i : i + 2] for i in range(0, len(digits), 2)]
    lot = dict(fields).get("10")
    if lot is None:
        return symbols
    if lot.isdigit() and len(lot) % 2 == 0:
        return symbols + ["10"] + [lot[i : i + 2] for i in range(0, len(lot), 2)]
    return symbols + ["10", ">6"] + [ZPL_BC_ESCAPES.get(c, c) for c in lot]
