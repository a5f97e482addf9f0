"""Reading the ledger for people: dashboard analytics and reports (valuation, movements)."""
