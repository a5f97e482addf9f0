"""Reports: valuation as of a past date equals the ledger's point-in-time balances, the
movement and count variance reports hold exactly the rows their filters ask for, and the
CSV and the PDF (text extracted with pdftotext) carry the same rows and the filters."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.conftest import pdf_text, require
from tests.reporting.test_analytics import seed_history, seed_rules_alerts_transfers_counts, value_from_ledger
from warehouse import ledger
from warehouse.core.extensions import db
from warehouse.ledger import Line
from warehouse.ledger.models import Movement, MovementType
from warehouse.paper import report_files
from warehouse.paper.pdf_fonts import regular_and_bold
from warehouse.reporting import reports


def test_valuation_as_of_a_past_date_equals_the_ledger(site):
    history = seed_history(site)

    report = reports.valuation(history.day(20))

    assert [row[:4] for row in report.rows] == [
        ["warehouse-main", "BOLT-M8", "Item BOLT-M8", 100],
        ["warehouse-main", "NUT-M8", "Item NUT-M8", 200],
    ]
    assert report.total[5] == Decimal("300.00")
    assert report.total[5] == value_from_ledger(datetime.combine(history.day(20), time.max))
    today = reports.valuation(history.today)
    assert today.total[3] == 295 and today.total[5] == Decimal("242.50")
    assert [row[:4] for row in reports.valuation(history.today, site.north).rows] == [
        ["service-north", "NUT-M8", "Item NUT-M8", 40]
    ]
    assert reports.valuation(history.day(41)).rows == []


def test_valuation_equals_the_ledger_on_every_day_and_at_every_location(site):
    history = seed_history(site)
    for days_ago in range(0, 42, 3):
        day = history.day(days_ago)
        end = datetime.combine(day, time.max)
        assert reports.valuation(day).total[5] == value_from_ledger(end), day
        for location in (site.main, site.north):
            assert reports.valuation(day, location).total[5] == value_from_ledger(end, location.id), (
                day,
                location,
            )


def test_movement_report_filters_by_dates_location_sku_and_type(site):
    history = seed_history(site)

    everything = reports.movements(history.day(40), history.today)
    sales = reports.movements(history.day(30), history.today, type=MovementType.OUTBOUND_SALE)
    bolts_at_main = reports.movements(history.day(5), history.today, location=site.main, product=site.bolt)

    assert len(everything.rows) == 7
    assert [(r[3], r[7]) for r in sales.rows] == [("BOLT-M8", -30), ("NUT-M8", -20)]
    assert [(r[2], r[7], r[8]) for r in bolts_at_main.rows] == [
        ("adjustment", -5, 65),
        ("inbound_purchase", 10, 75),
    ]
    assert ("SKU", "BOLT-M8") in bolts_at_main.filters


def test_count_variance_report_lists_varied_lines_with_their_value(site):
    history = seed_history(site)
    seed_rules_alerts_transfers_counts(history)

    report = reports.count_variances(history.day(30), history.today)
    older = reports.count_variances(history.day(90), history.today, location=site.main)

    assert [(r[4], r[6], r[7], r[8], r[9], r[10]) for r in report.rows] == [
        ("NUT-M8", 180, 182, 2, Decimal("0.50"), "accepted")
    ]
    assert report.total[9] == Decimal("0.50")
    assert [r[10] for r in older.rows] == ["rejected", "accepted"]
    assert reports.count_variances(history.day(90), history.today, location=site.north).rows == []


def test_csv_holds_the_filters_and_every_row(site):
    history = seed_history(site)
    report = reports.movements(history.day(40), history.today)

    lines = list(csv.reader(io.StringIO(report_files.to_csv(report))))

    assert lines[0][0].startswith("Movement history: From: ") and history.day(40).isoformat() in lines[0][0]
    assert lines[1] == report.columns
    assert [line[0] for line in lines[2:]] == [str(row[0]) for row in report.rows]


def test_pdf_holds_the_filters_and_every_row(site, tmp_path):
    history = seed_history(site)
    report = reports.valuation(history.day(20))

    text = pdf_text(report_files.to_pdf(report), tmp_path)

    assert "Stock valuation" in text and f"As of: {history.day(20).isoformat()}" in text
    for row in report.rows:
        line = next(line for line in text.splitlines() if row[1] in line)
        assert str(row[3]) in line and str(row[5]) in line
    assert "300.00" in text


def test_a_long_report_is_capped_and_says_so(site):
    history = seed_history(site)

    report = reports.movements(history.day(40), history.today, cap=3)

    assert len(report.rows) == 3 and report.truncated
    assert "Only the first 3 rows" in report_files.to_csv(report)


@pytest.mark.parametrize("batch", [2, 3, 10_000])  # many batches, an exact multiple or not, one
def test_an_uncapped_movement_report_streams_every_row_oldest_first(site, monkeypatch, batch):
    monkeypatch.setattr(reports, "STREAM_BATCH", batch)
    history = seed_history(site)
    expected = db.session.scalars(
        select(Movement.id)
        .where(Movement.created_at >= datetime.combine(history.day(40), time.min))
        .order_by(Movement.id)
    ).all()

    report = reports.movements(history.day(40), history.today, cap=None)

    assert not isinstance(report.rows, list)  # a stream, read while the CSV is written
    lines = list(csv.reader(io.StringIO(report_files.to_csv(report))))
    assert [int(line[0]) for line in lines[2:]] == expected and len(expected) > 3
    assert not report.truncated


def test_csv_text_that_a_spreadsheet_would_run_is_defused_and_numbers_stay_numbers(site):
    history = seed_history(site)
    site.nut.name = '=HYPERLINK("http://evil.example","x")'
    db.session.commit()
    ledger.post(
        MovementType.OUTBOUND_SALE,
        [Line.at(site.bin(site.main, "A-01-02"), site.nut, qty=-1)],
        actor_id=None,
        reference=("@SUM(A1)", '=HYPERLINK("http://evil.example")'),
    )

    movements = list(
        csv.reader(io.StringIO(report_files.to_csv(reports.movements(history.today, history.today))))
    )
    valuation = list(csv.reader(io.StringIO(report_files.to_csv(reports.valuation(history.today)))))

    sale = movements[-1]
    assert sale[9] == """'@SUM(A1) =HYPERLINK("http://evil.example")""" and sale[7] == "-1"
    nut = next(line for line in valuation if line[:2] == ["warehouse-main", "NUT-M8"])
    assert nut[2] == """'=HYPERLINK("http://evil.example","x")""" and nut[3] == "179"
    assert not any(cell.startswith(("=", "+", "@")) for line in movements + valuation for cell in line)


def test_pdf_prints_names_in_cyrillic_and_greek(site, tmp_path):
    require(regular_and_bold()[0] != "Helvetica", "DejaVu Sans", "apt-get install -y fonts-dejavu-core")
    history = seed_history(site)
    site.bolt.name = "Болт М8 · Βίδα"
    db.session.commit()

    text = pdf_text(report_files.to_pdf(reports.valuation(history.today)), tmp_path)

    assert "Болт М8 · Βίδα" in text and "BOLT-M8" in text
