"""Users, sign-in (password or badge + PIN), throttling and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from warehouse.accounts.models import ApiToken, Role, SignInAttempt, User
from warehouse.accounts.permissions import parse_scopes
from warehouse.catalog.models import Location
from warehouse.core import pagers, tenancy
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    BadgeCodeInvalid,
    BadgeCodeTaken,
    LanguageNotOffered,
    LastAdmin,
    LocationNotOffered,
    NoteTooLong,
    PasswordTooShort,
    PinInvalid,
    RoleUnknown,
    SelfDeactivation,
    SignInRefused,
    SignInThrottled,
    TokenReferenceInvalid,
    UserInactive,
    UsernameInvalid,
    UsernameTaken,
    UserNotFound,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import atomically, serialise

HASH_METHOD = "scrypt"  # werkzeug's default; the test suite swaps in a faster one

# Checked against when the username does not exist, so a wrong name costs as much time
# as a wrong password and response times do not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(
    username: str, password: str, role: Role | str, *, badge_code: str | None = None, pin: str | None = None
) -> User:
    """A new user in the current organisation. A badge code and PIN are optional (empty
    means none) and checked as `set_badge` and `set_pin` check them."""
    username = _checked_username(username)
    _check_password(password)
    role = _checked_role(role)
    badge_code = _checked_badge(badge_code) if badge_code else None
    if pin:
        _check_pin(pin)
    user = User(
        username=username,
        password_hash=generate_password_hash(password, HASH_METHOD),
        role=role,
        badge_code=badge_code,
        pin_hash=generate_password_hash(pin, HASH_METHOD) if pin else None,
    )

    def add():
        # Sign-in ignores case, so "Alice" and "alice" would be one person; and it names no
        # organisation, so a username is unique across all of them.
        with tenancy.identifying():
            taken = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
        if taken is not None:
            raise UsernameTaken(
                msg(
                    "User {username} already exists (in this or another organisation).",
                    username=repr(username),
                )
            )
        if badge_code is not None:
            _check_badge_free(badge_code, None)
        db.session.add(user)
        return user

    return atomically(add)


def _checked_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > 64:
        raise UsernameInvalid(msg("Username must be 1-64 characters."))
    if not username.isprintable():
        raise UsernameInvalid(
            msg("Username must not contain control characters (tabs, line breaks, NUL). Type it again.")
        )
    return username


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise PasswordTooShort(msg("Password must be at least 8 characters."))


def _checked_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise RoleUnknown(
            msg("Unknown role {role}. Choose one of: {roles}.", role=repr(role), roles=roles)
        ) from None


_PIN = re.compile(r"[0-9]{4,8}")
_BADGE = re.compile(r"[!-~]{1,64}")  # printable ASCII, no spaces: what a badge scanner types


def _check_pin(pin: str) -> None:
    if not _PIN.fullmatch(pin):
        raise PinInvalid(msg("A PIN is 4-8 digits (0-9 only). Enter another PIN."))


def _checked_badge(badge_code: str) -> str:
    badge_code = badge_code.strip()  # a scanner may end what it types with whitespace
    if not _BADGE.fullmatch(badge_code):
        raise BadgeCodeInvalid(
            msg(
                "A badge code is 1-64 letters, digits or punctuation (printable ASCII, no spaces). "
                "Scan or type the badge again."
            )
        )
    return badge_code


def _check_badge_free(badge_code: str, user_id: int | None) -> None:
    """Badge sign-in names no organisation: a code is unique across all of them."""
    with tenancy.identifying():
        holder = db.session.scalar(select(User.id).where(User.badge_code == badge_code))
    if holder is not None and holder != user_id:
        raise BadgeCodeTaken(
            msg(
                "Badge {badge} is already given to someone (in this or another organisation). "
                "Use another badge.",
                badge=repr(badge_code),
            )
        )


def authenticate(
    username: str,
    password: str,
    *,
    max_failures: int,
    window_minutes: int,
    address: str | None = None,
    max_address_failures: int | None = None,
) -> User:
    """The user, or SignInRefused / SignInThrottled. Checks, in order: failures from this
    address (guessing across many usernames), failures for this username, the password."""
    _count_address(address, max_address_failures, window_minutes)
    who = f"user:{username.strip().lower()}"[:80]
    _count_attempt(who, max_failures, window_minutes)
    with tenancy.identifying():
        user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    return _finish(who, user if ok else None, msg("Wrong username or password. Try again."), address)


def authenticate_badge(
    badge_code: str,
    pin: str,
    *,
    max_failures: int,
    window_minutes: int,
    address: str | None = None,
    max_address_failures: int | None = None,
) -> User:
    """As `authenticate`, for a badge and its PIN."""
    _count_address(address, max_address_failures, window_minutes)
    who = f"badge:{badge_code.strip()}"[:80]
    _count_attempt(who, max_failures, window_minutes)
    with tenancy.identifying():
        user = db.session.scalar(select(User).where(User.badge_code == badge_code.strip()))
    ok = check_password_hash(user.pin_hash if user and user.pin_hash else _DUMMY_HASH, pin)
    refused = msg("Badge or PIN not recognised. Scan your badge again.")
    return _finish(who, user if ok else None, refused, address)


def _count_address(address: str | None, max_failures: int | None, window_minutes: int) -> None:
    """Failures from one address, whoever they named (recorded by `_finish`). Unlike a
    username's, the count is not cleared by a successful sign-in (one valid account must
    not reset it), so its limit sits well above a busy floor's typos behind one shared
    address. Counted without a record of this attempt: a burst may pass the limit by a
    few, which is fine for a coarse limit."""
    if not address or not max_failures:
        return
    if _failures(f"addr:{address}"[:80], window_minutes) >= max_failures:
        raise SignInThrottled(
            msg(
                "Too many failed sign-ins from this device. Wait {minutes} minutes or ask a supervisor.",
                minutes=window_minutes,
            )
        )


def _count_attempt(who: str, max_failures: int, window_minutes: int) -> None:
    """Record the attempt first, then count: parallel guesses cannot all slip under the
    limit. A successful sign-in removes the record again."""

    def record() -> int:
        serialise(f"sign-in:{who}")  # a burst of guesses is counted one by one
        db.session.add(SignInAttempt(who=who))
        db.session.flush()
        return _failures(who, window_minutes)

    if atomically(record) > max_failures:
        raise SignInThrottled(
            msg(
                "Too many failed sign-ins. Wait {minutes} minutes or ask a supervisor to reset your password.",
                minutes=window_minutes,
            )
        )


def _failures(who: str, window_minutes: int) -> int:
    since = utcnow() - timedelta(minutes=window_minutes)
    return db.session.scalar(
        select(func.count())
        .select_from(SignInAttempt)
        .where(SignInAttempt.who == who, SignInAttempt.at >= since)
    )


def _finish(who: str, user: User | None, message: str, address: str | None = None) -> User:
    if user is None or not user.active:
        if address:
            atomically(db.session.add, SignInAttempt(who=f"addr:{address}"[:80]))
        raise SignInRefused(message)
    atomically(lambda: db.session.execute(delete(SignInAttempt).where(SignInAttempt.who == who)))
    with tenancy.identifying():  # the commit expired the user; reload it, whoever's it is
        db.session.refresh(user)
    return user


def set_password(user: User, password: str) -> None:
    _check_password(password)
    password_hash = generate_password_hash(password, HASH_METHOD)
    atomically(
        lambda: db.session.execute(update(User).where(User.id == user.id).values(password_hash=password_hash))
    )


# --- administration -----------------------------------------------------------------------
# Admins manage the users of their organisation (the doors check the role). Each write is
# one transaction, finds the user in the current organisation only, and takes the acting
# user's id (`actor_id`, None for the system) so it can run as a keyed command.


def set_role(user_id: int, role: Role | str, *, actor_id: int | None) -> User:
    """Give a user another role. The organisation's last active admin keeps the admin role
    (LastAdmin), whoever asks: make another user admin first."""
    role = _checked_role(role)

    def change() -> User:
        _serialise_admins()
        user = _user_to_change(user_id)
        if user.role is Role.ADMIN and role is not Role.ADMIN and user.active:
            _keep_an_admin(user, demoting=True)
        user.role = role
        return user

    return atomically(change)


def reset_password(user_id: int, new_password: str, *, actor_id: int | None) -> User:
    """A new password (at least 8 characters), e.g. for someone who forgot theirs."""
    _check_password(new_password)
    password_hash = generate_password_hash(new_password, HASH_METHOD)
    return atomically(_change, user_id, password_hash=password_hash)


def set_pin(user_id: int, pin: str, *, actor_id: int | None) -> User:
    """A new PIN for badge sign-in (4-8 digits)."""
    _check_pin(pin)
    return atomically(_change, user_id, pin_hash=generate_password_hash(pin, HASH_METHOD))


def set_badge(user_id: int, badge_code: str | None, *, actor_id: int | None) -> User:
    """Give a user a badge (unique across organisations), or take it away (None or empty)."""
    badge_code = _checked_badge(badge_code) if badge_code else None

    def give() -> User:
        user = _user_to_change(user_id)
        if badge_code is not None:
            _check_badge_free(badge_code, user.id)
        user.badge_code = badge_code
        return user

    return atomically(give)


def deactivate(user_id: int, *, actor_id: int | None) -> User:
    """Take a user off, at once: the same transaction revokes their API tokens, and their
    session cookie loads no user from their next request on (warehouse/web/security.py).
    Refused for oneself (SelfDeactivation) and for the last active admin (LastAdmin).
    Deactivating an inactive user changes nothing but any token left live."""

    def off() -> User:
        _serialise_admins()
        user = _user_to_change(user_id)
        if user.id == actor_id:
            raise SelfDeactivation(msg("You cannot deactivate your own account. Ask another admin to do it."))
        if user.active and user.role is Role.ADMIN:
            _keep_an_admin(user, demoting=False)
        user.active = False
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        return user

    return atomically(off)


def reactivate(user_id: int, *, actor_id: int | None) -> User:
    """Let a deactivated user sign in again. Their API tokens stay revoked: make new ones."""
    return atomically(_change, user_id, active=True)


def users_page(search: str = "", page: int = 1, size: int = 50) -> pagers.Page:
    """One page of the organisation's users by username (case ignored), with the total;
    `search` matches anywhere in the username, case ignored."""
    query = select(User).order_by(func.lower(User.username), User.id)
    search = "".join(ch for ch in (search or "") if ch.isprintable()).strip()
    if search:
        query = query.where(func.lower(User.username).contains(search.lower(), autoescape=True))
    return pagers.offset(query, page=max(page, 1), size=size, count=True)


def _user_to_change(user_id: int) -> User:
    """The user with this id in the current organisation (another organisation's users are
    not found), read afresh by a query (always scoped, unlike an identity-map hit of
    session.get) and locked for the rest of the transaction."""
    query = select(User).where(User.id == user_id).with_for_update()
    user = db.session.scalar(query.execution_options(populate_existing=True))
    if user is None:
        raise UserNotFound(
            msg(
                "No user #{user_id} in this organisation. Pick the user from the list again.", user_id=user_id
            )
        )
    return user


def _change(user_id: int, **values) -> User:
    user = _user_to_change(user_id)
    for name, value in values.items():
        setattr(user, name, value)
    return user


def _serialise_admins() -> None:
    """Changes that could take away an admin run one at a time per organisation: two admins
    demoting each other at once must not both pass the count of the other admins."""
    serialise(f"admins:{tenancy.current()}")


def _keep_an_admin(user: User, *, demoting: bool) -> None:
    others = db.session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )
    if not others:
        if demoting:
            raise LastAdmin(
                msg(
                    "Cannot take the admin role from {username}: the last active admin of this "
                    "organisation. Make another user an admin first.",
                    username=user.username,
                )
            )
        raise LastAdmin(
            msg(
                "Cannot deactivate {username}: the last active admin of this organisation. "
                "Make another user an admin first.",
                username=user.username,
            )
        )


def _hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, name: str | None = None, scopes: str | None = None) -> str:
    """Make an API token; only its hash is stored, so the caller must show it now.
    `scopes` ("inventory.read transfers.read") narrows it below its user's role."""
    narrowed = parse_scopes(scopes)
    if name is not None and len(name) > 100:
        raise NoteTooLong(msg("Keep the token name under 100 characters."))
    token = "wh_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_hash_token(token),
        prefix=token[:10],
        name=name or None,
        scopes=" ".join(sorted(narrowed)) if narrowed else None,
    )
    atomically(db.session.add, row)
    return token


