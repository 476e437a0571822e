"""Per-request facts the services may need without importing Flask: the client's address."""

from __future__ import annotations

import contextvars

client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)
