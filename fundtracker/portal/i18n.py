"""The portal's language (English, French, Spanish) and the locale-aware display of amounts and dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, g, make_response, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from ..auth.models import as_utc
from ..extensions import db
from ..money import from_minor
from ..reference.models import Currency
from ..security import safe_next
from . import bp

LANGUAGES = {"en": "English", "fr": "Français", "es": "Español"}
COOKIE = "lang"
NBSP = "\u00a0"

# Words that reach templates as data (role labels, states, kinds): listed here so that extraction finds them.
DATA_WORDS = (
    _l("Administrator"),
    _l("Finance officer"),
    _l("Project officer"),
    _l("Donor liaison"),
    _l("Auditor"),
    _l("announced"),
    _l("confirmed"),
    _l("partially_paid"),
    _l("paid"),
    _l("cancelled"),
    _l("written_off"),
    _l("draft"),
    _l("active"),
    _l("closing"),
    _l("closed"),
    _l("member_state"),
    _l("intergovernmental"),
    _l("private"),
    _l("other"),
    _l("developing"),
    _l("transition"),
    _l("developed"),
    _l("not_classified"),
    _l("regular"),
    _l("confiscated_proceeds"),
    _l("payment"),
    _l("allocation"),
    _l("expenditure"),
    _l("cancellation"),
    _l("write_off"),
    _l("pledge"),
    _l("rounding"),
    _l("period"),
    _l("period_undo"),
    _l("organized_crime"),
    _l("trafficking_in_persons"),
    _l("smuggling_of_migrants"),
    _l("firearms"),
    _l("money_laundering"),
    _l("corruption"),
    _l("cybercrime"),
    _l("criminal_justice_reform"),
    _l("asset_recovery"),
    # accounts of the journal
    _l("contributions_receivable"),
    _l("contribution_revenue"),
    _l("cash"),
    _l("fx_realised"),
    _l("fx_unrealised"),
    _l("write_off_expense"),
    _l("fund_balance_unallocated"),
    _l("fund_balance_allocated"),
    _l("project_expenditure"),
    _l("psc_charged"),
    # what can be imported, and the workbooks (exports/services.py titles)
    _l("pledges"),
    _l("payments"),
    _l("projects"),
    _l("expenditures"),
    _l("rates"),
    _l("General ledger"),
    _l("Donor statement"),
    _l("Project financial statement"),
    _l("Trial balance"),
    _l("Contributions by donor by year"),
    _l("Allocations and programme support costs"),
    _l("Exchange rates used"),
    _l("Audit trail"),
    _l("over 365"),
    # error pages (portal/errors.py translates its titles and messages when it renders them)
    _l("Bad request"),
    _l("Sign-in needed"),
    _l("Not allowed"),
    _l("Not found"),
    _l("Method not allowed"),
    _l("Conflict"),
    _l("Too large"),
    _l("Refused"),
    _l("Too many attempts"),
    _l("Something went wrong"),
    _l("The request could not be understood."),
    _l("Your role does not allow this."),
    _l("There is nothing here, or you do not have access to it."),
    _l("This address does not accept that kind of request."),
    _l("The upload is larger than allowed."),
    _l("Too many attempts in a short time. Wait a few minutes, then try again."),
    _l("The server could not complete this request. The error has been logged; nothing was saved."),
)


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


@bp.get("/language", endpoint="set_language")
def set_language() -> ResponseReturnValue:
    """Switch the language (a cookie, so that it outlives signing in and out) and go back to the page."""
    lang = request.args.get("lang", "")
    response = make_response("", 303)
    response.headers["Location"] = safe_next(request.args.get("next"))
    if lang in LANGUAGES:
        response.set_cookie(
            COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


def _exponents() -> dict[str, int]:
    if "currency_exponents" not in g:
        g.currency_exponents = dict(
            db.session.execute(select(Currency.code, Currency.exponent)).tuples().all()
        )
    return g.currency_exponents  # type: ignore[no-any-return]


def amount_text(minor: int | None, currency: str) -> str:
    """An amount in minor units as the chosen language writes it, with exactly the currency's decimals."""
    if minor is None:
        return "—"
    exponent = _exponents().get(currency, 2)
    pattern = "#,##0" + ("." + "0" * exponent if exponent else "")
    return f"{format_decimal(from_minor(int(minor), exponent), format=pattern)}{NBSP}{currency}"


def money(minor: int | None, currency: str = "USD") -> Markup:
    """`{{ cents|money("EUR") }}`: the amount with its currency; negative amounts are marked for styling."""
    text = amount_text(minor, currency)
    css = "amount text-nowrap" + (" text-danger" if minor is not None and minor < 0 else "")
    return Markup(f'<span class="{css}">{escape(text)}</span>')


def plain_decimal(minor: int | None, exponent: int = 2) -> str:
    """The canonical decimal text (for charts' data and form values): never a float."""
    return "0" if minor is None else str(from_minor(int(minor), exponent))


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return format_datetime(as_utc(value), "medium")
    return format_date(value, "medium")


def percent(value: Decimal | None) -> str:
    return "—" if value is None else format_percent(value, format="#,##0.##%")


def number(value: int | Decimal | None) -> str:
    """A number such as a UN rate, with every decimal it has (up to a rate's 8), in the language's style."""
    return "—" if value is None else format_decimal(value, format="#,##0.########")


def country_name(country: Any) -> str:
    """A country's name in the chosen language, where the reference data has one."""
    if country is None:
        return "—"
    lang = str(get_locale() or "en")
    return getattr(country, f"name_{lang}", None) or country.name


def words(value: str | None) -> str:
    """A stored code (`partially_paid`) as translated words."""
    from flask_babel import gettext

    if not value:
        return ""
    translated = gettext(value)
    return translated.replace("_", " ") if translated == value else translated


def _language_links() -> dict[str, Any]:
    here = request.full_path.rstrip("?") if request else "/"
    return {"languages": LANGUAGES, "language_next": here, "current_language": str(get_locale() or "en")}


def init_i18n(app: Flask) -> None:
    app.extensions["babel"].locale_selector = select_locale
    app.jinja_env.filters.update(
        money=money,
        day=day,
        percent=percent,
        number=number,
        words=words,
        country_name=country_name,
        plain_decimal=plain_decimal,
    )
    app.jinja_env.globals.update(amount_text=amount_text)
    app.context_processor(_language_links)
