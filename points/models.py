# Point rules, the append-only ledger and standings arrive with the "Points" issue.
