"""English, French and Spanish: switching on any page, amounts and dates in the language's style, and
catalogues that translate every message of the code (their compiled .mo files committed and current)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from fundtracker.extensions import db
from fundtracker.ledger.queries import totals

from .html import figure

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "fundtracker" / "translations"


def test_switching_language_keeps_the_page_and_outlives_signing_in(client_for, fund):
    client = client_for("finance")
    answer = client.get("/language", query_string={"lang": "fr", "next": f"/donors/{fund.donor.id}?x=1"})
    assert answer.status_code == 303 and answer.headers["Location"] == f"/donors/{fund.donor.id}?x=1"
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert (
        '<html lang="fr">' in html
        and "Annonces de contributions" in html
        and "Où sont allés les fonds" in html
    )
    assert (
        client.get("/language", query_string={"lang": "xx", "next": "//evil.example"}).headers["Location"]
        == "/"
    )
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "pledged_text", "date_text", "heading"),
    [
        ("en", "{int},{frac}", "Feb 1, 2025", "Pledged, paid and outstanding by year"),
        ("fr", "{int_fr},{frac}", "1 févr. 2025", "Annoncé, payé et restant dû par année"),
        ("es", "{int_es},{frac}", "1 feb 2025", "Prometido, pagado y pendiente por año"),
    ],
)
def test_amounts_and_dates_follow_the_language(client_for, fund, lang, pledged_text, date_text, heading):
    html = client_for("finance", lang=lang).get(f"/donors/{fund.donor.id}").get_data(as_text=True)
    pledged = totals(db.session, donor_id=fund.donor.id)["pledged"]
    whole, cents = divmod(pledged, 100)
    expected = {
        "en": f"{whole:,}.{cents:02d}",
        "fr": f"{whole:,}".replace(",", "\u202f") + f",{cents:02d}",
        "es": f"{whole:,}".replace(",", ".") + f",{cents:02d}",
    }[lang]
    assert figure(html, "pledged") == expected + "\xa0USD"
    assert "100" in html and date_text in html and heading in html
    assert f'<html lang="{lang}">' in html


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_message_of_the_code_is_translated_and_compiled(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "nav_item:1",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wanted = {m.id for m in read_po(pot.open("rb")) if m.id}
    assert len(wanted) > 400
    for lang in ("fr", "es"):
        po = read_po((TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb"))
        translated = {m.id: m.string for m in po if m.id}
        missing = sorted(str(m) for m in wanted if not translated.get(m) or not all(translated[m]))
        assert not missing, (
            f"{lang}: untranslated messages (see fundtracker/translations/README.md): {missing[:20]}"
        )
        mo = read_mo((TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb"))
        compiled = {_key(m.id): _key(m.string) for m in mo if m.id}
        stale = sorted(str(k) for k, v in translated.items() if compiled.get(_key(k)) != _key(v))
        assert not stale, f"{lang}: messages.mo is older than messages.po; run pybabel compile: {stale[:10]}"
