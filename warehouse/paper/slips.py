"""Paper for transfers: the transfer slip that travels with the goods, and the pick list
the picker walks the source location with. Both are PDFs (reportlab) with barcodes the
floor scanners read back: the transfer number opens the transfer, a bin barcode confirms
the bin, a SKU barcode confirms the item.

Pure domain code: give it a loaded transfer (transfers.get), get bytes back. It reads
no request and writes nothing.

Barcode rules (tests/paper/test_slips.py decodes the printed PDFs): reportlab's default
Code128 bar (7.5 mil) does not decode from a 150 dpi scan or a worn laser printer, so bars are 15 mil
and only shrink, down to 10 mil, when a long value would not fit the page; a value too
long even then is printed as text only, never as a barcode that will not scan. Nothing
is drawn inside a barcode's quiet zones: rows with barcodes get no vertical rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from warehouse.catalog.models import NO_LOT
from warehouse.core.i18n import msg
from warehouse.paper.pdf_fonts import regular_and_bold
from warehouse.transfers.models import TransferStatus

PAGE_SIZES = {"A4": A4, "LETTER": LETTER}
MARGIN = 15 * mm
HEADER_HEIGHT = 38 * mm  # number, its Code128 and its QR, repeated on every page
BAR_SAFE = 0.015 * inch  # decodes at 150 dpi with room to spare
BAR_MIN = 0.010 * inch  # the narrowest bar that still decodes at 150 dpi
FONT, BOLD = regular_and_bold()  # DejaVu Sans when installed: names in any script print
TEXT_SIZE = 9
CELL_PAD = 3  # points left and right of a table cell's text

# Statuses after which the receiving counts on a line mean something.
COUNTED = {TransferStatus.RECEIVED, TransferStatus.COMPLETED}

# The words printed are `msg(...)`, said by `say`: English (str) by default, or the
# page's language when the web view passes its translation.
Say = Callable[[str], str]
STATUS_WORDS = {
    TransferStatus.DRAFT: msg("draft"),
    TransferStatus.APPROVED: msg("approved"),
    TransferStatus.IN_TRANSIT: msg("in transit"),
    TransferStatus.RECEIVED: msg("received"),
    TransferStatus.COMPLETED: msg("completed"),
    TransferStatus.CANCELLED: msg("cancelled"),
}


# --- the two documents ------------------------------------------------------------------


def transfer_slip(transfer, page_size: str = "A4", *, say: Say = str) -> bytes:
    """The slip that travels with the goods: who sends what to whom, what was picked,
    what arrived, and boxes for the three signatures."""
    paper = paper_size(page_size)
    width = paper[0] - 2 * MARGIN
    story = [
        _route_and_dates(transfer, width, say),
        Spacer(0, 5 * mm),
        _slip_lines(transfer, width, say),
        Spacer(0, 8 * mm),
        _signature_boxes(width, say),
    ]
    return render_pdf(story, paper, _Header(transfer.number, say(msg("Transfer slip"))), say=say)


def pick_list(transfer, page_size: str = "A4", *, say: Say = str) -> bytes:
    """What to take from where, in bin order so the picker walks the aisles once. A
    draft has no bins yet (approval chooses them): its lines are listed as such."""
    paper = paper_size(page_size)
    width = paper[0] - 2 * MARGIN
    story = [_route_and_dates(transfer, width, say), Spacer(0, 5 * mm), _pick_rows(transfer, width, say)]
    return render_pdf(story, paper, _Header(transfer.number, say(msg("Pick list"))), say=say)


def paper_size(page_size: str) -> tuple[float, float]:
    try:
        return PAGE_SIZES[page_size.upper()]
    except (KeyError, AttributeError):
        raise ValueError(
            msg(
                "Paper must be one of {sizes}, not {size}.", sizes=", ".join(PAGE_SIZES), size=repr(page_size)
            )
        ) from None


def render_pdf(story: list, paper, header: _Header, *, say: Say = str) -> bytes:
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=paper,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + 6 * mm,
        title=f"{header.title} {header.number}",
        author="warehouse",
    )
    pages = partial(PageCountCanvas, say=say)
    doc.build(story, onFirstPage=header.draw, onLaterPages=header.draw, canvasmaker=pages)
    return out.getvalue()


# --- the page header --------------------------------------------------------------------


@dataclass
class _Header:
    """Drawn on every page, so a page that comes loose from the rest still scans to its
    transfer."""

    number: str
    title: str

    def draw(self, canvas: Canvas, doc) -> None:
        page_width, page_height = doc.pagesize
        top = page_height - MARGIN
        canvas.saveState()
        canvas.setFont(BOLD, 11)
        canvas.drawString(MARGIN, top - 11, self.title.upper())
        canvas.setFont(BOLD, 22)
        canvas.drawString(MARGIN, top - 34, self.number)
        bars = barcode128(self.number, page_width / 2, bar_height=12 * mm)
        # drawOn puts the first bar at x + lquiet: start at the margin minus the quiet
        # zone so the bars line up with the text above and the quiet zone stays blank.
        bars.drawOn(canvas, MARGIN - bars.lquiet, top - HEADER_HEIGHT + 6 * mm)
        size = HEADER_HEIGHT - 6 * mm
        renderPDF.draw(_qr(self.number, size), canvas, page_width - MARGIN - size, top - size)
        canvas.setLineWidth(0.5)
        canvas.line(
            MARGIN,
            top - HEADER_HEIGHT + 2 * mm,
            page_width - MARGIN - size - 4 * mm,
            top - HEADER_HEIGHT + 2 * mm,
        )
        canvas.restoreState()


class PageCountCanvas(Canvas):
    """Writes "page N of M" once the page count is known, so a missing page shows."""

    def __init__(self, *args, say: Say = str, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._say = say

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            said = self._say(msg("page {number} of {pages}", number=number, pages=len(self._pages)))
            self.drawRightString(self._pagesize[0] - MARGIN, MARGIN, said)
            super().showPage()
        super().save()


# --- barcodes ---------------------------------------------------------------------------


def barcode128(value: str, max_width: float, bar_height: float = 9 * mm, *, say: Say = str) -> Flowable:
    """A Code128 of `value` no wider than `max_width` (quiet zones included): 15 mil bars,
    narrower down to 10 mil for long values; text alone if even that does not fit or the
    value is not plain ASCII (Code128 cannot carry it)."""
    if value and value.isascii() and value.isprintable():
        for bar in (BAR_SAFE, 0.0125 * inch, BAR_MIN):
            code = Code128(value, barWidth=bar, barHeight=bar_height, humanReadable=False)
            if code.width <= max_width:
                return code
    return _TextCell(say(msg("No barcode, key in: {value}", value=value)), max_width)


def _qr(value: str, size: float) -> Drawing:
    """A QR of `value`, `size` points square including its 4-module quiet border."""
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


# --- blocks shared by both documents ----------------------------------------------------


def _route_and_dates(transfer, width: float, say: Say = str) -> Table:
    """From, to, status and the dates of each step (UTC), as two label/value columns."""
    half = width / 2
    status = STATUS_WORDS.get(transfer.status) or transfer.status.value.replace("_", " ")
    rows = [
        [
            say(msg("From")),
            fit_text(_place(transfer.from_location), half - 60),
            say(msg("Created")),
            when_text(transfer.created_at, say),
        ],
        [
            say(msg("To")),
            fit_text(_place(transfer.to_location), half - 60),
            say(msg("Approved")),
            when_text(transfer.approved_at, say),
        ],
        [say(msg("Status")), say(status), say(msg("Shipped")), when_text(transfer.shipped_at, say)],
        [
            say(msg("Note")),
            fit_text(transfer.note or "", half - 60),
            say(msg("Received")),
            when_text(transfer.received_at, say),
        ],
    ]
    table = Table(rows, colWidths=[45, half - 45, 55, half - 55])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, TEXT_SIZE + 1),
                ("FONT", (0, 0), (0, -1), BOLD, TEXT_SIZE + 1),
                ("FONT", (2, 0), (2, -1), BOLD, TEXT_SIZE + 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _place(location) -> str:
    return f"{location.name} ({location.code})"


def when_text(moment: datetime | None, say: Say = str) -> str:
    """ISO date and minute in UTC (the database stores naive UTC)."""
    return say(msg("{moment} UTC", moment=f"{moment:%Y-%m-%d %H:%M}")) if moment else say(msg("not yet"))


def fit_text(text: str, width: float, font: str = FONT, size: float = TEXT_SIZE + 1) -> str:
    """`text` cut with an ellipsis so it fits `width` points on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def lot_text(lot, *, none: str) -> str:
    return lot.code if lot is not None and lot.id != NO_LOT else none


