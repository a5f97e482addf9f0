"""The supervisor's reports (stock valuation, movement history, count variances) as files:
a CSV written line by line (a streamed report is written while it is read), and a
landscape A4 PDF table. The reports themselves are read by warehouse/reporting/reports.py;
paper never imports reporting, so a report arrives as anything shaped like `Report`.

A CSV stays English (spreadsheets and auditors); a PDF is said with `say`, which the web
view passes as its `translate` (the reader's language), else English.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from typing import Protocol

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle

from warehouse.core.csv_safe import safe_cell
from warehouse.core.i18n import msg
from warehouse.paper.pdf_fonts import regular_and_bold


class Report(Protocol):
    """What a report file is made from (reporting.reports.Report)."""

    title: str
    filters: list[tuple[str, str]]
    columns: list[str]
    rows: Iterable[list]
    numeric: set[int]
    total: list | None
    truncated: bool
    named: dict[int, type]

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


def to_pdf(
    report: Report, say: Callable[[str], str] = str, name: Callable[[Enum], str] | None = None
) -> bytes:
    """A landscape A4 table with the title and filters at the top of the first page and
    the header row repeated on every page, in DejaVu Sans when installed so names in
    Cyrillic or Greek print (see pdf_fonts). Its words are said with `say`, the named
    values of its `named` columns (a movement type, a line status) with `name`; without
    it they print as the values the CSV has."""
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
        title=say(report.title),
        author="warehouse",
    )
    body = [_pdf_row(report, row, say, name) for row in report.rows]
    if report.total:
        body.append([_text(cell, say) for cell in report.total])
    header = [say(column) for column in report.columns]
    table = LongTable([header] + (body or [[say(msg("No rows match these filters."))]]), repeatRows=1)
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
    heading = " · ".join(f"{say(label)}: {say(value)}" for label, value in report.filters)
    story = [Paragraph(say(report.title), styles["Title"]), Paragraph(heading, styles["Normal"]), table]
    if report.truncated:
        story.append(Paragraph(say(_truncated(len(report.rows))), styles["Normal"]))
    doc.build(story)
    return out.getvalue()


def _pdf_row(report: Report, row: list, say, name) -> list[str]:
    return [
        name(report.named[i](cell)) if name and cell and i in report.named else _text(cell, say)
        for i, cell in enumerate(row)
    ]


def _truncated(rows: int) -> str:
    return msg(
        "Only the first {rows} rows: narrow the filters for the rest, or download the CSV, which has every row.",
        rows=rows,
    )


def _text(cell, say: Callable[[str], str] = str) -> str:
    return "" if cell is None else str(say(cell))
