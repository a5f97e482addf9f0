"""Selling channels and their rules per location: the setup that ATP reads (atp.py).

A channel (a web shop, retail stores, a marketplace, B2B) has a code, stored lower-case
(`web`), a name and an active flag. Its rule at a location (ChannelLocation, an
"availability record" in the endpoint catalogue) says whether it sells from there, how
many units are kept back from it (the buffer) and, optionally, its share: the most it may
hold reserved at once, as a percentage of the sellable stock. No rule: it does not sell
from there. The reads (the ATP matrix, drill-down, summary, check) are channel_reads.py.

Every write is one command (core/commands.py) keyed by the form's key or run inside the
API's own command; bad input is refused with a named error before anything is written.
"""

from __future__ import annotations

import re

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from warehouse.availability.models import Channel, ChannelLocation
from warehouse.catalog import locations
from warehouse.catalog.models import Location
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    ChannelCodeTaken,
    ChannelFieldInvalid,
    ChannelNotFound,
    ChannelRuleInvalid,
    LocationNotOffered,
    NotFound,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg

CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
MAX_NAME = 100
MAX_BUFFER = 1_000_000
MAX_ID = 2_147_483_647
CODE_RULE = "1-32 letters, digits, '-' or '_', e.g. web or market-eu"


# --- channels ----------------------------------------------------------------------------


def check_code(code) -> str:
    """The code as stored (lower-case), or ChannelFieldInvalid."""
    if not isinstance(code, str) or not CODE.fullmatch(code.strip()):
        # CODE_RULE written out: a translator sees the whole sentence.
        raise ChannelFieldInvalid(
            msg(
                "{code} is not a channel code: use 1-32 letters, digits, '-' or '_', e.g. web or market-eu.",
                code=repr(str(code)[:40]),
            )
        )
    return code.strip().lower()


def check_name(name) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ChannelFieldInvalid(
            msg("Give the channel a name of 1 to {max_name} characters, e.g. Web shop.", max_name=MAX_NAME)
        )
    return name


def create(
    code: str, name: str, *, active: bool = True, actor_id: int | None, key: str | None = None
) -> Channel:
    """A new channel. It sells from nowhere until a rule says where (set_rule)."""
    code, name = check_code(code), check_name(name)

    def make() -> Channel:
        if by_code(code) is not None:
            raise ChannelCodeTaken(
                msg("Channel {code} exists already. Choose another code, or change that one.", code=code)
            )
        channel = Channel(code=code, name=name, active=bool(active))
        db.session.add(channel)
        db.session.flush()
        return channel

    return commands.run(
        "channels.create",
        make,
        key=key,
        actor_id=actor_id,
        request=[code, name, bool(active)],
        **commands.by_id(Channel),
    )


def change(
    code: str,
    *,
    name: str | None = None,
    active: bool | None = None,
    actor_id: int | None,
    key: str | None = None,
) -> Channel:
    """Rename, activate or deactivate a channel (None: keep). Its code stays: storefronts
    and orders name it. A deactivated channel keeps its rules and promises nothing."""
    name = check_name(name) if name is not None else None

    def run() -> Channel:
        channel = require(code)
        if name is not None:
            channel.name = name
        if active is not None:
            channel.active = bool(active)
        db.session.flush()
        return channel

    return commands.run(
        "channels.change",
        run,
        key=key,
        actor_id=actor_id,
        request=[code, name, active],
        **commands.by_id(Channel),
    )


def by_code(code: str) -> Channel | None:
    if not isinstance(code, str):
        return None
    return db.session.scalar(select(Channel).where(Channel.code == code.strip().lower()))


def require(code_or_id: str | int) -> Channel:
    """The channel with this code (any case) or, for a whole number that is no code, this
    id; ChannelNotFound otherwise (another organisation's is not found either)."""
    text = str(code_or_id).strip()
    channel = by_code(text)
    if channel is None and text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        channel = db.session.get(Channel, int(text))
    if channel is None:
        raise ChannelNotFound(
            msg(
                "No channel {code}. Check the code (GET /api/channels lists them).",
                code=repr(str(code_or_id)[:40]),
            )
        )
    return channel


