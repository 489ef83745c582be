"""Rendering messages from templates/ (Jinja2). HTML is autoescaped: a debtor name such as
`<script>` or `=HYPERLINK(...)` from a client's list comes out as harmless text."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

# app.py and templates/ sit side by side in the repository and, through vendor/, in the Lambda package.
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LANGUAGES = ("nl", "en")
# Facts a template may use that not every message has: the debtor's page link goes only into
# messages to a debtor that were given one.
OPTIONAL = {"page_url": ""}


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_email(template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of an e-mail template in the debtor's language (Dutch by default)."""
    lang = language if language in LANGUAGES else "nl"
    env = environment()
    text_template = env.get_template(f"email/{lang}/{template}.txt")
    full_context = {**OPTIONAL, **context, "lang": lang}
    subject = "".join(text_template.blocks["subject"](text_template.new_context(full_context))).strip()
    text = text_template.render(full_context).split("\n", 1)[1].lstrip("\n")
    html = env.get_template(f"email/{lang}/{template}.html").render(full_context)
    return subject, text, html


def render_text(kind: str, template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, text) of a plain-text template (`sms`, `letter`). A template without a subject
    block gives an empty subject and the whole text."""
    lang = language if language in LANGUAGES else "nl"
    text_template = environment().get_template(f"{kind}/{lang}/{template}.txt")
    full_context = {**OPTIONAL, **context, "lang": lang}
    if "subject" not in text_template.blocks:
        return "", text_template.render(full_context).strip()
    subject = "".join(text_template.blocks["subject"](text_template.new_context(full_context))).strip()
    text = text_template.render(full_context).split("\n", 1)[1].lstrip("\n")
    return subject, text.rstrip("\n") + "\n"
