"""Badge cards: the card a floor user scans to sign in on a shared handheld.

Credit-card size (ID-1, 85.6 x 54 mm), ten to an A4 page in two columns of five, edge to
edge and centred, each outlined in a grey hairline to cut along (or print on perforated
business-card stock of that size). A card shows the organisation, the user's name, the
role, the Code128 of the badge code and the code as text to key in.

Pure domain code: give it cards (anything with the attributes of `BadgeCard`), get PDF
bytes back. Names print in any script DejaVu covers (pdf_fonts). Barcodes follow
labels.py, with wider bars: 20 mil, down to 10 mil for a long code; nothing is drawn in
the quiet zones (the cut line is the padding plus a quarter inch away from the bars).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import inch, mm

from warehouse.core.i18n import msg
from warehouse.paper.labels import BADGE, BOLD, FONT, Bars, Layout, Say, Text, code128_value, render_sheet

CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 54 * mm
# 20 mil when the code fits, 10 at the least. 15 mil (2.25 px a module at 150 dpi) failed
# to decode on one card of ten in the tests; 20 mil is a whole 3 px and read every time.
BADGE_BARS = tuple(mils * inch / 1000 for mils in (20, 17.5, 15, 12.5, 10))
CARDS = Layout(
    "badge-a4",
    msg("Badge cards, A4, 10 per sheet (85.6 x 54 mm)"),
    "A4",
    2,
    5,
    CARD_WIDTH,
    CARD_HEIGHT,
    (210 * mm - 2 * CARD_WIDTH) / 2,
    (297 * mm - 5 * CARD_HEIGHT) / 2,
)


# A card's role, as printed (the role's value in English; said by `say`).
ROLES = {"operator": msg("operator"), "supervisor": msg("supervisor"), "admin": msg("admin")}


@dataclass(frozen=True)
class BadgeCard:
    name: str  # display name, or the username when there is none
    role: str
    badge_code: str | None
    organisation: str


def badge_cards_pdf(cards, *, say: Say = str) -> bytes:
    """One card per person, in the order given. ValueError when there are no cards or a
    card has no badge code (the caller checks first: a card without one signs nobody in).
    `say` says the sheet's title (a page passes its translation)."""
    cards = list(cards)
    if not cards:
        raise ValueError(msg("No badge cards to print."))
    missing = [card.name for card in cards if not card.badge_code]
    if missing:
        raise ValueError(msg("No badge code for {names}: set one first.", names=", ".join(missing)))
    cards_parts = [_card_parts(card, say) for card in cards]
    return render_sheet(cards_parts, CARDS, say(msg("Badge cards")), outline=True)


def _card_parts(card, say: Say = str) -> list:
    return [
        Text(card.organisation, BOLD, 0.07, fit="cut"),
        Text(card.name, BOLD, 0.13, cap=16, fit="cut"),
        Text(say(ROLES.get(card.role, card.role)), FONT, 0.075),
        Bars(
            code128_value(card.badge_code, (BADGE, card.name)),
            BADGE_BARS,
            14 * mm,
            (BADGE, card.name),
        ),
        Text(card.badge_code, FONT, 0.07),
    ]
