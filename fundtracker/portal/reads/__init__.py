"""Read models of the portal's pages: SQL aggregates (ledger/queries.py's figures) and a constant number of
statements per page, each function checking who may read what first (a liaison sees only its own donor)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def clamp_page(page: int | None, per_page: int | None) -> tuple[int, int]:
    size = min(max(per_page or DEFAULT_PER_PAGE, 1), MAX_PER_PAGE)
    return max(page or 1, 1), size
