"""Reading portal pages in tests: field errors, input values, forms and figures, without a browser."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def errors_for(html: str, field: str) -> list[str]:
    """The messages shown beside a field (elements marked data-error-for="field")."""
    found = re.findall(rf'<div[^>]*data-error-for="{re.escape(field)}"[^>]*>(.*?)</div>', html, re.S)
    return [text(m) for m in found]


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


def figure(html: str, key: str) -> str:
    """The amount shown on a figure card (data-figure="key")."""
    card = re.search(rf'data-figure="{re.escape(key)}".*?<span class="amount[^"]*">(.*?)</span>', html, re.S)
    assert card, f"no figure {key}"
    return unescape(card.group(1))


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {"method": values.get("method", "get").lower(), "action": values.get("action", "")}
            )
        if tag == "a" and "href" in values:
            self.links.append(values["href"])


def forms_and_links(html: str) -> tuple[list[dict[str, str]], list[str]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms, parser.links
