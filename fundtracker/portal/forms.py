"""The portal's forms (Flask-WTF, each with its CSRF token); field names are the services' field names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..errors import InvalidInput

SPACES = " \u00a0\u202f\u2007\t"


def optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class AmountField(StringField):
    """An exact decimal amount as typed: never a float, never rounded; shown back exactly as it was typed.

    French and Spanish write a decimal comma and group with spaces, so those are read too; a comma in English
    (a thousands separator there) is refused rather than guessed at.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        text = "".join(ch for ch in str(valuelist[0]) if ch not in SPACES)
        if "," in text and "." not in text and str(get_locale() or "en") != "en":
            text = text.replace(",", ".", 1) if text.count(",") == 1 else text
        try:
            if "," in text:
                raise InvalidOperation
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(_l("Write a number such as 1250.50, without thousands separators.")) from exc
        if not value.is_finite():
            raise ValueError(_l("Write a number such as 1250.50, without thousands separators."))
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)


def options(pairs: Any, *, blank: bool = False) -> list[SelectChoice]:
    """Select options from (value, label[, html attributes]) pairs, optionally after a blank one."""
    out = [SelectChoice(value="", label="—")] if blank else []
    for pair in pairs:
        value, label, *rest = pair
        out.append(SelectChoice(value=value, label=label, render_kw=rest[0] if rest else {}))
    return out


def int_select(label: Any, *validators: Any, **kw: Any) -> SelectField:
    return SelectField(
        label, coerce=optional_int, validators=list(validators) or [Optional()], validate_choice=False, **kw
    )


class PortalForm(FlaskForm):
    """A form that can also hold a service's refusals: beside a field, or at the top when no field fits."""

    ALIASES: dict[str, str] = {}

    def place_errors(self, exc: InvalidInput) -> None:
        self.extra_errors: dict[str, list[str]] = {}
        self.general_errors: list[str] = []
        for name, messages in exc.errors.items():
            name = self.ALIASES.get(name, name)
            field = self._fields.get(name)
            if field is not None and not isinstance(field, HiddenField):
                field.errors = [*field.errors, *messages]
            elif name in getattr(self, "EXTRA", ()):
                self.extra_errors.setdefault(name, []).extend(messages)
            else:
                self.general_errors.extend(messages)
        if not exc.errors:
            self.general_errors.append(exc.message)


def today() -> dt.date:
    return dt.date.today()


