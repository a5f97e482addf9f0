"""Stock alert rules: alerts raised and cleared by postings (people acknowledge and
resolve them in lifecycle.py; per-SKU settings are in alert_settings.py).

After every posting (`ledger.after_posting`, inside the posting's transaction) each
(product, location) the posting touched is judged against its reorder policy and its alert
setting:

- low_stock: on hand <= the setting's threshold, else the policy's reorder point;
- out_of_stock: available (on hand - reserved - held over the location's bins and lots)
  <= 0 (not in transit locations, where stock only passes through);
- reorder_needed: on hand <= the policy's reorder point and nothing inbound (units on
  transfers to the location that are approved or in transit);
- overstock: on hand above the policy's max level.

At most one live (open or acknowledged) alert per kind x SKU x location: `live_key` is
unique and set only while the alert is live, and alerts are inserted with ON CONFLICT DO
NOTHING, so racing postings never make two. An alert whose condition ended is cleared.
A muted setting raises nothing (live alerts still clear when their condition ends).

Cost per posting is a constant number of statements whatever its size: one read of the
touched places (totals, policy, setting, live alerts), one of inbound units only when some
place is at or below its reorder point, and one statement per kind of change (insert,
clear) only when something changed.

A limit worth knowing: on PostgreSQL two postings on *different bins* of the same SKU and
location commit independently, and each judges the place without the other's uncommitted
units; the next posting there judges it again. Postings on the same bin queue on its row
lock and are judged in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, and_, bindparam, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.util import identity_key

from warehouse import ledger, transfers
from warehouse.alerts.models import (
    Alert,
    AlertKind,
    AlertSetting,
    AlertStatus,
    ReorderPolicy,
    condition_message,
)
from warehouse.catalog.models import NO_LOT, Bin, Location, LocationType, Lot, Product
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.integrations import events
from warehouse.ledger.models import Balance, MovementType
from warehouse.transfers.models import Transfer, TransferLine

K, A = AlertKind, AlertStatus
ADJUSTMENTS = (MovementType.ADJUSTMENT, MovementType.ADJUSTMENT_COUNT)
# stock.low also goes out as inventory.low-stock, the name automation flows built for the
# storefront module trigger on (same payload).
EVENT_FOR = {K.LOW_STOCK: ("stock.low", "inventory.low-stock"), K.OUT_OF_STOCK: ("stock.out",)}


def live_key(kind: AlertKind, product_id: int, location_id: int) -> str:
    return f"{AlertKind(kind).value}:{product_id}:{location_id}"


# --- judging a place ---------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One SKU at one location, as the posting left it."""

    product_id: int
    location_id: int
    sku: str
    location_code: str
    transit: bool
    on_hand: int
    available: int
    reorder_point: int | None  # None: no policy
    max_level: int | None
    threshold: int | None  # the setting's override of the reorder point
    muted: bool
    live: dict  # AlertKind -> live alert id
    watched: bool = True  # has (had) stock here, or a policy or setting: out_of_stock applies

    @property
    def low_mark(self) -> int | None:
        return self.threshold if self.threshold is not None else self.reorder_point

    def conditions(self, inbound: int) -> dict[AlertKind, tuple[int | None, str]]:
        """Kinds whose condition holds now -> (threshold judged against, message)."""
        marks = {}
        if self.low_mark is not None and self.on_hand <= self.low_mark:
            marks[K.LOW_STOCK] = self.low_mark
        if self.available <= 0 and self.watched and not self.transit:
            marks[K.OUT_OF_STOCK] = 0
        if self.reorder_point is not None and self.on_hand <= self.reorder_point and inbound <= 0:
            marks[K.REORDER_NEEDED] = self.reorder_point
        if self.max_level is not None and self.on_hand > self.max_level:
            marks[K.OVERSTOCK] = self.max_level
        return {
            kind: (mark, condition_message(kind, self.sku, self.location_code, self.on_hand, mark))
            for kind, mark in marks.items()
        }


def _live_id(kind: AlertKind):
    key = literal(f"{kind.value}:") + cast(Product.id, String) + literal(":") + cast(Location.id, String)
    return select(Alert.id).where(Alert.live_key == key).scalar_subquery().label(f"live_{kind.value}")


