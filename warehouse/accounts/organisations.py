"""Organisations: made by an operator of the installation (flask create-org), chosen by
code on the command line (--org). Everything else works inside one organisation
(warehouse/core/tenancy.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from warehouse.core import tenancy
from warehouse.core.errors import (
    NoSuchOrganisation,
    OrganisationCodeInvalid,
    OrganisationCodeTaken,
    OrganisationNotNamed,
    TtlOutOfRange,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.models import Organisation
from warehouse.core.transactions import transaction

CODE = re.compile(r"[a-z0-9][a-z0-9-]{1,31}")


def create(code: str, name: str) -> Organisation:
    code, name = code.strip().lower(), name.strip()
    if not CODE.fullmatch(code):
        raise OrganisationCodeInvalid(
            msg("An organisation code is 2 to 32 lower-case letters, digits or dashes, e.g. harbor.")
        )
    if not name or len(name) > 200:
        raise OrganisationCodeInvalid(msg("Give the organisation a name of 1 to 200 characters."))
    with transaction():
        if db.session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
            raise OrganisationCodeTaken(
                msg("There is already an organisation {code}. Choose another code.", code=code)
            )
        org = Organisation(code=code, name=name)
        db.session.add(org)
    return org


MAX_CART_TTL_MINUTES = 24 * 60


def change(org_id: int, name: str, *, cart_ttl_minutes: int | None) -> Organisation:
    """A new name (printed on badge cards) and how long a cart holds stock (minutes, 1 to
    1,440; None: the installation's RESERVATION_TTL_MINUTES). The code, which commands and
    sign-ins use, stays."""
    name = (name or "").strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise OrganisationCodeInvalid(msg("Give the organisation a name of 1 to 200 characters."))
    if cart_ttl_minutes is not None and (
        isinstance(cart_ttl_minutes, bool)
        or not isinstance(cart_ttl_minutes, int)
        or not 1 <= cart_ttl_minutes <= MAX_CART_TTL_MINUTES
    ):
        raise TtlOutOfRange(
            msg(
                "A cart holds stock 1 to {most:,} minutes; leave it empty for the installation's default.",
                most=MAX_CART_TTL_MINUTES,
            )
        )
    with transaction():
        org = db.session.get(Organisation, org_id)
        if org is None:
            raise NoSuchOrganisation(msg("No such organisation."))
        org.name, org.cart_ttl_minutes = name, cart_ttl_minutes
    return org


def ensure(code: str, name: str) -> Organisation:
    """The organisation with this code, made if missing (the demo loads into its own)."""
    found = db.session.scalar(select(Organisation).where(Organisation.code == code))
    return found if found is not None else create(code, name)


def by_id(org_id: int) -> Organisation:
    return db.session.get(Organisation, org_id)


def every() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.id)))


def by_code(code: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.code == code.strip().lower()))
    if org is None:
        known = ", ".join(o.code for o in every())
        if not known:
            raise NoSuchOrganisation(
                msg(
                    "No organisation {code}. Organisations: none yet: flask create-org CODE --name NAME.",
                    code=repr(code),
                )
            )
        raise NoSuchOrganisation(
            msg("No organisation {code}. Organisations: {known}.", code=repr(code), known=known)
        )
    return org


def named_or_only(code: str | None) -> Organisation:
    """The organisation a command names, or the only one there is."""
    if code:
        return by_code(code)
    orgs = every()
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise NoSuchOrganisation(msg("There is no organisation yet: flask create-org CODE --name NAME."))
    raise OrganisationNotNamed(
        msg(
            "There are {count} organisations ({codes}): say which with --org CODE.",
            count=len(orgs),
            codes=", ".join(o.code for o in orgs),
        )
    )


@contextmanager
def each() -> Iterator[Iterator[Organisation]]:
    """For maintenance over the whole installation (verify, sweeps, deliveries): each
    organisation in turn, its rows only."""

    def run():
        orgs = every()
        for org in orgs:
            db.session.expunge(org)  # kept readable across the sessions below
        for org in orgs:
            # Each organisation starts with an empty session, as a request does: nothing
            # loaded for the one before can be handed back from the identity map.
            db.session.remove()
            with tenancy.acting_for(org.id):
                yield org

    yield run()
