"""Pledges (with earmarking, amendments, instalments) and the payments that settle them."""
