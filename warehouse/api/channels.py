"""Selling channels over the API: channels, their rules per location (the endpoint
catalogue's "availability records"), the ATP matrix of a location, one SKU's drill-down,
the summary per channel and the check of quantities on a channel. The same services as
the /channels pages (warehouse/availability/channels.py, channel_reads.py), so both show
the same figures; every ATP is atp.py's formula.

Who: the matrix, drill-down, summary, channels and rules are the /channels page's, a
supervisor's (an operator's token is refused: the figures sum bins that may be being
counted, and the page is a supervisor's); changing channels and rules is setup, an admin's
(`inventory.adjust` with the admin role, as `POST /api/locations`). The check is a
storefront's question, open to `inventory.read` like `POST /api/availability/check`: an
operator's token gets null figures where they sum a bin being counted, `ok` still answers.
"""

from __future__ import annotations

from warehouse.accounts import permissions as P
from warehouse.accounts.models import Role
from warehouse.availability import channel_reads, channels
from warehouse.availability.models import Channel, ChannelLocation
from warehouse.catalog import locations
from warehouse.counts.blind import blindfold_for
from warehouse.ledger import stock

from . import blind, bp, examples, reads
from . import channel_schemas as s
from .spec import operation
from .types import Page, PageMeta

SETUP = dict(permission=P.INVENTORY_ADJUST, role=Role.ADMIN)
SUPERVISORS = dict(permission=P.INVENTORY_READ, role=Role.SUPERVISOR)


def channel_out(channel: Channel) -> s.ChannelOut:
    return s.ChannelOut.model_validate(channel)


def rule_out(rule: ChannelLocation) -> s.RuleOut:
    return s.RuleOut(
        id=rule.id,
        channel=rule.channel.code,
        channel_name=rule.channel.name,
        location=rule.location.code,
        can_sell=rule.can_sell,
        buffer=rule.buffer,
        share_percent=rule.share_percent,
        updated_at=rule.updated_at,
    )


# --- channels ----------------------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/channels",
    summary="Selling channels, by code",
    tag="channels",
    **SUPERVISORS,
    query=s.ChannelQuery,
    response=Page[s.ChannelOut],
)
def list_channels(caller, query: s.ChannelQuery):
    listed = reads.page_of(channels.listing(active=query.active), query.page, query.limit)
    return Page[s.ChannelOut](data=[channel_out(c) for c in listed.rows], meta=listed.meta)


@operation(
    bp,
    "POST",
    "/channels",
    summary="Add a selling channel (admin)",
    tag="channels",
    **SETUP,
    body=s.ChannelIn,
    response=s.ChannelOut,
    status=201,
    example=examples.CHANNEL_IN,
    answer=examples.CHANNEL,
)
def create_channel(caller, body: s.ChannelIn):
    """It sells from nowhere until a rule says where (`POST /api/inventory/availability`).
    A code taken already (in any case) is `409 channel_code_taken`."""
    return channel_out(channels.create(body.code, body.name, active=body.active, actor_id=caller.user_id))


@operation(
    bp,
    "PATCH",
    "/channels/<string:code>",
    summary="Rename, activate or deactivate a channel (admin)",
    tag="channels",
    **SETUP,
    body=s.ChannelChange,
    response=s.ChannelOut,
    example=examples.CHANNEL_PATCH,
    answer={**examples.CHANNEL, **examples.CHANNEL_PATCH},
)
def change_channel(caller, code: str, body: s.ChannelChange):
    """Fields left out (or null) keep their value; the code never changes. An inactive
    channel keeps its rules and promises nothing (ATP 0 everywhere)."""
    return channel_out(channels.change(code, name=body.name, active=body.active, actor_id=caller.user_id))


# --- rules: availability records ----------------------------------------------------------


@operation(
    bp,
    "GET",
    "/inventory/availability",
    summary="Availability records: channel rules per location",
    tag="channels",
    **SUPERVISORS,
    query=s.RuleQuery,
    response=Page[s.RuleOut],
)
def list_rules(caller, query: s.RuleQuery):
    """By channel code, then location code; `channel` and `location` (or `locationId`)
    narrow the list."""
    channel = channels.require(query.channel) if query.channel else None
    location = locations.require(query.location) if query.location else None
    chosen = channels.rules(
        channel_id=channel.id if channel else None, location_id=location.id if location else None
    )
    listed = reads.page_of(chosen, query.page, query.limit)
    return Page[s.RuleOut](data=[rule_out(r) for r in listed.rows], meta=listed.meta)


