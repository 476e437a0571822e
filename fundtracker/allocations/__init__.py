"""Allocations of received money to projects and the expenditure (with PSC) charged against them."""
