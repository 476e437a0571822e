"""Browser tests: the application served on a loopback port from a thread over the test database, driven by
Python Playwright in Debian's Chromium (never a downloaded browser). Every page's console errors, uncaught
script errors, failed requests and HTTP errors are collected, and a test fails on any it did not expect."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from fundtracker.database import read_only_intent
from fundtracker.extensions import db

from ..factories import PASSWORD
from ..portal.world import Fund, build_fund
from ..support import CHROMIUM_ARGS, need_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Live:
    """The served application and the fund it holds; read() asks the books what the services compute."""

    url: str
    app: Flask
    fund: Fund

    def read(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        # A read in the test's own session must not keep a transaction open (on SQLite it would hold the write
        # lock against the server thread); closing, not rolling back, keeps what was read loaded and detached.
        try:
            with read_only_intent():
                return fn(db.session, *args, **kwargs)
        finally:
            db.session.close()


@pytest.fixture
def live(app: Flask, session, make) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    fund = build_fund(session, make)
    session.commit()
    # Load what the tests read of these objects, then let go of the session: touching an expired object later
    # would open a transaction in this thread and hold the database against the server's.
    for thing in (
        *fund.users.values(),
        fund.other_officer,
        fund.donor,
        fund.other_donor,
        fund.eur_pledge,
        fund.kenya_pledge,
        fund.project,
        fund.other_project,
    ):
        assert thing.id
    session.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="portal-under-test", daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", app, fund)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


# A live preview (hx-sync="this:replace") still in flight when the next keystroke asks for a newer one is
# aborted by design; whether that happens depends on the machine's speed. htmx echoes each request's end and
# abort on the console; a failed response is still caught by on_response, a failed load by on_request_failed.
HTMX_ECHOES = ("htmx:sendAbort", "htmx:afterRequest")
SUPERSEDED_PREVIEW = re.compile(r"/(payments|allocations)/preview\?")


@dataclass
class Watch:
    """What went wrong in the browser; `expect` names an HTTP error a step causes on purpose."""

    problems: list[str] = field(default_factory=list)
    expected: list[tuple[int, str]] = field(default_factory=list)
    seen_errors: list[tuple[int, str]] = field(default_factory=list)

    def expect(self, status: int, path: str) -> None:
        self.expected.append((status, path))

    def _expected(self, status: int, url: str) -> bool:
        return any(status == s and url.split("?")[0].endswith(p) for s, p in self.expected)

    def on_response(self, response: Any) -> None:
        if response.status >= 400:
            self.seen_errors.append((response.status, response.url))
            if not self._expected(response.status, response.url):
                self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def on_console(self, message: Any) -> None:
        if message.type != "error" or message.text.startswith(HTMX_ECHOES):
            return
        failed = FAILED_LOAD.match(message.text)
        url = (message.location or {}).get("url", "")
        if failed and self._expected(int(failed.group(1)), url):
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def on_page_error(self, error: Any) -> None:
        self.problems.append(f"page error: {error}")

    def on_request_failed(self, request: Any) -> None:
        if request.failure and "ERR_ABORTED" in request.failure and request.resource_type == "document":
            return  # a download navigation ends the document request on purpose
        if request.failure and "ERR_ABORTED" in request.failure and SUPERSEDED_PREVIEW.search(request.url):
            return  # hx-sync="this:replace": a newer keystroke replaced this preview while it was in flight
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")


@dataclass
class Browse:
    """One browser context (its own cookies) with a page, its watch and helpers for the journeys."""

    live: Live
    context: Any
    page: Any
    watch: Watch
    name: str

    def go(self, path: str) -> Any:
        response = self.page.goto(self.live.url + path)
        self.page.wait_for_load_state("networkidle")
        return response

    def sign_in(self, user: Any) -> None:
        self.go("/auth/login")
        self.page.get_by_label("Email").fill(user.email)
        self.page.get_by_label("Password", exact=True).fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("networkidle")
        assert "/auth/login" not in self.page.url, "sign-in failed"

    def shot(self, label: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 5000
        return path


@pytest.fixture
def browse(browser: Any, live: Live, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Open browser contexts on the live application; at the end, fail on anything the browser reported."""
    opened: list[Browse] = []

    def open_context(label: str = "", **options: Any) -> Browse:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(accept_downloads=True, **options)
        page = context.new_page()
        watch = Watch()
        page.on("response", watch.on_response)
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        page.on("requestfailed", watch.on_request_failed)
        name = re.sub(
            r"[^A-Za-z0-9_.-]+",
            "_",
            request.node.name.replace("test_", "", 1) + (f"-{label}" if label else ""),
        )
        for stale in ARTIFACTS.glob(f"{name}-*.png"):
            stale.unlink()  # screenshots of an earlier run must not pass for this one's
        session = Browse(live, context, page, watch, name)
        opened.append(session)
        return session

    yield open_context
    problems = []
    for session in opened:
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            session.shot("failure")
        problems += [f"{session.name}: {p}" for p in session.watch.problems]
        session.context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