@operation(
    bp,
    "GET",
    "/inventory/availability/<int:availability_id>",
    summary="One availability record",
    tag="channels",
    **SUPERVISORS,
    response=s.RuleOut,
)
def get_rule(caller, availability_id: int):
    return rule_out(channels.get_rule(availability_id))


@operation(
    bp,
    "POST",
    "/inventory/availability",
    summary="Set a channel's rule at a location (admin)",
    tag="channels",
    **SETUP,
    body=s.RuleIn,
    response=s.RuleOut,
    example=examples.RULE_IN,
    answer=examples.RULE,
)
def set_rule(caller, body: s.RuleIn):
    """Makes the channel x location rule, or changes it: fields left out keep the rule's
    value (a new rule sells, buffer 0, no share); `share_percent: null` removes the share.
    Only an active location where stock is worked takes a rule (not transit)."""
    return rule_out(
        channels.set_rule(
            body.channel,
            body.location,
            can_sell=body.can_sell,
            buffer=body.buffer,
            share_percent=body.share_percent,
            keep_share="share_percent" not in body.model_fields_set,
            actor_id=caller.user_id,
        )
    )


@operation(
    bp,
    "POST",
    "/inventory/availability/<int:availability_id>",
    summary="Change an availability record (admin)",
    tag="channels",
    **SETUP,
    body=s.RuleChange,
    response=s.RuleOut,
    example=examples.RULE_PATCH,
    answer={**examples.RULE, **examples.RULE_PATCH},
)
def change_rule(caller, availability_id: int, body: s.RuleChange):
    """Fields left out keep their value; `share_percent: null` removes the share."""
    return rule_out(
        channels.change_rule(
            availability_id,
            can_sell=body.can_sell,
            buffer=body.buffer,
            share_percent=body.share_percent,
            keep_share="share_percent" not in body.model_fields_set,
            actor_id=caller.user_id,
        )
    )


@operation(
    bp,
    "DELETE",
    "/inventory/availability/<int:availability_id>",
    summary="Remove an availability record (admin)",
    tag="channels",
    **SETUP,
    response=s.RuleGone,
)
def remove_rule(caller, availability_id: int):
    """The channel no longer sells from that location (as `can_sell: false`, without the
    record). Answers what was removed."""
    return s.RuleGone(**channels.remove_rule(availability_id, actor_id=caller.user_id))


@operation(
    bp,
    "POST",
    "/inventory/availability/check",
    summary="Can these quantities be promised on a channel?",
    tag="channels",
    permission=P.INVENTORY_READ,
    body=s.CheckIn,
    response=s.CheckOut,
    reads=True,
    example=examples.ATP_CHECK_IN,
    answer=examples.ATP_CHECK,
)
def check(caller, body: s.CheckIn):
    """Per item the channel's ATP at the location, or at every location it sells from (each
    figure and their sum), and whether the quantity fits. Only reads: nothing is stored, an
    Idempotency-Key is ignored. An operator's token gets null figures where they sum a bin
    being counted; `ok` still answers."""
    channel = channels.require(body.channel)
    location = locations.require(body.location) if body.location else None
    lines = [(stock.product_by_code(item.sku), item.quantity) for item in body.items]
    found = channel_reads.check(lines, channel=channel, location=location)
    blindfold = blindfold_for(caller.role)
    counted = blind.counted_places(blindfold, (p.id for p, _ in lines))
    items = []
    for line in found:
        places = [
            s.CheckPlace(
                location=place.code,
                **blind.shown(blindfold, (line.product.id, place.id) in counted, atp=atp),
            )
            for place, atp in line.by_place
        ]
        summed = any(p.being_counted for p in places)
        items.append(
            s.CheckResult(
                sku=line.product.sku,
                quantity=line.quantity,
                **blind.shown(blindfold, summed, atp=line.atp),
                ok=line.ok,
                locations=places,
            )
        )
    return s.CheckOut(
        channel=channel.code,
        location=location.code if location else None,
        ok=all(i.ok for i in items),
        items=items,
    )


