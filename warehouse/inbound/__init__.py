"""Goods arriving: receipts against a reference, and put-away from the receiving bin."""
