"""The application's Flask class: Flask, with the sync/async check of each hook and view made once."""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from flask import Flask


class FundtrackerFlask(Flask):
    """Flask asks ensure_sync() about every hook and view on every request (sixteen times for an API read), and
    the coroutine test behind it costs more than some of those hooks. The answer for a function never changes,
    so it is remembered per function (per method for bound methods, whose objects are new on each call)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._is_sync: dict[Any, bool] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        key = getattr(func, "__func__", func)
        is_sync = self._is_sync.get(key)
        if is_sync is None:
            is_sync = not iscoroutinefunction(func)
            if len(self._is_sync) < 4096:  # hooks and views are few; a stream of new closures is not remembered
                self._is_sync[key] = is_sync
        return func if is_sync else super().ensure_sync(func)
