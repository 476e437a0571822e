"""Projects: beneficiaries, instruments, themes, budget, and who manages them."""
