"""Who works here: users and roles, badge and password sign-in, API tokens, permissions."""

from warehouse.accounts.users import (
    HASH_METHOD,
    authenticate,
    authenticate_badge,
    create_token,
    create_user,
    revoke_token,
    set_location,
    token_identity,
    user_for_token,
)

__all__ = [
    "HASH_METHOD",
    "authenticate",
    "authenticate_badge",
    "create_token",
    "create_user",
    "revoke_token",
    "set_location",
    "token_identity",
    "user_for_token",
]