# --- the slip's lines -------------------------------------------------------------------

SLIP_COLUMNS = [
    (msg("SKU"), 0.19),
    (msg("Name"), 0.35),
    (msg("Lot"), 0.14),
    (msg("Requested"), 0.11),
    (msg("Picked"), 0.09),
    (msg("Received\n(damaged)"), 0.12),
]


def _slip_lines(transfer, width: float, say: Say = str) -> Table:
    """One text row per line, and under it a row with the SKU's Code128 across the
    whole width (a long SKU still gets 15 mil bars). The two rows never split apart."""
    widths = [width * share for _, share in SLIP_COLUMNS]
    rows = [[say(title) for title, _ in SLIP_COLUMNS]]
    for line in transfer.lines:
        rows.append(_slip_row(transfer, line, widths, say))
        rows.append([barcode128(line.product.sku, width - 2 * CELL_PAD, say=say)] + [""] * (len(widths) - 1))
    return _lines_table(rows, widths)


def _slip_row(transfer, line, widths, say: Say = str) -> list:
    picked = say(msg("{qty} short", qty=line.qty_picked)) if line.short_picked else f"{line.qty_picked}"
    received = f"{line.qty_received} ({line.qty_damaged})" if transfer.status in COUNTED else ""
    cells = [
        line.product.sku,
        line.product.name,
        lot_text(line.lot, none=say(msg("any"))),
        str(line.qty_requested),
        picked,
        received,
    ]
    return [fit_text(text, w - 2 * CELL_PAD, size=TEXT_SIZE) for text, w in zip(cells, widths)]