def _build_places_query():
    """Every asked (product, location) pair, with or without stock there (a SKU with a
    policy and nothing ever received is still low), with its totals, policy, setting and
    live alerts, in one statement."""
    b = Balance
    stock = (
        select(
            b.product_id,
            b.location_id,
            func.sum(b.on_hand).label("on_hand"),
            func.sum(Balance.available).label("available"),
        )
        # By product only: with a location filter too, SQLite (no ANALYZE) scans the
        # location's balances instead of the product's few rows.
        .where(b.product_id.in_(bindparam("products", expanding=True)))
        .group_by(b.product_id, b.location_id)
        .subquery()
    )
    policy, setting = ReorderPolicy, AlertSetting
    return (
        select(
            Product.id.label("product_id"),
            Location.id.label("location_id"),
            stock.c.product_id.is_not(None).label("had_stock"),
            func.coalesce(stock.c.on_hand, 0).label("on_hand"),
            func.coalesce(stock.c.available, 0).label("available"),
            Product.sku,
            Location.code,
            Location.type,
            policy.reorder_point,
            policy.max_level,
            setting.id.label("setting_id"),
            setting.low_stock_threshold,
            setting.muted,
            *[_live_id(kind) for kind in K],
        )
        .select_from(Product)
        .join(Location, literal(True))  # the pairs asked for: few
        .outerjoin(stock, and_(stock.c.product_id == Product.id, stock.c.location_id == Location.id))
        .outerjoin(ReorderPolicy, and_(policy.product_id == Product.id, policy.location_id == Location.id))
        .outerjoin(AlertSetting, and_(setting.product_id == Product.id, setting.location_id == Location.id))
        .where(
            Product.id.in_(bindparam("products", expanding=True)),
            Location.id.in_(bindparam("locations", expanding=True)),
        )
    )


_PLACES = _build_places_query()  # built once: the posting path is benchmarked


def _places(pairs: set[tuple[int, int]]) -> list[Place]:
    rows = db.session.connection().execute(
        _PLACES, {"products": sorted({p for p, _ in pairs}), "locations": sorted({l for _, l in pairs})}
    )
    places = []
    for r in rows:
        if (r.product_id, r.location_id) not in pairs:
            continue  # the IN lists cross every product with every location
        live = {kind: getattr(r, f"live_{kind.value}") for kind in K}
        places.append(
            Place(
                r.product_id,
                r.location_id,
                r.sku,
                r.code,
                LocationType(r.type) is LocationType.TRANSIT,
                int(r.on_hand),
                int(r.available),
                r.reorder_point,
                r.max_level,
                r.low_stock_threshold,
                bool(r.muted),
                {k: v for k, v in live.items() if v is not None},
                watched=bool(r.had_stock) or r.reorder_point is not None or r.setting_id is not None,
            )
        )
    return places


