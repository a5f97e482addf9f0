"""Who works here: users and roles, badge and password sign-in, API tokens, permissions."""

from warehouse.accounts.users import (
    LANGUAGES,
    authenticate,
    authenticate_badge,
    create_token,
    create_user,
    revoke_token,
    set_language,
    set_location,
    token_identity,
    user_for_token,
)

__all__ = [
    "LANGUAGES",
    "authenticate",
    "authenticate_badge",
    "create_token",
    "create_user",
    "revoke_token",
    "set_language",
    "set_location",
    "token_identity",
    "user_for_token",
]
