"""Setting up a warehouse: importing products, bins, reorder policies and opening stock
from spreadsheets, and the admin's product questions that need the ledger (may this
product go, what is its stock status). Above the catalog, the ledger and the alerts it
writes through; below the doors."""