def inbound_units(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Units on their way to each (product, location) (transfers.units_arriving)."""
    if not pairs:
        return {}
    rows = db.session.execute(
        select(TransferLine.product_id, Transfer.to_location_id, func.sum(transfers.units_arriving()))
        .join(Transfer, Transfer.id == TransferLine.transfer_id)
        .where(
            Transfer.status.in_(transfers.INBOUND),
            TransferLine.product_id.in_({p for p, _ in pairs}),
            Transfer.to_location_id.in_({l for _, l in pairs}),
        )
        .group_by(TransferLine.product_id, Transfer.to_location_id)
    )
    return {(p, l): int(q or 0) for p, l, q in rows if (p, l) in pairs}


# --- the listener ------------------------------------------------------------------------


def evaluate(made: ledger.PostingMade) -> None:
    """Raise and clear alerts for the places a posting touched (its transaction)."""
    places = judge(made.places | _transfer_destinations(made))
    if made.type in ADJUSTMENTS:
        _announce_adjustment(made, places)


def _transfer_destinations(made: ledger.PostingMade) -> set[tuple[int, int]]:
    """A transfer's postings (approve, cancel, ship) change what is inbound at its
    destination, so reorder_needed there is judged again too. The transfer is normally in
    the session already (its service is posting), so this costs no query."""
    if not made.reference or made.reference[0] != "transfer":
        return set()
    transfer = transfers.by_number(made.reference[1])
    return {(line.product_id, transfer.to_location_id) for line in made.lines} if transfer else set()


def judge(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Place]:
    """Bring the live alerts of these (product, location) pairs in line with their stock.
    Runs inside the caller's write transaction (services may call it after changing a
    policy or setting)."""
    if not pairs:
        return {}
    db.session.flush()  # ORM changes of the caller (a policy, a transfer's status) count
    places = _places(set(pairs))
    near = {
        (p.product_id, p.location_id)
        for p in places
        if p.reorder_point is not None and p.on_hand <= p.reorder_point
    }
    inbound = inbound_units(near) if near else {}
    now = utcnow()
    to_raise, to_clear = [], []
    for place in places:
        holds = place.conditions(inbound.get((place.product_id, place.location_id), 0))
        to_clear += [alert_id for kind, alert_id in place.live.items() if kind not in holds]
        if not place.muted:
            to_raise += [(place, kind, *holds[kind]) for kind in holds if kind not in place.live]
    if to_clear:
        db.session.connection().execute(
            update(Alert.__table__)
            .where(Alert.id.in_(sorted(to_clear)), Alert.live_key.is_not(None))
            .values(status=A.CLEARED, live_key=None, closed_at=now)
        )
    if to_raise:
        _raise(to_raise, now)
    return {(p.product_id, p.location_id): p for p in places}


def _raise(to_raise: list, now) -> None:
    conn = db.session.connection()
    rows = [
        dict(
            kind=kind,
            product_id=place.product_id,
            location_id=place.location_id,
            live_key=live_key(kind, place.product_id, place.location_id),
            status=A.OPEN,
            threshold=threshold,
            on_hand=place.on_hand,
            available=place.available,
            message=message[:300],
            raised_at=now,
        )
        for place, kind, threshold, message in to_raise
    ]
    rows.sort(key=lambda row: row["live_key"])  # one lock order for every posting: no deadlocks
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        make(Alert.__table__)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["org_id", "live_key"])
        .returning(Alert.id, Alert.live_key)
    )
    made = {key: alert_id for alert_id, key in conn.execute(statement)}
    for place, kind, threshold, _message in to_raise:  # only alerts this posting made
        alert_id = made.get(live_key(kind, place.product_id, place.location_id))
        if alert_id is not None and kind in EVENT_FOR:
            payload = dict(
                alert_id=alert_id,
                kind=kind.value,
                sku=place.sku,
                product_id=place.product_id,
                location=place.location_code,
                location_id=place.location_id,
                on_hand=place.on_hand,
                available=place.available,
                reorder_point=place.reorder_point,
                threshold=threshold,
            )
            for event in EVENT_FOR[kind]:
                events.publish(event, payload)


_BINS = select(Bin.id, Bin.code).where(Bin.id.in_(bindparam("ids", expanding=True)))
_LOTS = select(Lot.id, Lot.code).where(Lot.id.in_(bindparam("ids", expanding=True)))


def _announce_adjustment(made: ledger.PostingMade, places: dict[tuple[int, int], Place]) -> None:
    """One stock.adjusted event per adjustment posting, with every line. SKUs and location
    codes come from the places just judged; bin and lot codes from the session (the service
    that posted loaded them), else in one query each."""
    bins = _codes(Bin, _BINS, {line.bin_id for line in made.lines})
    lots = _codes(Lot, _LOTS, {line.lot_id for line in made.lines if line.lot_id != NO_LOT})
    lines = []
    for line in sorted(made.lines):
        place = places[(line.product_id, line.location_id)]
        after = made.balances_after[line.key]
        lines.append(
            dict(
                sku=place.sku,
                location=place.location_code,
                bin=bins.get(line.bin_id),
                lot=lots.get(line.lot_id),
                qty=line.qty,
                on_hand_after=after[0],
                available_after=_available(after),
            )
        )
    events.publish(
        "stock.adjusted",
        dict(
            posting_id=made.posting_id,
            type=made.type.value,
            reason=made.reason.value if made.reason else None,
            reference=":".join(made.reference) if made.reference else None,
            actor_id=made.actor_id,
            lines=lines,
        ),
    )


def _codes(model, query, ids: set[int]) -> dict[int, str]:
    """id -> code for rows of `model`: those already in the session cost no query."""
    known = {}
    for id in ids:
        row = db.session.identity_map.get(identity_key(model, id))
        if row is not None and "code" in row.__dict__:  # loaded, not expired
            known[id] = row.code
    missing = sorted(ids - known.keys())
    if missing:
        known.update(db.session.connection().execute(query, {"ids": missing}).all())
    return known


def _available(after: tuple[int, int, int]) -> int:
    on_hand, reserved, held = after
    return on_hand - reserved - held
