"""Reservations by reference (an order, e.g. ``("order", "ord-12345")``).

- reserve: available -> reserved, one ``reserve`` posting (reserved=+n per key). Bins and
  lots are chosen by `expiry.fefo_candidates`: earliest lot expiry first (undated last),
  then the bin with the most available. Receiving bins are left out (goods still arriving,
  as in transfers) unless the caller names the bin; expired lots are never reserved. One
  Reservation row per key, all with the same reference.
- release: reserved -> available for a reference, one ``release`` posting. A partial
  release takes from the most recently reserved rows first (last in, first out), so what
  the order keeps is what FEFO chose first.
- fulfill: the sale, one ``fulfill`` posting (qty=-n, reserved=-n), consuming rows in
  FEFO order (earliest lot expiry first). An active row whose TTL has passed can still be
  fulfilled until the sweeper has expired it (at most a minute with cron). A row whose LOT
  has expired is never shipped: the fulfil is refused (release it, write the lot off).
- return_stock: a ``return`` posting adding on-hand, by default into the ``returns``
  location's first bin.
- sweep: releases every active row whose TTL has passed (status expired).

Every change to Reservation.qty_open is a guarded UPDATE (WHERE status='active' AND
qty_open = what we read) in the same transaction as its posting: a sweeper racing a
fulfil can never both win. Reservation rows are claimed before the posting touches any
balance, in id order, so these writers always lock in the same order.

Idempotency: a key makes a replay return the first call's rows and write nothing. Each
posting's note states the request as asked (verb, quantity, product, location, bin, lot,
TTL), so the same key with other content is refused (IdempotencyKeyReused), and a retry
that raced its own first attempt (and so computed other lines) still gets the replay.
"""

from warehouse.availability.reservations.closing import Closed, fulfill, release
from warehouse.availability.reservations.common import DEFAULT_TTL, cart_ttl
from warehouse.availability.reservations.reserving import Promised, promise, reserve
from warehouse.availability.reservations.returns import Returned, return_stock
from warehouse.availability.reservations.sweeper import listing, listing_query, sweep
from warehouse.core.errors import LotExpired, ReservationChanged

__all__ = [
    "DEFAULT_TTL",
    "Closed",
    "cart_ttl",
    "LotExpired",
    "Promised",
    "ReservationChanged",
    "Returned",
    "fulfill",
    "listing",
    "listing_query",
    "promise",
    "release",
    "reserve",
    "return_stock",
    "sweep",
]
