"""Dashboard periods: the named spans (7d, 30d, 90d, 1y) of whole UTC days ending today,
and their chart steps (days, or weeks for long periods)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from warehouse.core.columns import utcnow

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}
WEEKLY_FROM = 60  # periods this long are charted per week: 53 bars, not 365 (page weight)
DEFAULT_PERIOD = "30d"


@dataclass(frozen=True)
class Period:
    """Whole UTC days ending today: `first_day` 00:00 up to now."""

    name: str
    first_day: date
    last_day: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first_day, time.min)

    @property
    def days(self) -> list[date]:
        n = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(n)]

    @property
    def buckets(self) -> list[tuple[date, date]]:
        """(first, last) day of each chart step: days, or weeks ending today (the first
        week may be short) for long periods."""
        step = 7 if len(self.days) >= WEEKLY_FROM else 1
        ends = [self.last_day - timedelta(days=i) for i in range(0, len(self.days), step)]
        return [(max(end - timedelta(days=step - 1), self.first_day), end) for end in reversed(ends)]

    def bucket_of(self) -> dict[date, int]:
        """Day -> index of its bucket."""
        return {
            first + timedelta(days=i): k
            for k, (first, last) in enumerate(self.buckets)
            for i in range((last - first).days + 1)
        }


def period(name: str, today: date | None = None) -> Period:
    """The period called `name` (7d, 30d, 90d, 1y). Callers validate the name first."""
    today = today or utcnow().date()
    return Period(name, today - timedelta(days=PERIODS[name] - 1), today)


def last_days(days: int, today: date | None = None) -> Period:
    """The last `days` whole UTC days ending today (today counts as one), e.g. for "units
    sold in the last 30 days"."""
    today = today or utcnow().date()
    return Period(f"{days}d", today - timedelta(days=days - 1), today)


# --- helpers -----------------------------------------------------------------------------


def as_date(value) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
