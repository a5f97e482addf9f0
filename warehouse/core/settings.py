"""Settings: what the domain needs from configuration, read once.

`create_app` builds one `Settings` from the app config and keeps it on the app; the web
pages, the API and the CLI pass the values a service needs as arguments (a reservation's
default TTL, whether webhook receivers may be private addresses, ABC shares). Services
never read configuration themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType

DEFAULT_ABC_SHARES = (Decimal("0.80"), Decimal("0.15"))  # A, B; C is the rest
DEFAULT_ABC_EVERY_DAYS = MappingProxyType({"A": 30, "B": 90, "C": 365})  # days between counts


@dataclass(frozen=True)
class Settings:
    reservation_ttl: timedelta = timedelta(minutes=60)
    webhook_allow_private_addresses: bool = False
    abc_shares: tuple[Decimal, Decimal] = DEFAULT_ABC_SHARES
    abc_count_every_days: Mapping[str, int] = field(default_factory=lambda: DEFAULT_ABC_EVERY_DAYS)
    # Per ABC class: {"units": 1, "percent": "2"} or (units, percent); counts parses them.
    count_tolerances: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping) -> Settings:
        """Refuses (ValueError) a configuration that cannot work, at start-up."""
        return cls(
            reservation_ttl=timedelta(minutes=int(config.get("RESERVATION_TTL_MINUTES", 60))),
            webhook_allow_private_addresses=bool(config.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES")),
            abc_shares=_shares(config.get("ABC_SHARES")),
            abc_count_every_days=MappingProxyType(
                {
                    **DEFAULT_ABC_EVERY_DAYS,
                    **{k: int(v) for k, v in (config.get("ABC_COUNT_EVERY_DAYS") or {}).items()},
                }
            ),
            count_tolerances=MappingProxyType(dict(config.get("COUNT_TOLERANCES") or {})),
        )


def _shares(shares) -> tuple[Decimal, Decimal]:
    if not shares:
        return DEFAULT_ABC_SHARES
    a, b = (Decimal(str(x)) for x in shares)
    if not (0 < a < 1 and 0 <= b < 1 - a):
        raise ValueError("ABC_SHARES must be (A, B) with 0 < A < 1 and A + B < 1, e.g. (0.8, 0.15).")
    return a, b