def codes_of(ids) -> dict[int, str]:
    """Channel codes by id, for answers naming the channel of each row (one query; ids
    that are None are left out)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Channel.id, Channel.code).where(Channel.id.in_(ids))).all())


def listing(*, active: bool | None = None) -> Select:
    """Channels by code (a query: the API pages it, the pages list it)."""
    query = select(Channel).order_by(Channel.code)
    if active is not None:
        query = query.where(Channel.active.is_(active))
    return query


def all_channels() -> list[Channel]:
    return list(db.session.scalars(listing()))


def named(codes: list[str] | None) -> list[Channel]:
    """The channels named (codes or ids, in the order given, each once), or every channel
    by code when none are named."""
    if not codes:
        return all_channels()
    chosen: dict[int, Channel] = {}
    for code in codes:
        channel = require(code)
        chosen.setdefault(channel.id, channel)
    return list(chosen.values())


# --- rules: a channel at a location --------------------------------------------------------


def check_rule(buffer, share_percent) -> None:
    if isinstance(buffer, bool) or not isinstance(buffer, int) or not 0 <= buffer <= MAX_BUFFER:
        raise ChannelRuleInvalid(
            msg("The buffer is 0 to {max_buffer:,} units kept back from the channel.", max_buffer=MAX_BUFFER)
        )
    if share_percent is not None and (
        isinstance(share_percent, bool) or not isinstance(share_percent, int) or not 1 <= share_percent <= 100
    ):
        raise ChannelRuleInvalid(msg("The share is 1 to 100 percent, or empty for no share."))


def set_rule(
    channel_code: str,
    location_code: str,
    *,
    can_sell: bool | None = None,
    buffer: int | None = None,
    share_percent: int | None = None,
    keep_share: bool = False,
    actor_id: int | None,
    key: str | None = None,
) -> ChannelLocation:
    """The channel's rule at the location, made or changed (one per channel x location).
    None keeps a rule's value (a new rule: sells, buffer 0); `keep_share` keeps its share
    (share_percent None otherwise clears it). Only a location where stock is worked
    (active, not transit or destruction) takes a rule."""
    check_rule(buffer if buffer is not None else 0, share_percent)

    def run() -> ChannelLocation:
        channel, location = require(channel_code), _place(location_code)
        rule = _rule_of(channel.id, location.id)
        if rule is None:
            rule = ChannelLocation(channel_id=channel.id, location_id=location.id, can_sell=True, buffer=0)
            db.session.add(rule)
        _apply(rule, can_sell, buffer, share_percent, keep_share)
        db.session.flush()
        return rule

    request = [channel_code, location_code, can_sell, buffer, share_percent, keep_share]
    return commands.run(
        "channels.set_rule",
        run,
        key=key,
        actor_id=actor_id,
        request=request,
        **commands.by_id(ChannelLocation),
    )


def change_rule(
    rule_id: int,
    *,
    can_sell: bool | None = None,
    buffer: int | None = None,
    share_percent: int | None = None,
    keep_share: bool = False,
    actor_id: int | None,
    key: str | None = None,
) -> ChannelLocation:
    """Change one rule by its id (None keeps a value; `keep_share` as set_rule)."""
    check_rule(buffer if buffer is not None else 0, share_percent)

    def run() -> ChannelLocation:
        rule = get_rule(rule_id)
        _apply(rule, can_sell, buffer, share_percent, keep_share)
        db.session.flush()
        return rule

    request = [rule_id, can_sell, buffer, share_percent, keep_share]
    return commands.run(
        "channels.change_rule",
        run,
        key=key,
        actor_id=actor_id,
        request=request,
        **commands.by_id(ChannelLocation),
    )


def remove_rule(rule_id: int, *, actor_id: int | None, key: str | None = None) -> dict:
    """Remove a rule: the channel no longer sells from that location. Answers what it was
    (channel and location codes), the same on a replay."""

    def run() -> dict:
        rule = get_rule(rule_id)
        gone = {"id": rule.id, "channel": rule.channel.code, "location": rule.location.code}
        db.session.delete(rule)
        db.session.flush()
        return gone

    return commands.run(
        "channels.remove_rule", run, key=key, actor_id=actor_id, request=[rule_id], remember=dict, recall=dict
    )


def _apply(rule: ChannelLocation, can_sell, buffer, share_percent, keep_share: bool) -> None:
    if can_sell is not None:
        rule.can_sell = bool(can_sell)
    if buffer is not None:
        rule.buffer = buffer
    if not keep_share:
        rule.share_percent = share_percent
    rule.updated_at = utcnow()


def _place(location_code: str) -> Location:
    location = locations.require(location_code)
    if not locations.workable(location):
        raise LocationNotOffered(
            msg(
                "{code} is inactive: channels sell only from active locations where stock is worked. "
                "Choose another.",
                code=location.code,
            )
            if not location.active
            else msg(
                "{code} is {type}: channels sell only from active locations where stock is worked. "
                "Choose another.",
                code=location.code,
                type=location.type,
            )
        )
    return location


def _rule_of(channel_id: int, location_id: int) -> ChannelLocation | None:
    return db.session.scalar(
        select(ChannelLocation).where(
            ChannelLocation.channel_id == channel_id, ChannelLocation.location_id == location_id
        )
    )


def get_rule(rule_id: int) -> ChannelLocation:
    rule = db.session.get(ChannelLocation, rule_id) if 1 <= rule_id <= MAX_ID else None
    if rule is None:
        raise NotFound(
            msg(
                "No availability record #{rule_id}. Check the id (GET /api/inventory/availability lists them).",
                rule_id=rule_id,
            )
        )
    return rule


def rules(*, channel_id: int | None = None, location_id: int | None = None) -> Select:
    """Rules by channel code then location code, with both loaded (a query to page)."""
    query = (
        select(ChannelLocation)
        .join(Channel, Channel.id == ChannelLocation.channel_id)
        .join(Location, Location.id == ChannelLocation.location_id)
        .options(contains_eager(ChannelLocation.channel), contains_eager(ChannelLocation.location))
        .order_by(Channel.code, Location.code)
    )
    if channel_id is not None:
        query = query.where(ChannelLocation.channel_id == channel_id)
    if location_id is not None:
        query = query.where(ChannelLocation.location_id == location_id)
    return query


def all_rules() -> list[ChannelLocation]:
    """Every rule, by channel then location (the setup page lists them all: a few
    channels x the locations)."""
    return list(db.session.scalars(rules()))
