"""Accounts: hashed passwords, PINs and tokens."""

import pytest
from sqlalchemy import select

from tests.conftest import in_threads
from warehouse import accounts
from warehouse.accounts.models import ApiToken, User
from warehouse.core.errors import InvalidPosting, SignInRefused, SignInThrottled
from warehouse.core.extensions import db


def test_passwords_and_pins_are_stored_hashed(app):
    accounts.create_user("ann", "long-enough-pw", "operator", badge_code="B-1", pin="9876")
    user = db.session.scalar(select(User).where(User.username == "ann"))
    assert "long-enough-pw" not in user.password_hash and "9876" not in user.pin_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_api_tokens_are_stored_as_hashes_and_find_their_user(app):
    user = accounts.create_user("erp", "long-enough-pw", "operator")
    token = accounts.create_token(user)
    stored = db.session.scalar(select(ApiToken))
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert accounts.user_for_token(token).username == "erp"
    assert accounts.user_for_token(token + "x") is None


@pytest.mark.parametrize(
    "username, password, message",
    [
        ("", "long-enough-pw", "1-64 characters"),
        ("x" * 65, "long-enough-pw", "1-64 characters"),
        ("bob", "short", "at least 8"),
    ],
)
def test_bad_new_users_are_refused(app, username, password, message):
    with pytest.raises(InvalidPosting, match=message):
        accounts.create_user(username, password, "operator")
    assert db.session.scalar(select(User)) is None


def test_usernames_are_unique_whatever_their_case(app):
    accounts.create_user("Alice", "long-enough-pw", "operator")
    with pytest.raises(InvalidPosting, match="already exists"):
        accounts.create_user("alice", "long-enough-pw", "operator")


def test_a_burst_of_forty_wrong_passwords_gets_exactly_five_judged(app):
    """Forty guesses at once for one user (real threads, own connections): the limit of five
    holds on PostgreSQL too, where each transaction would otherwise count only itself."""
    accounts.create_user("burst", "correct-horse-battery", "operator", badge_code="B-40", pin="4321")

    def guess(i):
        if i % 2:
            return accounts.authenticate("burst", f"wrong-{i}", max_failures=5, window_minutes=15)
        return accounts.authenticate_badge("B-40", f"{i:04d}", max_failures=5, window_minutes=15)

    _results, errors = in_threads(app, 40, guess)
    judged = [e for e in errors if isinstance(e, SignInRefused)]
    assert len(errors) == 40 and all(isinstance(e, (SignInRefused, SignInThrottled)) for e in errors)
    by_password = [e for e in judged if "Wrong username" in e.message]
    by_badge = [e for e in judged if "Badge or PIN" in e.message]
    assert (len(by_password), len(by_badge)) == (5, 5)
