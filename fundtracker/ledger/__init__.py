"""The append-only double-entry journal, accounting periods, balances and the ledger verifier."""