def _lines_table(rows: list, widths: list[float]) -> Table:
    """Column headings repeat on every page; text row + barcode row stay together; only
    horizontal rules, below each barcode row, well clear of the bars."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), BOLD, TEXT_SIZE),
        ("FONT", (0, 1), (-1, -1), FONT, TEXT_SIZE),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ]
    for text_row in range(1, len(rows), 2):
        style += [
            ("NOSPLIT", (0, text_row), (-1, text_row + 1)),
            ("SPAN", (0, text_row + 1), (-1, text_row + 1)),
            ("BOTTOMPADDING", (0, text_row + 1), (-1, text_row + 1), 6),
            ("LINEBELOW", (0, text_row + 1), (-1, text_row + 1), 0.5, colors.grey),
        ]
    table.setStyle(TableStyle(style))
    return table


def _signature_boxes(width: float, say: Say = str) -> Flowable:
    """Picked by / shipped by / received by: a name, a signature and a date each."""
    roles = [say(msg("Picked by")), say(msg("Shipped by")), say(msg("Received by"))]
    cell = [
        "",
        say(msg("Name: ______________________")),
        "",
        say(msg("Signature: _________________")),
        "",
        say(msg("Date: ____ - ___ - ___")),
    ]
    rows = [roles] + [[line] * len(roles) for line in cell]
    table = Table(rows, colWidths=[width / 3] * 3)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, TEXT_SIZE + 1),
                ("FONT", (0, 0), (-1, 0), BOLD, TEXT_SIZE + 1),
                ("BOX", (0, 0), (0, -1), 0.8, colors.black),
                ("BOX", (1, 0), (1, -1), 0.8, colors.black),
                ("BOX", (2, 0), (2, -1), 0.8, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return KeepTogether([table])


# --- the pick list's rows ---------------------------------------------------------------

PICK_COLUMNS = [
    (msg("Bin"), 0.20),
    (msg("SKU"), 0.18),
    (msg("Name"), 0.34),
    (msg("Lot"), 0.12),
    (msg("Qty"), 0.08),
    (msg("Done"), 0.08),
]


def _pick_rows(transfer, width: float, say: Say = str) -> Table:
    """One text row per allocation, in bin order, with the bin's and the SKU's Code128
    side by side under it; a draft's lines instead, marked as not allocated yet."""
    widths = [width * share for _, share in PICK_COLUMNS]
    rows = [[say(title) for title, _ in PICK_COLUMNS]]
    for stop in _stops(transfer):
        rows.append(_pick_row(stop, widths, say))
        rows.append([_bin_and_item_barcodes(stop, width, say)] + [""] * (len(widths) - 1))
    return _lines_table(rows, widths)


@dataclass
class _Stop:
    """One place the picker stops: a bin (None before approval) and what to take there."""

    bin: object | None
    line: object
    lot: object | None
    qty: int


def _stops(transfer) -> list[_Stop]:
    allocated = [_Stop(a.bin, line, a.lot, a.qty) for line in transfer.lines for a in line.allocations]
    if allocated:
        return sorted(allocated, key=lambda stop: (stop.bin.code, stop.line.product.sku))
    return [_Stop(None, line, line.lot, line.qty_requested) for line in transfer.lines]


def _pick_row(stop: _Stop, widths, say: Say = str) -> list:
    where = stop.bin.code if stop.bin is not None else say(msg("not allocated yet"))
    lot = lot_text(stop.lot, none=say(msg("any")) if stop.bin is None else "-")
    cells = [where, stop.line.product.sku, stop.line.product.name, lot, str(stop.qty)]
    return [fit_text(text, w - 2 * CELL_PAD, size=TEXT_SIZE) for text, w in zip(cells, widths)] + [_TickBox()]


def _bin_and_item_barcodes(stop: _Stop, width: float, say: Say = str) -> Table:
    """Bin barcode left, SKU barcode right, each in its own half so quiet zones never
    overlap; before approval there is no bin, so only the SKU."""
    half = width / 2 - 2 * CELL_PAD
    left = barcode128(stop.bin.barcode, half, say=say) if stop.bin is not None else ""
    item = barcode128(stop.line.product.sku, half, say=say)
    pair = Table([[left, item]], colWidths=[width / 2 - CELL_PAD] * 2)
    pair.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return pair


# --- small flowables --------------------------------------------------------------------


class _TickBox(Flowable):
    """An empty square the picker ticks."""

    def wrap(self, available_width, available_height):
        return 5 * mm, 5 * mm

    def draw(self):
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, 5 * mm, 5 * mm)


class _TextCell(Flowable):
    """One line of text cut to a width (where a barcode would not fit)."""

    def __init__(self, text: str, width: float):
        super().__init__()
        self.text, self.max_width = fit_text(text, width, size=TEXT_SIZE), width

    def wrap(self, available_width, available_height):
        return self.max_width, TEXT_SIZE + 4

    def draw(self):
        self.canv.setFont(FONT, TEXT_SIZE)
        self.canv.drawString(0, 2, self.text)