def revoke_token(token_or_prefix: str) -> int:
    """Revoke a token, given whole or by its 10-character prefix (as listed); returns how
    many live tokens were revoked (a prefix shared by two tokens revokes both)."""
    text = token_or_prefix.strip()
    if len(text) < 10:
        raise TokenReferenceInvalid(msg("Give the whole token or its first 10 characters (wh_...)."))
    which = ApiToken.token_hash == _hash_token(text) if len(text) > 10 else ApiToken.prefix == text
    with tenancy.identifying():  # the CLI names a token, not its organisation
        found = db.session.execute(select(ApiToken.id, ApiToken.org_id).where(which)).all()
    revoked = 0
    for token_id, org_id in found:
        with tenancy.acting_for(org_id):
            revoked += atomically(
                lambda token_id=token_id: (
                    db.session.execute(
                        update(ApiToken)
                        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow())
                    ).rowcount
                )
            )
    return revoked


TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is that precise: at most one write a minute


def token_identity(token: str) -> tuple[User, ApiToken] | None:
    """The active user and live token row for a bearer token, or None (unknown or revoked).
    A token of a deactivated user, revoked or not, is refused with UserInactive: asking for
    a new token will not help them. Marks the token used, but writes at most once a minute
    per token (a guarded UPDATE), so a busy integration does not turn every read into a write."""
    token_hash = _hash_token(token)
    found = _live_token(token_hash)
    if found is None:
        _refuse_inactive_owner(token_hash)
        return None
    now = utcnow()
    if found[1].last_used_at is None or found[1].last_used_at < now - TOUCH_EVERY:
        token_id = found[1].id
        with tenancy.acting_for(found[1].org_id):
            _touch(token_id, now)
        found = _live_token(token_hash)  # the commit expired the rows read above
    return found


