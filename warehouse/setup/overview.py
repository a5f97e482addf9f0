"""What a warehouse has set up so far: the counts on the setup home page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from warehouse.accounts.models import User
from warehouse.catalog.models import Bin, Location, Product
from warehouse.core.extensions import db


@dataclass(frozen=True)
class Counts:
    locations: int
    bins: int
    products: int
    users: int


def counts() -> Counts:
    return Counts(
        *(db.session.scalar(select(func.count()).select_from(m)) or 0 for m in (Location, Bin, Product, User))
    )
