"""Security headers on every response: pages, partials, JSON, PDFs, static files, errors.

The Content-Security-Policy allows scripts and stylesheets from this app only, never
inline script (templates carry none: behaviour lives in static/*.js, htmx attributes
are declarative). Style *attributes* stay allowed (`style-src-attr`): a few templates
set a width or a weight inline, which runs no code. htmx's own injected indicator
stylesheet is switched off in templates/base.html (`includeIndicatorStyles`), so no
inline <style> element is needed. Nothing may frame the app (clickjacking on a page
with a "Post adjustment" button), and browsers must not guess content types.
"""

from flask import Flask, Response

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The camera's barcode decoder (static/camera-worker.js, served by warehouse/web/assets.py)
# compiles zxing-wasm's WebAssembly, which script-src must allow with 'wasm-unsafe-eval'
# (WebAssembly compilation only: eval() and new Function() stay refused). A dedicated
# worker is governed by its own script's policy, so that one response alone carries it:
# the pages keep script-src 'self', and their scripts can compile nothing.
DECODER_POLICY = POLICY.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _secure(response: Response) -> Response:
    # setdefault: a response that set its own policy (the decoder worker's) keeps it.
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure)
