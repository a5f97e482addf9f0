"""Telling other systems: the event outbox (written in the posting's transaction) and
webhook subscriptions with their guarded HTTP delivery."""
