"""Excel audit exports: streaming workbooks that reconcile to the ledger, formula-safe, one service."""