# --- the matrix, the drill-down, the summary ------------------------------------------------


@operation(
    bp,
    "GET",
    "/inventory/channel-location",
    summary="ATP matrix: a location's SKUs x channels",
    tag="channels",
    **SUPERVISORS,
    query=s.MatrixQuery,
    response=s.MatrixOut,
)
def matrix(caller, query: s.MatrixQuery):
    """The SKUs with stock (a balance row) at the location, by SKU, paged (`limit` up to
    200): on hand, reserved, held, free, and ATP per channel (all, or `channels`: codes or
    ids, comma-separated). The /channels page shows the same rows."""
    found = channel_reads.matrix(
        locations.require(query.location),
        search=query.search,
        channel_codes=_codes(query.channels),
        page=query.page,
        limit=query.limit,
    )
    counted = blindfold_for(caller.role).counted_totals(r.product_id for r in found.rows)
    return s.MatrixOut(
        location=found.location.code,
        location_name=found.location.name,
        channels=[s.MatrixChannel(code=c.code, name=c.name, active=c.active) for c in found.channels],
        data=[_row(r, found, (r.product_id, found.location.id) in counted) for r in found.rows],
        meta=PageMeta(total=found.total, page=found.page, limit=found.limit, has_more=found.has_more),
    )


def _codes(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _row(row: channel_reads.MatrixRow, found: channel_reads.Matrix, counted: bool) -> s.MatrixRowOut:
    st = row.stock
    return s.MatrixRowOut(
        product_id=row.product_id,
        sku=row.sku,
        name=row.name,
        on_hand=st.on_hand,
        reserved=st.reserved,
        held=st.held,
        free=st.free,
        atp={c.code: row.atp[c.id] for c in found.channels},
        being_counted=counted,
    )


@operation(
    bp,
    "GET",
    "/inventory/channel-location/drilldown",
    summary="One SKU: figures and ATP per channel, per location",
    tag="channels",
    **SUPERVISORS,
    query=s.DrilldownQuery,
    response=s.DrilldownOut,
)
def drilldown(caller, query: s.DrilldownQuery):
    """Per location (the one named, or every location where the SKU has a balance or any
    channel has a rule): on hand, reserved (all, and by no channel), held, free, and per
    channel its rule (sells, buffer, share), what it has reserved there and its ATP."""
    product = stock.product_by_code(query.sku)
    location = locations.require(query.location) if query.location else None
    places = channel_reads.drilldown(product, location=location)
    counted = blindfold_for(caller.role).counted_totals([product.id])
    return s.DrilldownOut(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        locations=[_place(p, (product.id, p.location.id) in counted) for p in places],
    )


def _place(place: channel_reads.Place, counted: bool) -> s.PlaceOut:
    st = place.stock
    return s.PlaceOut(
        location=place.location.code,
        location_name=place.location.name,
        on_hand=st.on_hand,
        reserved=st.reserved,
        reserved_no_channel=place.reserved_no_channel,
        held=st.held,
        free=st.free,
        channels=[
            s.ChannelAtPlaceOut(
                channel=c.channel.code,
                name=c.channel.name,
                active=c.channel.active,
                rule_id=c.rule.id if c.rule else None,
                can_sell=bool(c.rule and c.rule.can_sell),
                buffer=c.rule.buffer if c.rule else None,
                share_percent=c.rule.share_percent if c.rule else None,
                reserved=c.reserved,
                atp=c.atp,
            )
            for c in place.channels
        ],
        being_counted=counted,
    )


@operation(
    bp,
    "GET",
    "/inventory/channel/summary",
    summary="Per channel: where it sells, what is reserved on it",
    tag="channels",
    **SUPERVISORS,
    response=s.SummaryOut,
)
def summary(caller):
    """Per channel, by code: rules, locations it sells from, units and reservations open on
    it (carts past their TTL left out, as ATP leaves them out), units backordered on it."""
    return s.SummaryOut(
        channels=[
            s.ChannelSummaryOut(
                code=c.channel.code,
                name=c.channel.name,
                active=c.channel.active,
                rules=c.rules,
                selling_locations=c.selling_locations,
                reserved=c.reserved,
                open_reservations=c.open_reservations,
                backordered=c.backordered,
            )
            for c in channel_reads.summary()
        ]
    )
