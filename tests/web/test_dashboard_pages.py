"""Dashboard and report pages through the real client: the figures on the page equal the
seeded answers, every chart bar and point links to a list that shows what it counted,
htmx polls only the tiles, the reports download as CSV and PDF with the page's rows,
operators are refused, and bad filters answer 4xx with a message, never a 500."""

import csv
import io
import re
import threading
from html import unescape

import pytest

from tests.conftest import pdf_text
from tests.reporting.test_analytics import seed_history, seed_rules_alerts_transfers_counts
from warehouse.reporting import reports

HX = {"HX-Request": "true"}
BAR = re.compile(
    r'<a href="([^"]+)">\s*(?:<text[^>]*>[^<]*</text>\s*)?<rect class="bar" data-series="([a-z]+)"'
)
POINT = re.compile(r'<a href="([^"]+)"><circle class="point"')


@pytest.fixture
def history(site):
    history = seed_history(site)
    seed_rules_alerts_transfers_counts(history)
    return history


@pytest.fixture
def supervisor(client, auth, history):
    auth.login("supervisor")
    return client


def tile(html: str, name: str) -> str:
    match = re.search(rf'data-tile="{name}" href="[^"]*"><strong>([^<]*)</strong>', html)
    assert match, f"no tile {name}"
    return match.group(1)


def section(html: str, id: str) -> str:
    start = html.index(f'id="{id}"')
    return html[start : html.index("</section>", start)]


def test_the_tiles_show_the_seeded_figures(supervisor):
    html = supervisor.get("/dashboard").get_data(as_text=True)

    assert [tile(html, n) for n in ("skus", "units", "value", "low", "out", "alerts")] == [
        "2",
        "295",
        "242.50",
        "2",
        "1",
        "4",
    ]
    low_list = supervisor.get("/alerts?status=live&kind=low_stock").get_data(as_text=True)
    assert low_list.count('data-kind="low_stock"') == 2  # the tile's number is the list it opens
    assert tile(html, "transfers-draft") == "2" and tile(html, "transfers-in_transit") == "1"
    assert tile(html, "accuracy") == "75.0%" and tile(html, "accepted") == "0.50"
    assert tile(html, "value-before") == "300.00"  # a month ago: 100 x 2.50 + 200 x 0.25
    north = supervisor.get("/dashboard?location=service-north&period=7d").get_data(as_text=True)
    assert [tile(north, n) for n in ("skus", "units", "value")] == ["1", "40", "10.00"]


def test_charts_have_one_bar_per_figure_and_one_point_per_day(supervisor, history):
    html = supervisor.get("/dashboard?period=30d").get_data(as_text=True)

    flows = [series for _href, series in BAR.findall(section(html, "chart-flows"))]
    assert sorted(flows) == sorted(["in", "out", "out", "adjusted", "in"])  # D-10, D-3, D
    assert len(POINT.findall(section(html, "chart-values"))) == 2 * 30  # two locations x 30 days
    assert len(BAR.findall(section(html, "chart-movers-units"))) == 2
    assert len(BAR.findall(section(html, "chart-counts"))) == 1
    body = html.split("</head>")[1]
    # No chart library: server-side SVG only (the one script in the body is the page's
    # words for the floor scripts, JSON data that never runs).
    assert body.count("<script") == body.count('<script type="application/json"') == 1


def test_every_bar_and_point_opens_the_list_behind_it(supervisor, history):
    html = supervisor.get("/dashboard?period=30d").get_data(as_text=True)
    mover_href = unescape(BAR.findall(section(html, "chart-movers-units"))[0][0])
    movers = supervisor.get(mover_href)
    assert movers.status_code == 200 and "BOLT-M8" in movers.get_data(as_text=True)
    assert "-30" in movers.get_data(as_text=True)

    day = history.day(3).isoformat()
    adjusted = next(unescape(h) for h, s in BAR.findall(section(html, "chart-flows")) if s == "adjusted")
    assert f"since={day}" in adjusted and "type=adjustment" in adjusted
    page = supervisor.get(adjusted).get_data(as_text=True)
    assert page.count("<tr>") - 1 == 1 and "-5" in page  # the one adjustment that day

    point = unescape(POINT.findall(section(html, "chart-values"))[0])
    assert supervisor.get(point).status_code == 200
    count_bar = unescape(BAR.findall(section(html, "chart-counts"))[0][0])
    assert "+2" in supervisor.get(count_bar).get_data(as_text=True) or "182" in supervisor.get(
        count_bar
    ).get_data(as_text=True)
    for name in ("skus", "value-before", "low", "alerts", "accuracy", "transfers-draft"):
        href = unescape(re.search(rf'data-tile="{name}" href="([^"]*)"', html).group(1))
        assert supervisor.get(href).status_code == 200, name


def test_htmx_polls_only_the_tiles(supervisor):
    full = supervisor.get("/dashboard?location=warehouse-main&period=7d").get_data(as_text=True)
    assert 'hx-trigger="every 30s"' in full

    partial = supervisor.get("/dashboard/tiles?location=warehouse-main&period=7d", headers=HX)

    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "HX-Request" in partial.headers["Vary"]
    assert "<html" not in body and "{#" not in body
    assert 'id="tiles"' in body and 'hx-trigger="every 30s"' in body and "<svg" not in body
    assert tile(body, "units") == "255"  # main only: 75 + 180
    plain = supervisor.get("/dashboard/tiles?period=7d")
    assert plain.status_code == 302 and "/dashboard?period=7d" in plain.headers["Location"]


