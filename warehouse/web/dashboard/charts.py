"""Chart geometry for the hand-built SVG templates (templates/dashboard/_chart_*.svg.html).

The analytics module gives figures; this turns them into boxes and points in a fixed
viewBox (the SVG scales to the screen) with the drill-down link of each. Templates only
draw what is here. Only non-zero bars are drawn, so a chart's bars are the figures.
Titles, legends and tooltips are made during the request, in the reader's language, with
numbers and dates written their way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _

from warehouse.reporting import analytics

from ..i18n import day, number

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28  # room for the axis labels
SERIES_COLOURS = {
    "in": "#0a6b2d",
    "out": "#b00020",
    "adjusted": "#8a5a00",
    "varied": "#8a5a00",
    "units": "#0b4fd0",
    "value": "#5b2a86",
}
LINE_COLOURS = ["#0b4fd0", "#b00020", "#0a6b2d", "#8a5a00", "#5b2a86", "#00707a", "#444444"]


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    series: str
    label: str  # tooltip: what the bar is, in words
    href: str
    colour: str = ""


@dataclass
class Line:
    name: str
    colour: str
    points: list[tuple[float, float, str, str]]  # x, y, tooltip, href

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _label, _href in self.points)


@dataclass
class Chart:
    title: str
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # y, label
    x_labels: list[tuple[float, str]] = field(default_factory=list)  # x, label
    zero_y: float = HEIGHT - BOTTOM
    width: int = WIDTH
    height: int = HEIGHT
    legend: list[tuple[str, str]] = field(default_factory=list)  # colour, name

    @property
    def empty(self) -> bool:
        return not self.bars and not any(line.points for line in self.lines)


class _Scale:
    """Maps values in [low, high] to y pixels, high at the top."""

    def __init__(self, low: float, high: float):
        self.low, self.high = min(low, 0.0), max(high, 0.0)
        if self.high == self.low:
            self.high = self.low + 1

    def y(self, value: float) -> float:
        span = HEIGHT - TOP - BOTTOM
        return TOP + span * (self.high - float(value)) / (self.high - self.low)

    def ticks(self) -> list[tuple[float, str]]:
        steps = [self.low + (self.high - self.low) * i / 4 for i in range(5)]
        decimals = 0 if self.high - self.low >= 20 else 1  # small ranges: 0.5, not 0 twice
        return [(self.y(v), number(v, decimals)) for v in steps]


def flows(dashboard: analytics.Dashboard, filters: dict) -> Chart:
    """Units in, out and adjusted per day: three bars per day around a zero line."""
    days = dashboard.flows
    values = [v for f in days for v in (f.units_in, f.units_out, f.adjusted)]
    scale = _Scale(min(values, default=0), max(values, default=0))
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    width = max(slot / 3 * 0.9, 0.5)
    weekly = _weekly(dashboard)
    chart = Chart(
        _("Units in, out and adjusted per week") if weekly else _("Units in, out and adjusted per day"),
        ticks=scale.ticks(),
        zero_y=scale.y(0),
        x_labels=_day_labels([f.day for f in days], slot),
        legend=[
            (SERIES_COLOURS["in"], _("In")),
            (SERIES_COLOURS["out"], _("Out")),
            (SERIES_COLOURS["adjusted"], _("Adjusted")),
        ],
    )
    for i, flow in enumerate(days):
        href = _movements(filters, flow.day, flow.until)
        for j, (series, value) in enumerate(
            (("in", flow.units_in), ("out", flow.units_out), ("adjusted", flow.adjusted))
        ):
            if value:
                top, bottom = sorted((scale.y(value), scale.y(0)))
                link = (
                    _movements(filters, flow.day, flow.until, type="adjustment")
                    if series == "adjusted"
                    else href
                )
                chart.bars.append(
                    Bar(
                        LEFT + i * slot + j * slot / 3,
                        top,
                        width,
                        max(bottom - top, 1),
                        series,
                        _flow_label(series, _when(flow.day, flow.until), value),
                        link,
                        SERIES_COLOURS[series],
                    )
                )
    return chart


def movers(dashboard: analytics.Dashboard, filters: dict, by: str) -> Chart:
    """Top SKUs leaving (sales, transfers out, fulfilled, expired): horizontal bars."""
    rows = dashboard.movers_by_units if by == "units" else dashboard.movers_by_value
    figure = (lambda r: r.units) if by == "units" else (lambda r: r.value)
    top = max((float(figure(r)) for r in rows), default=1) or 1
    row_h = 22
    title = _("Top movers by units") if by == "units" else _("Top movers by value")
    chart = Chart(title, height=max(len(rows), 1) * row_h + 8)
    label_w = 150
    for i, row in enumerate(rows):
        w = (WIDTH - label_w - 90) * float(figure(row)) / top
        shown = _("%(units)s units", units=number(row.units)) if by == "units" else number(row.value, 2)
        chart.bars.append(
            Bar(
                label_w,
                4 + i * row_h,
                max(w, 1),
                row_h - 6,
                by,
                f"{row.sku} {row.name}: {shown}",
                url_for(
                    "stock.movements",
                    sku=row.sku,
                    location=filters["location"],
                    since=dashboard.period.first_day.isoformat(),
                ),
                SERIES_COLOURS[by],
            )
        )
    return chart


def values(dashboard: analytics.Dashboard, filters: dict) -> Chart:
    """Stock value at the end of each day, one line per location; each point opens the
    valuation report as of that day."""
    series = dashboard.values
    all_values = [float(v) for s in series for _d, v in s.points]
    scale = _Scale(min(all_values, default=0), max(all_values, default=0))
    ends = [last for _first, last in dashboard.period.buckets]
    step = (WIDTH - LEFT - RIGHT) / max(len(ends) - 1, 1)
    chart = Chart(
        _("Stock value per location (end of each week)")
        if _weekly(dashboard)
        else _("Stock value per location (end of each day)"),
        ticks=scale.ticks(),
        zero_y=scale.y(0),
        x_labels=_day_labels(ends, step, centre=False),
    )
    for k, s in enumerate(series):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        points = [
            (
                LEFT + i * step,
                scale.y(v),
                f"{s.code} {day(d)}: {number(v, 2)}",
                url_for("dashboard.valuation", as_of=d.isoformat(), location=s.code),
            )
            for i, (d, v) in enumerate(s.points)
        ]
        chart.lines.append(Line(s.code, colour, points))
        chart.legend.append((colour, s.code))
    return chart


def count_trend(dashboard: analytics.Dashboard, filters: dict) -> Chart:
    """Lines with a variance per day of counting; each bar opens that day's variances."""
    days = [d for d in dashboard.count_days if d.varied]
    scale = _Scale(0, max((d.varied for d in days), default=0))
    span = [first for first, _last in dashboard.period.buckets]
    slot = (WIDTH - LEFT - RIGHT) / max(len(span), 1)
    index = {first: i for i, first in enumerate(span)}
    chart = Chart(
        _("Count lines with a variance per week")
        if _weekly(dashboard)
        else _("Count lines with a variance per day"),
        ticks=scale.ticks(),
        zero_y=scale.y(0),
        x_labels=_day_labels(span, slot),
    )
    for d in days:
        top = scale.y(d.varied)
        chart.bars.append(
            Bar(
                LEFT + index.get(d.day, 0) * slot,
                top,
                max(slot * 0.8, 1.5),
                max(scale.y(0) - top, 1),
                "varied",
                _(
                    "%(when)s: %(varied)s of %(counted)s lines varied, net %(value)s",
                    when=_when(d.day, d.until),
                    varied=number(d.varied),
                    counted=number(d.counted),
                    value=number(d.value, 2),
                ),
                url_for(
                    "dashboard.variances",
                    since=d.day.isoformat(),
                    until=d.until.isoformat(),
                    location=filters["location"],
                ),
                SERIES_COLOURS["varied"],
            )
        )
    return chart


