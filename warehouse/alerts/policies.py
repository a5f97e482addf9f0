"""Reorder policies saved by SKU x location (the API's replenishment configuration; the
policies import may call the same): the figures given replace the policy's, a figure left
out keeps its value (a new policy starts at 0 with no max level), and a max level given as
None clears it. The max level, when set, is at or above the reorder point.

`save` takes a list and writes all of it or nothing, naming every refused line;
`save_one` is the same rule for one policy (a product's reorder point set with the
product). Both judge the alerts of every pair written in the same transaction: a new
reorder point changes which alerts hold, now rather than at the next posting.

Domain code: reads no request; a few queries per list, not per line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select, tuple_

from warehouse.accounts.models import Role, User
from warehouse.alerts.models import ReorderPolicy
from warehouse.alerts.rules import judge
from warehouse.catalog.models import Location, Product
from warehouse.core.errors import (
    DomainError,
    MaxLevelBelowReorderPoint,
    NotAllowed,
    NotFound,
    PoliciesRefused,
    PolicyFigureOutOfRange,
    PolicyListedTwice,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import atomically

FIGURES = ("reorder_point", "reorder_qty", "max_level", "lead_time_days", "safety_stock")
HIGH = 1_000_000_000  # inside a 32-bit INTEGER
MAX_LEAD_TIME_DAYS = 3650
DEFAULTS = {"reorder_point": 0, "reorder_qty": 0, "max_level": None, "lead_time_days": 0, "safety_stock": 0}


@dataclass(frozen=True)
class PolicySpec:
    """One SKU x location and only the figures given (names from FIGURES)."""

    sku: str
    location: str
    figures: Mapping[str, int | None]


def save(specs: Sequence[PolicySpec], *, actor_id: int | None) -> list[ReorderPolicy]:
    """Create or update each spec's policy, in order; PoliciesRefused naming every
    refused line (and nothing written) when any breaks a rule."""

    def work() -> list[ReorderPolicy]:
        _check_actor(actor_id)
        known, checked, problems = _Known(specs), [], []
        for index, spec in enumerate(specs):
            try:
                checked.append(known.check(spec))
            except DomainError as refusal:
                problems.append(_problem(index, spec, refusal))
        if problems:
            raise PoliciesRefused(_summary(problems, len(specs)), problems)
        return _write(known, checked)

    return atomically(work)


def save_one(spec: PolicySpec, *, actor_id: int | None) -> ReorderPolicy:
    """One policy; the rule it breaks is raised as itself."""

    def work() -> ReorderPolicy:
        _check_actor(actor_id)
        known = _Known([spec])
        return _write(known, [known.check(spec)])[0]

    return atomically(work)


def problems(specs: Sequence[PolicySpec]) -> list[str | None]:
    """Each spec's refusal, or None; writes nothing (an import's preview)."""
    known, out = _Known(specs), []
    for spec in specs:
        try:
            known.check(spec)
            out.append(None)
        except DomainError as refusal:
            out.append(refusal.message)
    return out


def _check_actor(actor_id: int | None) -> None:
    """Reorder figures are a supervisor's decision (None: the system, e.g. an import that
    checked its admin already)."""
    if actor_id is None:
        return
    actor = db.session.get(User, actor_id)
    if actor is None or not actor.active or actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise NotAllowed(msg("Only a supervisor or an admin can change reorder policies."))


class _Known:
    """The products, locations and policies a list names, in three queries."""

    def __init__(self, specs: Sequence[PolicySpec]):
        skus, codes = {s.sku for s in specs}, {s.location for s in specs}
        self.products = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(skus)))}
        self.locations = {
            loc.code: loc for loc in db.session.scalars(select(Location).where(Location.code.in_(codes)))
        }
        pairs = {
            (self.products[s.sku].id, self.locations[s.location].id)
            for s in specs
            if s.sku in self.products and s.location in self.locations
        }
        self.policies = {
            (p.product_id, p.location_id): p
            for p in (
                db.session.scalars(
                    select(ReorderPolicy).where(
                        tuple_(ReorderPolicy.product_id, ReorderPolicy.location_id).in_(pairs)
                    )
                )
                if pairs
                else []
            )
        }
        self.seen: set[tuple[int, int]] = set()

    def check(self, spec: PolicySpec) -> tuple[tuple[int, int], dict[str, int | None]]:
        """The pair and the figures it will hold, or the first rule the spec breaks."""
        product, location = self.products.get(spec.sku), self.locations.get(spec.location)
        if product is None:
            raise NotFound(msg("No product {sku}. Create it first, or check the SKU.", sku=repr(spec.sku)))
        if location is None:
            raise NotFound(
                msg(
                    "No location {location}. Create it first, or check the code.",
                    location=repr(spec.location),
                )
            )
        pair = (product.id, location.id)
        if pair in self.seen:
            raise PolicyListedTwice(
                msg(
                    "{sku} at {location} is listed twice: list it once.", sku=spec.sku, location=spec.location
                )
            )
        figures = _figures(spec, self.policies.get(pair))
        self.seen.add(pair)
        return pair, figures


def _figures(spec: PolicySpec, policy: ReorderPolicy | None) -> dict[str, int | None]:
    unknown = sorted(set(spec.figures) - set(FIGURES))
    if unknown:
        raise PolicyFigureOutOfRange(
            msg(
                "Unknown policy figure {figure}: use {figures}.",
                figure=repr(unknown[0]),
                figures=", ".join(FIGURES),
            )
        )
    figures = {}
    for name in FIGURES:
        if name in spec.figures:
            figures[name] = _figure(name, spec.figures[name])
        else:
            figures[name] = getattr(policy, name) if policy is not None else DEFAULTS[name]
    if figures["max_level"] is not None and figures["max_level"] < figures["reorder_point"]:
        raise MaxLevelBelowReorderPoint(
            msg(
                "{sku} at {location}: max_level {max_level:,} is below reorder_point {reorder_point:,}. "
                "Raise max_level or lower the reorder point.",
                sku=spec.sku,
                location=spec.location,
                max_level=figures["max_level"],
                reorder_point=figures["reorder_point"],
            )
        )
    return figures


def _figure(name: str, value) -> int | None:
    if value is None and name == "max_level":
        return None  # clears the max level
    high = MAX_LEAD_TIME_DAYS if name == "lead_time_days" else HIGH
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise PolicyFigureOutOfRange(
            msg(
                "{name} must be a whole number from 0 to {high:,}, not {value}.",
                name=name,
                high=high,
                value=repr(value),
            )
        )
    return value


def _write(known: _Known, checked: list[tuple[tuple[int, int], dict]]) -> list[ReorderPolicy]:
    written = []
    for pair, figures in checked:
        policy = known.policies.get(pair)
        if policy is None:
            policy = ReorderPolicy(product_id=pair[0], location_id=pair[1])
            db.session.add(policy)
            known.policies[pair] = policy
        for name, value in figures.items():
            setattr(policy, name, value)
        written.append(policy)
    judge({pair for pair, _ in checked})  # flushes the policies first
    return written


def _problem(index: int, spec: PolicySpec, refusal: DomainError) -> dict:
    return {
        "index": index,
        "sku": spec.sku,
        "location": spec.location,
        "code": refusal.code,
        "message": refusal.message,
    }


def _summary(problems: list[dict], total: int) -> str:
    first = problems[0]
    return msg(
        "Nothing was saved: {refused} of {total} policies are refused (each is named in "
        "details.items). The first, item {index}: {first}",
        refused=len(problems),
        total=total,
        index=first["index"],
        first=first["message"],
    )
