"""The supervisor's reports (stock valuation, movement history, count variances) as files:
a CSV written line by line (a streamed report is written while it is read), and a
landscape A4 PDF table. The reports themselves are read by warehouse/reporting/reports.py;
paper never imports reporting, so a report arrives as anything shaped like `Report`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Protocol

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle

from warehouse.core.csv_safe import safe_cell
from warehouse.paper.pdf_fonts import regular_and_bold


class Report(Protocol):
    """What a report file is made from (reporting.reports.Report)."""

    title: str
    columns: list[str]
    rows: Iterable[list]
    numeric: set[int]
    total: list | None
    truncated: bool

    @property
    def heading(self) -> str: ...


def csv_lines(report: Report) -> Iterator[str]:
    """The filters as the first line, then a header row and the rows, one CSV line at a
    time (a streamed report is written while it is read). Text a spreadsheet would run as a
    formula (a reference typed as `=HYPERLINK(...)`) is defused."""
    out = io.StringIO()
    writer = csv.writer(out)

    def line(cells) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(cells)
        return out.getvalue()

    yield line([safe_cell(f"{report.title}: {report.heading}")])
    yield line(report.columns)
    for row in report.rows:
        yield line([_text(safe_cell(cell)) for cell in row])
    if report.total:
        yield line([_text(safe_cell(cell)) for cell in report.total])
    if report.truncated:
        yield line([f"Only the first {len(report.rows)} rows: narrow the filters for the rest."])


def to_csv(report: Report) -> str:
    return "".join(csv_lines(report))


def to_pdf(report: Report) -> bytes:
    """A landscape A4 table with the title and filters at the top of the first page and
    the header row repeated on every page, in DejaVu Sans when installed so names in
    Cyrillic or Greek print (see pdf_fonts)."""
    font, bold = regular_and_bold()
    styles = getSampleStyleSheet()
    styles["Title"].fontName, styles["Normal"].fontName = bold, font
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=report.title,
        author="warehouse",
    )
    body = [[_text(cell) for cell in row] for row in report.rows]
    if report.total:
        body.append([_text(cell) for cell in report.total])
    table = LongTable([report.columns] + (body or [["No rows match these filters."]]), repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("FONT", (0, 0), (-1, 0), bold, 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
    ]
    style += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i in report.numeric]
    if report.total and body:
        style.append(("FONT", (0, -1), (-1, -1), bold, 8))
    table.setStyle(TableStyle(style))
    story = [Paragraph(report.title, styles["Title"]), Paragraph(report.heading, styles["Normal"]), table]
    if report.truncated:
        story.append(
            Paragraph(
                f"Only the first {len(report.rows)} rows: narrow the filters for the "
                "rest, or download the CSV, which has every row.",
                styles["Normal"],
            )
        )
    doc.build(story)
    return out.getvalue()


def _text(cell) -> str:
    return "" if cell is None else str(cell)
