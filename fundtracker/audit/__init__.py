"""The hash-chained audit trail: who changed what, when, from where."""
