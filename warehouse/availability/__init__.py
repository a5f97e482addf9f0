"""What may be sold: reservations by reference with a TTL, holds, lots and expiry."""
