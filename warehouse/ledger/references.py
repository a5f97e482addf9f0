"""Business references a posting carries: type:id, e.g. order:ord-12345 or transfer:TR-000001.

Reservations are found by them and write-offs cite them, so every service checks them the
same way here."""

from __future__ import annotations

from warehouse.core.errors import ReferenceMalformed
from warehouse.core.i18n import msg


def parse_reference(text: str) -> tuple[str, str]:
    """ "order:ord-12345" -> ("order", "ord-12345"); refused when not type:id."""
    kind, sep, ident = (text or "").strip().partition(":")
    return check_reference((kind.strip(), ident.strip()) if sep else ("", ""))


def check_reference(reference) -> tuple[str, str]:
    if (
        not isinstance(reference, (tuple, list))
        or len(reference) != 2
        or not all(isinstance(part, str) for part in reference)
    ):
        raise ReferenceMalformed(msg("A reference is type:id, e.g. order:ord-12345."))
    kind, ident = (part.strip() for part in reference)
    if not kind or not ident or len(kind) > 32 or len(ident) > 64 or ":" in kind:
        raise ReferenceMalformed(
            msg("A reference is type:id, e.g. order:ord-12345 (type up to 32 characters, id up to 64).")
        )
    return kind, ident