class PledgeForm(PortalForm):
    EXTRA = ("earmark_target", "instalments", "state")
    donor_id = int_select(_l("Donor"), InputRequired(_l("Choose the donor.")))
    amount = AmountField(
        _l("Amount"),
        [InputRequired(_l("Enter the amount pledged."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = SelectField(_l("Currency"), default="USD", validate_choice=False)
    pledge_date = DateField(_l("Pledge date"), [InputRequired()], default=today)
    confirmed = BooleanField(_l("Agreement signed (confirmed): record it as revenue now"), default=True)
    earmark_level = SelectField(
        _l("Earmarking level"),
        coerce=int,
        default=1,
        choices=options(
            [
                (1, _l("1 – unearmarked (general purpose)")),
                (2, _l("2 – softly earmarked (instrument, theme or region)")),
                (3, _l("3 – earmarked to a country")),
                (4, _l("4 – tightly earmarked to one project")),
            ]
        ),
    )
    earmark_instrument = int_select(_l("Instrument"))
    earmark_theme = SelectField(_l("Theme"), validate_choice=False, default="")
    earmark_region = SelectField(_l("Region"), validate_choice=False, default="")
    earmark_country = int_select(_l("Country"))
    earmark_project = int_select(_l("Project"))
    psc_rate = AmountField(
        _l("PSC rate (%)"), [Optional()], render_kw={"inputmode": "decimal", "placeholder": "13"}
    )
    source_of_funds = SelectField(
        _l("Source of funds"),
        default="regular",
        choices=options(
            [
                ("regular", _l("Regular budget of the donor")),
                ("confiscated_proceeds", _l("Confiscated proceeds of crime (UNTOC art. 14 and 30)")),
            ]
        ),
    )
    reference = StringField(_l("Agreement reference"), [Optional(), Length(max=120)])

    def validate_psc_rate(self, field: AmountField) -> None:
        if field.data is not None and not Decimal(0) <= field.data < Decimal(100):
            raise ValidationError(_l("Enter the PSC rate as a percentage from 0 to 99.99, such as 13."))

    def earmark_target(self) -> dict[str, Any]:
        return {
            "instrument": self.earmark_instrument.data,
            "theme": self.earmark_theme.data or None,
            "region": self.earmark_region.data or None,
            "country": self.earmark_country.data,
            "project": self.earmark_project.data,
        }

    def psc_fraction(self) -> Decimal | None:
        # The donor agreement states a percentage; the books keep the fraction (13 % -> 0.13).
        return None if self.psc_rate.data is None else self.psc_rate.data / 100


class AmendForm(PortalForm):
    new_amount = AmountField(
        _l("New amount of the pledge"),
        [InputRequired(_l("Enter the new amount."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    amendment_date = DateField(_l("Date of the amendment"), [InputRequired()], default=today)
    reason = TextAreaField(_l("Reason"), [InputRequired(_l("Say why the pledge changes.")), Length(max=2000)])


class CancelForm(PortalForm):
    ALIASES = {"date": "on"}
    EXTRA = ("state",)
    action = SelectField(
        _l("What to do with the unpaid part"),
        default="cancel",
        choices=options(
            [
                ("cancel", _l("Cancel it (the donor withdrew)")),
                ("write_off", _l("Write it off (it will not be paid)")),
            ]
        ),
    )
    on = DateField(_l("Date"), [InputRequired()], default=today)
    reason = TextAreaField(_l("Reason"), [InputRequired(_l("Say why.")), Length(max=2000)])


class ConfirmForm(PortalForm):
    EXTRA = ("state",)
    ALIASES = {"pledge_date": "state"}


class PaymentForm(PortalForm):
    pledge_id = int_select(_l("Pledge"), InputRequired(_l("Choose the pledge this payment settles.")))
    amount = AmountField(
        _l("Amount received"),
        [InputRequired(_l("Enter the amount received."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = SelectField(_l("Currency"), default="USD", validate_choice=False)
    received_date = DateField(_l("Date received"), [InputRequired()], default=today)
    reference = StringField(_l("Bank reference"), [Optional(), Length(max=120)])


class RateForm(PortalForm):
    currency = SelectField(_l("Currency"), validate_choice=False)
    effective_date = DateField(_l("Effective from"), [InputRequired()], default=today)
    units_per_usd = AmountField(
        _l("Units of the currency per 1 USD"),
        [InputRequired()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    source = StringField(_l("Source"), [Optional(), Length(max=120)], default="UN Treasury operational rates")


class AllocationForm(PortalForm):
    pledge_id = int_select(_l("Contribution (pledge)"), InputRequired(_l("Choose the contribution.")))
    project_id = int_select(_l("Project"), InputRequired(_l("Choose the project.")))
    amount = AmountField(
        _l("Amount (USD)"),
        [InputRequired(_l("Enter the amount to allocate."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    allocation_date = DateField(_l("Allocation date"), [InputRequired()], default=today)
    note = StringField(_l("Note"), [Optional(), Length(max=500)])


class ExpenditureForm(PortalForm):
    amount = AmountField(
        _l("Amount spent"),
        [InputRequired(_l("Enter the amount spent."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = SelectField(_l("Currency"), default="USD", validate_choice=False)
    expenditure_date = DateField(_l("Date of the expenditure"), [InputRequired()], default=today)
    description = StringField(
        _l("What the money was spent on"),
        [InputRequired(_l("Describe what the money was spent on.")), Length(max=500)],
    )
    pledge_id = int_select(_l("Charge to contribution (optional; oldest first otherwise)"))


class ReverseForm(PortalForm):
    ALIASES = {"date": "reversal_date"}
    EXTRA = ("entry_id",)
    entry_id = HiddenField()
    reversal_date = DateField(_l("Date of the reversal"), [InputRequired()], default=today)
    reason = TextAreaField(
        _l("Reason"), [InputRequired(_l("Say why this posting is reversed.")), Length(max=2000)]
    )


class CloseYearForm(PortalForm):
    EXTRA = ("year",)
    year = HiddenField(validators=[DataRequired()])


class ReopenYearForm(PortalForm):
    EXTRA = ("year",)
    year = HiddenField(validators=[DataRequired()])
    reason = StringField(
        _l("Reason for reopening"), [InputRequired(_l("Say why the year is reopened.")), Length(max=2000)]
    )


class CountryStatusForm(PortalForm):
    status = SelectField(
        _l("UN development status"),
        choices=options(
            [
                ("developing", _l("developing")),
                ("transition", _l("transition")),
                ("developed", _l("developed")),
                ("not_classified", _l("not_classified")),
            ]
        ),
    )
    effective_from = DateField(_l("Effective from"), [InputRequired()], default=today)
    source = StringField(_l("Source"), [Optional(), Length(max=300)])


class UserCreateForm(PortalForm):
    email = StringField(_l("Email"), [InputRequired(), Length(max=254)])
    name = StringField(_l("Name"), [InputRequired(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=options(
            [
                ("finance", _l("Finance officer")),
                ("project_officer", _l("Project officer")),
                ("donor_liaison", _l("Donor liaison")),
                ("auditor", _l("Auditor")),
                ("admin", _l("Administrator")),
            ]
        ),
    )
    donor_id = int_select(_l("Donor (donor liaisons only)"))
    password = StringField(
        _l("Initial password"),
        [InputRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password", "type": "password"},
    )


class EntityForm(PortalForm):
    """An institute's editable fields; the acronym only when it is created (projects name it by it)."""

    name = StringField(_l("Name"), [InputRequired(_l("Enter the institute's name.")), Length(max=500)])
    city = StringField(_l("City"), [Optional(), Length(max=120)])
    country_id = int_select(_l("Country"))
    kind = StringField(
        _l("Kind"), [InputRequired(_l("Enter the kind of institute, such as PNI institute.")), Length(max=80)]
    )


class EntityCreateForm(EntityForm):
    acronym = StringField(
        _l("Acronym"), [InputRequired(_l("Enter the institute's acronym, such as UNICRI.")), Length(max=20)]
    )


class InstrumentForm(PortalForm):
    short_name = StringField(
        _l("Short name"), [InputRequired(_l("Enter the instrument's short name.")), Length(max=80)]
    )
    title = TextAreaField(_l("Full title"), [InputRequired(_l("Enter the instrument's full title."))])
    adopted = DateField(_l("Adopted"), [Optional()])
    entry_into_force = DateField(_l("Entry into force"), [Optional()])


class ImportForm(PortalForm):
    ALIASES = {"file": "upload"}
    EXTRA = ("kind",)
    kind = SelectField(_l("What the file holds"), validate_choice=False)
    upload = FileField(_l("File (.xlsx; UN rates also as XML or CSV)"), [FileRequired(_l("Choose a file."))])
    sha256 = HiddenField()