def test_report_page_csv_and_pdf_show_the_same_rows(supervisor, history, tmp_path):
    args = f"?as_of={history.day(20).isoformat()}&location=warehouse-main"
    page = supervisor.get("/dashboard/reports/valuation" + args).get_data(as_text=True)
    rows = re.findall(
        r'<td data-label="SKU"><a [^>]*>([^<]+)</a></td><td data-label="Name">[^<]*</td>'
        r'<td data-label="On hand" class="num">(\d+)</td>',
        page,
    )
    assert rows == [("BOLT-M8", "100"), ("NUT-M8", "200")]
    assert f"As of: {history.day(20).isoformat()}" in page

    csv_response = supervisor.get("/dashboard/reports/valuation.csv" + args)
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True))))
    assert [(line[1], line[3]) for line in lines[2:4]] == rows and lines[4][5] == "300.00"

    pdf = supervisor.get("/dashboard/reports/valuation.pdf" + args)
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.data, tmp_path)
    for sku, qty in rows:
        assert re.search(rf"{sku}.*\b{qty}\b", text)
    assert "Location: warehouse-main" in text


def test_a_capped_page_says_so_and_its_csv_has_every_row(supervisor, history, monkeypatch):
    args = f"?since={history.day(90).isoformat()}"
    everything = (
        supervisor.get("/dashboard/reports/movements" + args).get_data(as_text=True).count("<tr>") - 1
    )
    monkeypatch.setattr(reports, "MAX_ROWS", 3)

    page = supervisor.get("/dashboard/reports/movements" + args).get_data(as_text=True)
    response = supervisor.get("/dashboard/reports/movements.csv" + args)

    assert (
        page.count("<tr>") - 1 == 3
        and "Only the first 3 rows" in page
        and "the CSV, which has every row" in page
    )
    assert response.is_streamed
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(lines) - 2 == everything > 3 and "Only the first" not in response.get_data(as_text=True)


def test_the_streamed_csv_outlives_the_request_that_started_it(supervisor, history, monkeypatch):
    """As under gunicorn: no app context around the request (a fresh thread), so Flask
    tears the request's session down before the body streams out."""
    monkeypatch.setattr(reports, "STREAM_BATCH", 2)
    args = f"?since={history.day(90).isoformat()}"
    expected = supervisor.get("/dashboard/reports/movements" + args).get_data(as_text=True).count("<tr>") - 1
    got = {}

    def download():
        response = supervisor.get("/dashboard/reports/movements.csv" + args)
        got["status"], got["body"] = response.status_code, response.get_data(as_text=True)

    thread = threading.Thread(target=download)
    thread.start()
    thread.join(30)
    lines = list(csv.reader(io.StringIO(got["body"])))
    assert got["status"] == 200 and len(lines) - 2 == expected > 2


@pytest.mark.parametrize("path", ["/dashboard/reports/movements", "/dashboard/reports/variances"])
def test_movement_and_variance_reports_download_their_rows(supervisor, history, path):
    args = f"?since={history.day(90).isoformat()}"
    page = supervisor.get(path + args)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = html.count("<tr>") - 1  # the header row; a total row is <tr class="strong">
    lines = list(csv.reader(io.StringIO(supervisor.get(path + ".csv" + args).get_data(as_text=True))))
    body = [line for line in lines[2:] if line[0] != "Accepted"]
    assert shown == len(body) > 0
    for line in body:
        assert f">{line[0]}<" in html.replace(" <small>", "<")  # each CSV row's first cell is on the page


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard",
        "/dashboard/tiles",
        "/dashboard/reports",
        "/dashboard/reports/valuation",
        "/dashboard/reports/valuation.csv",
        "/dashboard/reports/movements.pdf",
        "/dashboard/reports/variances",
    ],
)
def test_operators_are_refused(client, auth, site, path):
    auth.login("operator")

    assert client.get(path, headers=HX if "tiles" in path else {}).status_code == 403


@pytest.mark.parametrize(
    "query, message",
    [
        ("/dashboard?period=abc", "Not a valid choice"),
        ("/dashboard?period=", "Not a valid choice"),
        ("/dashboard?location=nowhere", "No location 'nowhere'"),
        ("/dashboard?location=" + "x" * 5000, "location"),
        ("/dashboard/reports/valuation?as_of=2026-02-30", "Not a valid date"),
        ("/dashboard/reports/valuation?as_of=9999-12-31", "Choose a date between"),
        ("/dashboard/reports/valuation.csv?as_of=yesterday", "Not a valid date"),
        ("/dashboard/reports/movements?since=2026-05-01&until=2026-04-01", "before the start date"),
        ("/dashboard/reports/movements.pdf?sku=NOPE-1", "No product with SKU"),
        ("/dashboard/reports/movements?type=teleport", "Not a valid choice"),
        ("/dashboard/reports/variances?location=nowhere", "No location"),
    ],
)
def test_bad_filters_are_explained_with_a_400(supervisor, query, message):
    response = supervisor.get(query)

    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))


def test_bad_filters_on_the_polled_tiles_are_a_400_fragment(supervisor):
    response = supervisor.get("/dashboard/tiles?period=1000y", headers=HX)

    assert response.status_code == 400 and 'data-result="error"' in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)


def test_the_nav_shows_the_dashboard_to_supervisors_only(client, auth, site):
    auth.login("supervisor")
    assert 'href="/dashboard"' in client.get("/stock").get_data(as_text=True)
    auth.logout()
    auth.login("operator")
    assert 'href="/dashboard"' not in client.get("/stock").get_data(as_text=True)
