"""Request security: versioned session identities, API bearer tokens, CSRF, login throttling, trusted proxies,
cookie flags, security headers, the client address for the audit trail, and safe `next` redirects."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, flash, g, jsonify, redirect, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import AnonymousUserMixin
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from .context import client_address
from .database import read_only_intent
from .extensions import csrf, db, limiter, login_manager

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAFE_NEXT_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?%")

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",  # no inline script and no eval: every script is a file under /static/
    "style-src 'self'",
    # Style attributes (a progress bar's width) are allowed; <style> elements and style sheets from elsewhere
    # are not. htmx's own indicator <style> is switched off by the htmx-config meta tag in base.html.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_DEFAULTS: dict[str, Any] = {
    "FORCE_HTTPS": False,
    # Login throttling (Flask-Limiter syntax); only failed attempts count.
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute;20 per hour",
    "LOGIN_LIMIT_PER_ADDRESS": "20 per minute;100 per hour",
    # Guessing the current password on the change-password form (a borrowed, unlocked session).
    "PASSWORD_CHANGE_LIMIT": "10 per hour",
    "REMEMBER_COOKIE_DURATION": dt.timedelta(days=14),
    "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
    "HSTS_MAX_AGE": 31_536_000,
}


class AnonymousUser(AnonymousUserMixin):
    id = None
    role = "anonymous"
    donor_id = None
    email = "anonymous"
    name = "anonymous"


def serves_https(app: Flask) -> bool:
    return bool(app.config.get("FORCE_HTTPS")) or app.config.get("PREFERRED_URL_SCHEME") == "https"


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def is_api_request() -> bool:
    return is_api_path(request.path)


def on_token_door(req: Request) -> bool:
    """A call under /api/ that carries an Authorization header: its token alone says who it is (see
    _authenticate_bearer); the session cookie is neither read nor written, and CSRF does not apply."""
    return "HTTP_AUTHORIZATION" in req.environ and is_api_path(req.path)


def auth_via_token() -> bool:
    """True when this request's identity came from an `Authorization: Bearer` token (the API door)."""
    return bool(g.get("auth_via_token"))


def json_error(status: int, code: str, message: str, errors: dict[str, list[str]] | None = None) -> Response:
    response = jsonify(code=code, status=status, message=message, errors=errors or {})
    response.status_code = status
    return response


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """A redirect target inside this application, or the fallback (the home page).

    Only a relative path of plain URL characters is accepted: no scheme, no host, no `//` or `/\\` prefix
    (which browsers read as another host), no backslash, whitespace or control character anywhere (browsers
    drop tabs and newlines, so `/\\t/evil` would become `//evil`)."""
    default = url_for("portal.home") if fallback is None else fallback
    if not target or len(target) > 2000:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    if any(ch not in SAFE_NEXT_CHARACTERS for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    root = request.script_root if request else ""
    if root and not (target == root or target.startswith(root + "/")):
        return default
    return target


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per set of keys instead of on
    every request (building it cost more than a whole request of the bare benchmark endpoint)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if on_token_door(request):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]


