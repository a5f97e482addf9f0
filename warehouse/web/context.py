"""What the web pages and the API take from the app and the request: the Settings that
create_app built from the configuration (see warehouse/core/settings.py), and the
organisation a request works in (warehouse/core/tenancy.py)."""

from collections.abc import Iterable, Iterator

from flask import Flask, current_app, g, stream_with_context

from warehouse.core import tenancy
from warehouse.core.settings import Settings

SETTINGS = "warehouse.settings"  # key in app.extensions


def settings() -> Settings:
    return current_app.extensions[SETTINGS]


def enter_organisation(org_id: int) -> None:
    """This request works on this organisation's rows (the signed-in user's, or the API
    token's, which wins over a session). Undone when the request ends."""
    g.setdefault("organisation_tokens", []).append(tenancy.enter(org_id))


def _leave_organisations(_error=None) -> None:
    # A worker serves request after request: none may start in the last one's organisation.
    for token in reversed(g.pop("organisation_tokens", [])):
        tenancy.leave(token)


def init_app(app: Flask) -> None:
    app.teardown_request(_leave_organisations)


def streamed(chunks: Iterable) -> Iterator:
    """A response body that is read after the view returned (a long CSV): Flask pushes
    the request context again while it streams, but not its before-request hooks, so the
    organisation goes with it."""
    org_id = tenancy.current()

    def in_organisation():
        with tenancy.acting_for(org_id):
            yield from chunks

    return stream_with_context(in_organisation())
