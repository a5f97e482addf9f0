"""Every response carries the security headers (warehouse/web/headers.py): full pages and
htmx partials, JSON, static files and the vendored htmx, error pages, redirects."""

import pytest

from warehouse.web.headers import HEADERS

HX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    "path, headers, status",
    [
        ("/login", {}, 200),  # a full page, signed out
        ("/login", HX, 200),  # the same as an htmx partial
        ("/stock", {}, 302),  # the sign-in gate's redirect
        ("/api/stock", {}, 401),  # JSON
        ("/static/app.js", {}, 200),
        ("/static/no-such-file.css", {}, 404),
    ],
)
def test_every_kind_of_response_carries_the_security_headers(client, path, headers, status):
    response = client.get(path, headers=headers)
    assert response.status_code == status
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name


def test_the_policy_allows_no_inline_script_and_no_framing(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == "'self'" and "unsafe" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_signed_in_pages_carry_them_too(client, auth):
    auth.login("supervisor")
    for path in ("/stock", "/adjust", "/movements"):
        assert client.get(path).headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"], path


def test_the_vendored_htmx_is_served_with_them(client, app):
    url = next(str(r.rule) for r in app.url_map.iter_rules() if r.endpoint == "vendor.static")
    response = client.get(url.replace("<path:filename>", "htmx.min.js"))
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
