"""Replenishment: what to reorder where, and what the reorder points should be.

- `reorder_report`: every SKU x location whose on-hand is at or below its reorder point
  (ReorderPolicy), with what is reserved, held and still inbound on transfers, and the
  quantity to order: the policy's reorder_qty when set, else enough to fill up to
  max_level counting what is already inbound. One aggregate query, whatever the size.
- `suggested_reorder_point`: the seed formula, average daily outbound x lead time +
  safety stock, with the outbound read from the ledger (units leaving the location by
  sale, fulfilment or transfer) over the last N days, rounded up. It returns the figures
  used, so a page can show the working before a supervisor applies it.
- `apply_reorder_point`: a supervisor sets a policy's reorder point (not a stock change).
- The same rows for spreadsheets and paper: `paper.reorder_report`.

Domain code: reads no request; the web pages, the API and the CLI call the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, select, update

from warehouse import alerts, transfers
from warehouse.accounts.models import Role, User
from warehouse.alerts.models import ReorderPolicy
from warehouse.catalog.models import Location, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import DaysOutOfRange, NotAllowed, NotFound, ReorderPointOutOfRange
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.money import money
from warehouse.core.transactions import atomically
from warehouse.ledger.models import Balance, Movement, MovementType

# slips.py's fonts, margins and "page N of M", so all our paper looks alike
from warehouse.transfers.models import Transfer, TransferLine

OUTBOUND = (MovementType.OUTBOUND_SALE, MovementType.FULFILL, MovementType.TRANSFER_OUT)
MAX_REORDER_POINT = 1_000_000_000  # a policy figure, kept inside a 32-bit INTEGER
MAX_DAYS = 3650  # the longest outbound window a suggestion looks back over
MAX_ID = 2_147_483_647  # ids are 32-bit INTEGER columns: larger ones exist nowhere
MANY = 500  # above this many products, filter the ledger by location and time only
NO_POLICY = msg("No reorder policy for this SKU at this location. Ask an admin to add one.")


@dataclass(frozen=True)
class ReorderRow:
    sku: str
    product_name: str
    product_id: int
    location_id: int
    location_code: str
    on_hand: int
    reserved: int
    held: int
    available: int  # on_hand - reserved - held
    inbound: int  # units on approved or in-transit transfers to this location
    reorder_point: int
    reorder_qty: int
    max_level: int | None
    suggested_qty: int
    unit_cost: Decimal
    suggested_value: Decimal  # suggested_qty x unit_cost, to the cent


@dataclass(frozen=True)
class Suggestion:
    """A suggested reorder point and the working behind it."""

    product_id: int
    location_id: int
    days: int  # length of the outbound window
    since: datetime  # window start (inclusive, naive UTC)
    until: datetime  # window end (exclusive): the midnight after `today`
    units_out: int  # units that left the location in the window
    average_daily: Decimal  # units_out / days, to 2 places (for showing; value uses the exact figure)
    lead_time_days: int
    safety_stock: int
    value: int  # ceil(units_out x lead_time_days / days) + safety_stock
    current: int  # the policy's reorder point now

    @property
    def changes(self) -> bool:
        return self.value != self.current

    @property
    def working(self) -> str:
        return msg(
            "{units_out} out in {days} days = {average}/day × {lead_time} days lead time "
            "+ {safety_stock} safety stock → {value}",
            units_out=self.units_out,
            days=self.days,
            average=self.average_daily,
            lead_time=self.lead_time_days,
            safety_stock=self.safety_stock,
            value=self.value,
        )


# --- the reorder report -----------------------------------------------------------------


def reorder_report(location_id: int | None = None) -> list[ReorderRow]:
    """SKUs at or below their reorder point (on_hand <= reorder_point, per the policy of
    each product x location), sorted by location code then SKU. Inactive products and
    locations are left out."""
    stock, inbound = _stock_by_place(location_id), _inbound_by_place(location_id)
    on_hand, reserved, held, arriving = (
        func.coalesce(c, 0) for c in (stock.c.on_hand, stock.c.reserved, stock.c.held, inbound.c.units)
    )
    query = (
        select(
            ReorderPolicy,
            Product.sku,
            Product.name,
            Product.unit_cost,
            Location.code,
            on_hand,
            reserved,
            held,
            arriving,
        )
        .join(Product, Product.id == ReorderPolicy.product_id)
        .join(Location, Location.id == ReorderPolicy.location_id)
        .outerjoin(
            stock,
            and_(
                stock.c.product_id == ReorderPolicy.product_id,
                stock.c.location_id == ReorderPolicy.location_id,
            ),
        )
        .outerjoin(
            inbound,
            and_(
                inbound.c.product_id == ReorderPolicy.product_id,
                inbound.c.location_id == ReorderPolicy.location_id,
            ),
        )
        .where(Product.active.is_(True), Location.active.is_(True), on_hand <= ReorderPolicy.reorder_point)
        .order_by(Location.code, Product.sku)
    )
    if location_id is not None:
        if not _is_id(location_id):
            return []  # no such location (and no id the database column could hold)
        query = query.where(ReorderPolicy.location_id == location_id)
    return [_row(*r) for r in db.session.execute(query)]


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _stock_by_place(location_id: int | None):
    """On hand, reserved and held per product x location (summed over bins and lots)."""
    query = select(
        Balance.product_id,
        Balance.location_id,
        func.sum(Balance.on_hand).label("on_hand"),
        func.sum(Balance.reserved).label("reserved"),
        func.sum(Balance.held).label("held"),
    ).group_by(Balance.product_id, Balance.location_id)
    if location_id is not None:
        query = query.where(Balance.location_id == location_id)
    return query.subquery("stock")


def _inbound_by_place(location_id: int | None):
    """Units that will arrive per product x destination (transfers.units_arriving)."""
    query = (
        select(
            TransferLine.product_id,
            Transfer.to_location_id.label("location_id"),
            func.sum(transfers.units_arriving()).label("units"),
        )
        .join(Transfer, Transfer.id == TransferLine.transfer_id)
        .where(Transfer.status.in_(transfers.INBOUND))
        .group_by(TransferLine.product_id, Transfer.to_location_id)
    )
    if location_id is not None:
        query = query.where(Transfer.to_location_id == location_id)
    return query.subquery("inbound")


def _row(
    policy: ReorderPolicy, sku, name, unit_cost, location_code, on_hand, reserved, held, inbound
) -> ReorderRow:
    on_hand, reserved, held, inbound = (int(x) for x in (on_hand, reserved, held, inbound))
    qty = suggested_qty(on_hand, inbound, policy.reorder_point, policy.reorder_qty, policy.max_level)
    cost = Decimal(unit_cost or 0)
    return ReorderRow(
        sku=sku,
        product_name=name,
        product_id=policy.product_id,
        location_id=policy.location_id,
        location_code=location_code,
        on_hand=on_hand,
        reserved=reserved,
        held=held,
        available=on_hand - reserved - held,
        inbound=inbound,
        reorder_point=policy.reorder_point,
        reorder_qty=policy.reorder_qty,
        max_level=policy.max_level,
        suggested_qty=qty,
        unit_cost=cost,
        suggested_value=money(cost * qty),
    )


def suggested_qty(
    on_hand: int, inbound: int, reorder_point: int, reorder_qty: int, max_level: int | None
) -> int:
    """The policy's fixed reorder_qty when set; else fill up to max_level counting what
    is inbound; with neither, back up to the reorder point. Never negative."""
    if reorder_qty:
        return reorder_qty
    target = max_level if max_level is not None else reorder_point
    return max(target - (on_hand + inbound), 0)


# --- suggested reorder points from the ledger -------------------------------------------


def suggested_reorder_point(
    product_id: int, location_id: int, *, days: int = 90, today: date | None = None
) -> Suggestion:
    """The seed formula for one policy. NotFound when the product has no reorder policy
    at the location (an admin adds policies)."""
    found = suggestions([(product_id, location_id)], days=days, today=today)
    if (product_id, location_id) not in found:
        raise NotFound(NO_POLICY)
    return found[(product_id, location_id)]


def suggestions(
    places: Iterable[tuple[int, int]], *, days: int = 90, today: date | None = None
) -> dict[tuple[int, int], Suggestion]:
    """Suggestions for many (product_id, location_id) pairs in two queries (the policies,
    and the outbound units grouped by product x location); pairs without a policy are
    left out."""
    days = _window_days(days)
    places = {(p, l) for p, l in places if _is_id(p) and _is_id(l)}
    if not places:
        return {}
    until = datetime.combine((today or utcnow().date()) + timedelta(days=1), time())
    since = until - timedelta(days=days)
    products, locations = {p for p, _ in places}, {l for _, l in places}
    policies = select(ReorderPolicy).where(ReorderPolicy.location_id.in_(locations))
    outbound = (
        select(Movement.product_id, Movement.location_id, func.sum(-Movement.qty))
        .where(
            Movement.created_at >= since,
            Movement.created_at < until,
            Movement.location_id.in_(locations),
            Movement.type.in_(OUTBOUND),
            Movement.qty < 0,
        )
        .group_by(Movement.product_id, Movement.location_id)
    )
    if len(products) <= MANY:  # a long IN list costs more than it saves (and has limits)
        policies = policies.where(ReorderPolicy.product_id.in_(products))
        outbound = outbound.where(Movement.product_id.in_(products))
    out = {(p, l): int(units) for p, l, units in db.session.execute(outbound)}
    found = {}
    for policy in db.session.scalars(policies):
        place = (policy.product_id, policy.location_id)
        if place in places:
            found[place] = _suggest(policy, out.get(place, 0), days, since, until)
    return found


def _suggest(policy: ReorderPolicy, units_out: int, days: int, since, until) -> Suggestion:
    lead = policy.lead_time_days
    cover = -(-units_out * lead // days)  # ceil in whole numbers: no float rounding
    return Suggestion(
        product_id=policy.product_id,
        location_id=policy.location_id,
        days=days,
        since=since,
        until=until,
        units_out=units_out,
        average_daily=money(Decimal(units_out) / days),
        lead_time_days=lead,
        safety_stock=policy.safety_stock,
        value=cover + policy.safety_stock,
        current=policy.reorder_point,
    )


def _window_days(days) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise DaysOutOfRange(msg("The outbound window must be 1 to {most:,} days.", most=MAX_DAYS))
    return days


# --- applying a suggestion --------------------------------------------------------------


def apply_reorder_point(product_id: int, location_id: int, value: int, *, actor_id: int) -> ReorderPolicy:
    """Set the reorder point of one policy (a supervisor's decision; not a stock change)
    and bring the place's alerts in line with it. Refused, writing nothing, when the value
    is not a whole number in range, lies above the policy's max level, or there is no such
    policy."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_REORDER_POINT:
        raise ReorderPointOutOfRange(
            msg("The reorder point must be a whole number from 0 to {most:,}.", most=MAX_REORDER_POINT)
        )
    if not (_is_id(product_id) and _is_id(location_id)):
        raise NotFound(NO_POLICY)

    def run() -> ReorderPolicy:
        actor = db.session.get(User, actor_id) if actor_id else None
        if actor is None or not actor.active or actor.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise NotAllowed(msg("Only a supervisor can change reorder points."))
        # Guarded: the max-level rule is in the WHERE, so no write breaks the CHECK.
        changed = db.session.execute(
            update(ReorderPolicy)
            .where(
                ReorderPolicy.product_id == product_id,
                ReorderPolicy.location_id == location_id,
                (ReorderPolicy.max_level.is_(None)) | (ReorderPolicy.max_level >= value),
            )
            .values(reorder_point=value)
            .execution_options(synchronize_session=False)
        ).rowcount
        policy = db.session.scalar(
            select(ReorderPolicy)
            .where(ReorderPolicy.product_id == product_id, ReorderPolicy.location_id == location_id)
            .execution_options(populate_existing=True)
        )
        if policy is None:
            raise NotFound(NO_POLICY)
        if not changed:
            raise ReorderPointOutOfRange(
                msg(
                    "A reorder point of {value:,} is above the max level {max_level:,}. "
                    "Choose {max_level:,} or less, or ask an admin to raise the max level.",
                    value=value,
                    max_level=policy.max_level,
                )
            )
        # A new point changes which alerts hold (low stock, reorder needed): judge the
        # place again now, in this transaction, rather than at its next posting.
        alerts.judge({(product_id, location_id)})
        return policy

    return atomically(run)


# --- export -----------------------------------------------------------------------------