def _touch(token_id: int, now) -> None:
    atomically(
        lambda: db.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - TOUCH_EVERY),
            )
            .values(last_used_at=now)
        )
    )


_LIVE_TOKEN = (  # built once: every API call looks its token up
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("hash"), ApiToken.revoked_at.is_(None))
)


def _live_token(token_hash: str) -> tuple[User, ApiToken] | None:
    with tenancy.identifying():  # a token says whose it is
        row = db.session.execute(_LIVE_TOKEN, {"hash": token_hash}).first()
    return (row.User, row.ApiToken) if row and row.User.active else None


_TOKEN_OWNER_ACTIVE = (
    select(User.active)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("hash"))
)


def _refuse_inactive_owner(token_hash: str) -> None:
    """Only on the way to refusing a token: read once more, revoked or not, whose it is."""
    with tenancy.identifying():
        active = db.session.scalar(_TOKEN_OWNER_ACTIVE, {"hash": token_hash})
    if active is False:
        raise UserInactive(
            msg(
                "This token's user has been deactivated, so the token no longer works. "
                "Ask an admin to reactivate the user and give you a new token."
            )
        )


def user_for_token(token: str) -> User | None:
    try:
        found = token_identity(token)
    except UserInactive:
        return None
    return found[0] if found else None


LANGUAGES = ("en", "es", "pl")  # the catalogues in warehouse/translations, and English


def set_language(user: User, language: str) -> None:
    """Remember the language a user's pages speak (one tap on the floor home). Setting it
    twice is setting it once: a double tap writes the same value."""
    if language not in LANGUAGES:
        raise LanguageNotOffered(msg("Choose one of the languages offered."))
    atomically(lambda: db.session.execute(update(User).where(User.id == user.id).values(language=language)))
    db.session.refresh(user)


def set_location(user: User, location_id: int) -> None:
    """Remember where an operator works (chosen once on the floor home)."""

    def choose():
        if db.session.get(Location, location_id) is None:
            raise LocationNotOffered(msg("Choose one of the listed locations."))
        db.session.execute(update(User).where(User.id == user.id).values(location_id=location_id))

    atomically(choose)
    db.session.refresh(user)