def init_security(app: Flask) -> None:
    for key, value in SECURITY_DEFAULTS.items():
        app.config.setdefault(key, value)
    app.session_interface = SignedCookieSessions()
    _configure_cookies(app)
    app.wsgi_app = SecurityHeaders(  # type: ignore[method-assign]
        app.wsgi_app, force_https=bool(app.config["FORCE_HTTPS"]), hsts_max_age=int(app.config["HSTS_MAX_AGE"]),
        static_prefix=f"{app.static_url_path}/")
    if int(app.config.get("TRUSTED_PROXY_COUNT") or 0) > 0:
        # Only then is X-Forwarded-For believed, and only as many hops as there are proxies we run.
        count = int(app.config["TRUSTED_PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]

    # before_request hooks run in this order: HTTPS, client address, rate limits, bearer token, CSRF.
    app.before_request(_force_https)
    app.before_request(_remember_client_address)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on a 429
    # If Redis goes away, throttle per process in memory rather than refuse every sign-in.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    with _hooks_added_confined_to_limited_blueprints(app):
        limiter.init_app(app)
    _skip_undeclared_limit_checks(app)
    app.before_request(_authenticate_bearer)
    app.before_request(_protect_from_csrf)
    app.teardown_request(_forget_client_address)

    _init_login(app)
    # CSRF is checked by _protect_from_csrf (so token-authenticated API calls can be exempt), not by default.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a form stays valid as long as its session
    csrf.init_app(app)


def _skip_undeclared_limit_checks(app: Flask) -> None:
    """Each limit here is declared on its view (sign-in, password change) and checked by that view's decorator.
    The extension's before_request check serves default, application, meta and blueprint-wide limits: none is
    declared, so it would only cost every request a tenth of a millisecond. It stays if one is configured; a
    blueprint-wide limit would need it back."""
    if any(app.config.get(key) for key in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # absent when RATELIMIT_ENABLED is off
        hooks.remove(limiter._check_request_limit)


# The blueprints whose views declare rate limits (sign-in and password change are portal pages).
LIMITED_BLUEPRINTS = ("portal",)


@contextmanager
def _hooks_added_confined_to_limited_blueprints(app: Flask) -> Iterator[None]:
    """Flask-Limiter's after-request hook (a limit's deduct_when, the rate-limit headers) and its teardown have
    work only on a request whose view declares a limit. Those views are all in LIMITED_BLUEPRINTS, so the
    app-wide after-request and teardown hooks added inside this block run there only: every API call and other
    page would pay for them (7 us of an API list request's 448 in a warm loop) with nothing to do."""
    registries = (app.after_request_funcs, app.teardown_request_funcs)
    before = [list(registry.get(None, [])) for registry in registries]
    yield
    for registry, earlier in zip(registries, before, strict=True):
        hooks = registry.setdefault(None, [])
        added = [hook for hook in hooks if hook not in earlier]
        hooks[:] = [hook for hook in hooks if hook in earlier]
        for name in LIMITED_BLUEPRINTS:
            registry.setdefault(name, []).extend(added)


def _configure_cookies(app: Flask) -> None:
    config = app.config
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] = False
    config.setdefault("REMEMBER_COOKIE_NAME", "remember_token")
    if serves_https(app):
        # __Host- cookies are refused by browsers unless Secure, Path=/ and without a Domain: no subdomain or
        # plain-HTTP page can plant or overwrite them.
        config.update(
            SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-session", SESSION_COOKIE_PATH="/",
            SESSION_COOKIE_DOMAIN=None, REMEMBER_COOKIE_SECURE=True, REMEMBER_COOKIE_NAME="__Host-remember",
            REMEMBER_COOKIE_PATH="/", REMEMBER_COOKIE_DOMAIN=None, PREFERRED_URL_SCHEME="https",
        )


def _init_login(app: Flask) -> None:
    from .auth.services import user_for_identity

    login_manager.init_app(app)
    login_manager.anonymous_user = AnonymousUser
    login_manager.login_view = "portal.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(identity: str):  # type: ignore[no-untyped-def]
        return _apart(lambda apart: user_for_identity(apart, identity))

    @login_manager.unauthorized_handler
    def unauthorized() -> Response:
        if is_api_request():
            response = json_error(401, "unauthorized",
                                  "Sign in, or send the header Authorization: Bearer <token>.")
            response.headers["WWW-Authenticate"] = 'Bearer realm="fundtracker"'
            return response
        login_url = url_for("portal.login", next=_here() if request.method == "GET" else None)
        if request.headers.get("HX-Request"):
            response = Response("", status=401)
            response.headers["HX-Redirect"] = login_url
            return response
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url)


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + ("?" + query if query else "")


def _force_https() -> Response | None:
    if not current_app.config.get("FORCE_HTTPS") or request.is_secure or request.path == "/healthz":
        return None
    code = 301 if request.method in ("GET", "HEAD") else 308  # 308 keeps the method and body
    return redirect(request.url.replace("http://", "https://", 1), code=code)


def _remember_client_address() -> None:
    # remote_addr is the socket peer, or what ProxyFix derived from the trusted proxies' X-Forwarded-For.
    g._client_address_token = client_address.set(request.remote_addr)


def _forget_client_address(_exc: BaseException | None) -> None:
    token = g.pop("_client_address_token", None)
    if token is not None:
        client_address.reset(token)


def _authenticate_bearer() -> None:
    """On /api/, a Bearer token is the whole identity: the session cookie is ignored, and CSRF does not apply
    (a browser never attaches the header on its own, so a forged cross-site request cannot carry it)."""
    if not on_token_door(request):
        return
    from .auth.tokens import bearer_from_header, token_holder
    from .reader import request_reader

    g.auth_via_token = True
    holder = token_holder(db.engine, bearer_from_header(request.headers["Authorization"]), request_reader())
    login_manager._update_request_context_with_user(holder)


def _apart(lookup: Callable[[Session], Any]) -> Any:
    """Run a sign-in lookup in a short read of its own and hand the user to the request's session without a
    query. The request's own transaction then begins with its view's first statement, as the view declares
    (SQLite: a plain BEGIN under read_only_intent(), BEGIN IMMEDIATE otherwise); if the lookup began it, every
    page would hold SQLite's write lock from its first line."""
    with Session(db.engine, expire_on_commit=False) as apart, read_only_intent():
        user = lookup(apart)
        apart.close()  # ends the read; unlike rollback() it leaves the user loaded, so merge() needs no query
    return None if user is None else db.session.merge(user, load=False)


def _protect_from_csrf() -> None:
    if request.method not in UNSAFE_METHODS or auth_via_token():
        return
    if request.routing_exception is not None:
        return  # no such route or method: the 404/405 answers, nothing runs that CSRF would protect
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # same-origin keeps Referer for our own forms (Flask-WTF's HTTPS referrer check needs it), none to others.
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
# Pages, API answers and downloads hold financial data: no browser or proxy may keep a copy.
_NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


class SecurityHeaders:
    """WSGI middleware that adds the security headers to every response, error pages included.

    It works on the plain header list WSGI hands over: setting the same headers through an after_request hook
    and werkzeug's Headers object cost 0.2 M instructions a request, two thirds of a bare Flask request."""

    def __init__(self, app: Any, *, force_https: bool, hsts_max_age: int, static_prefix: str) -> None:
        self.app = app
        self.force_https = force_https
        self.hsts = ("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains")
        self.static_prefix = static_prefix

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _value in headers}  # a view may set its own
            headers.extend([header for header in _HEADERS if header[0].lower() not in present])
            secure = self.force_https or environ.get("wsgi.url_scheme") == "https"
            if secure and "strict-transport-security" not in present:
                headers.append(self.hsts)
            if not environ.get("PATH_INFO", "").startswith(self.static_prefix):
                if "cache-control" in present or "pragma" in present:
                    headers[:] = [h for h in headers if h[0].lower() not in ("cache-control", "pragma")]
                headers.extend(_NO_STORE)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)
