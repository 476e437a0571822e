"""Sign-in, sign-out, password change, personal API tokens and account disabling, as portal pages."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from ..auth import services
from ..auth import tokens as api_tokens
from ..auth.forms import LoginForm, PasswordChangeForm, TokenForm
from ..auth.models import ADMIN, ROLES, User
from ..errors import InvalidInput
from ..extensions import db, limiter
from ..security import safe_next
from . import bp, nav_item

nav_item("API tokens", "portal.tokens", *ROLES, order=80)
nav_item("Users", "portal.users", ADMIN, order=85)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined, no-any-return]


def _account_key() -> str:
    # Per account: the submitted email, whatever address the attempts come from.
    return "account:" + services.normalise_email(request.form.get("email"))[:254]


def _address_key() -> str:
    # request.remote_addr: X-Forwarded-For only counts behind TRUSTED_PROXY_COUNT proxies (security.py).
    return "address:" + (request.remote_addr or "unknown")


def _login_failed(_response: object) -> bool:
    return not g.get("login_succeeded", False)


def _show_errors(form: FlaskForm, exc: InvalidInput) -> None:
    """Put a service's field errors beside the form's fields; the rest go to the top of the page."""
    for field, messages in exc.errors.items():
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, *messages]
        else:
            for message in messages:
                flash(message, "danger")


@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=_address_key, methods=["POST"],
               deduct_when=_login_failed, scope="address")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"],
               deduct_when=_login_failed, scope="account")
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")))
        form.next.data = safe_next(request.args.get("next"), fallback="")
    if form.validate_on_submit():
        result = services.authenticate(db.session, form.email.data or "", form.password.data or "")
        db.session.commit()
        if result.ok and result.user is not None:
            g.login_succeeded = True
            remember = bool(form.remember.data)
            # A fresh session at sign-in: nothing planted in the cookie before it survives (session fixation).
            session.clear()
            login_user(result.user, remember=remember)
            return redirect(safe_next(form.next.data))
        if result.reason == "account_disabled":
            flash(_("This account is disabled. Ask the fund administrator."), "danger")
        else:
            flash(_("The email or the password is wrong."), "danger")
    return render_template("auth/login.html", form=form)


@bp.post("/auth/logout")
@login_required
def logout() -> ResponseReturnValue:
    services.end_sessions(db.session, actor=_actor())
    db.session.commit()
    session.clear()
    logout_user()  # after clear(): it leaves the flag that deletes the remember-me cookie too
    flash(_("You are signed out, on every device."), "info")
    return redirect(url_for("portal.login"))


@bp.route("/auth/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["PASSWORD_CHANGE_LIMIT"],
               key_func=lambda: f"user:{current_user.id}", methods=["POST"],
               deduct_when=lambda answer: answer.status_code != 302, scope="password")
def change_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = _actor()
        try:
            services.change_password(db.session, current_password=form.current_password.data or "",
                                     new_password=form.new_password.data or "", actor=user)
        except InvalidInput as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            # Every other session ended with the version bump; this browser signs in again with the new one.
            remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(user, remember=remember)
            flash(_("Your password was changed. Your other sessions have been signed out."), "success")
            return redirect(url_for("portal.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/auth/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> ResponseReturnValue:
    user = _actor()
    form = TokenForm()
    raw = None
    if form.validate_on_submit():
        try:
            _token, raw = api_tokens.create_token(db.session, user_id=user.id, name=form.name.data or "",
                                                  days=int(form.days.data or 0), actor=user)
        except InvalidInput as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    listing = api_tokens.list_tokens(db.session, user_id=user.id, actor=user)
    # The new token is shown this once: it is in no URL and the page is never cached (no-store).
    return render_template("auth/tokens.html", form=form, tokens=listing, raw_token=raw)


@bp.post("/auth/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    token = api_tokens.revoke_token(db.session, token_id, actor=_actor())
    db.session.commit()
    flash(_("Token %(prefix)s… is revoked.", prefix=token.prefix), "success")
    fallback = url_for("portal.tokens") if token.user_id == current_user.id else \
        url_for("portal.user_detail", user_id=token.user_id)
    return redirect(safe_next(request.form.get("next"), fallback=fallback))


@bp.get("/admin/users")
@login_required
def users() -> ResponseReturnValue:
    return render_template("auth/users.html", users=services.list_users(db.session, actor=_actor()))


@bp.get("/admin/users/<int:user_id>")
@login_required
def user_detail(user_id: int) -> ResponseReturnValue:
    actor = _actor()
    user = services.get_user(db.session, user_id, actor=actor)
    return render_template("auth/user.html", user=user,
                           tokens=api_tokens.list_tokens(db.session, user_id=user.id, actor=actor))


@bp.post("/admin/users/<int:user_id>/disable")
@login_required
def disable_user(user_id: int) -> ResponseReturnValue:
    user = services.disable_user(db.session, user_id=user_id, actor=_actor())
    db.session.commit()
    flash(_("%(email)s is disabled: signed out everywhere, API tokens refused.", email=user.email), "success")
    return redirect(url_for("portal.user_detail", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/enable")
@login_required
def enable_user(user_id: int) -> ResponseReturnValue:
    user = services.enable_user(db.session, user_id=user_id, actor=_actor())
    db.session.commit()
    flash(_("%(email)s can sign in again.", email=user.email), "success")
    return redirect(url_for("portal.user_detail", user_id=user_id))