def _weekly(dashboard: analytics.Dashboard) -> bool:
    """Whether the chart steps are weeks (long periods), not days."""
    buckets = dashboard.period.buckets
    return bool(buckets) and buckets[-1][0] != buckets[-1][1]


def _when(first: date, last: date) -> str:
    return day(first) if first == last else _("%(first)s to %(last)s", first=day(first), last=day(last))


def _flow_label(series: str, when: str, units: int) -> str:
    """A flow bar's tooltip: a whole sentence per series, for translators."""
    if series == "in":
        return _("%(when)s in: %(units)s", when=when, units=number(units))
    if series == "out":
        return _("%(when)s out: %(units)s", when=when, units=number(units))
    return _("%(when)s adjusted: %(units)s", when=when, units=number(units))


def _movements(filters: dict, since: date, until: date, **extra) -> str:
    return url_for(
        "stock.movements",
        location=filters["location"],
        since=since.isoformat(),
        until=until.isoformat(),
        **extra,
    )


def _day_labels(days: list[date], slot: float, centre: bool = True) -> list[tuple[float, str]]:
    """About six dates along the x axis."""
    if not days:
        return []
    every = max(len(days) // 6, 1)
    return [
        (LEFT + i * slot + (slot / 2 if centre else 0), format_date(each, "dd MMM"))
        for i, each in enumerate(days)
        if i % every == 0
    ]
