"""Who is blindfolded while bins are being counted: one rule for the pages, the floor and
the API, kept in the domain (warehouse/counts/blind.py, `blindfold_for`) so the API need
not import a page module for it. Operators do the counting, so operators do not see the
on-hand of a bin in an open or counting batch; supervisors and admins review counts
against the ledger and see everything. Re-exported for its callers here (the floor, the
stock pages, and api/stock.py until it imports the domain's)."""

from warehouse.counts.blind import blindfold_for

__all__ = ["blindfold_for"]
