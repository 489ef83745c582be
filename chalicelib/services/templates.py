"""Rendering messages from templates/ (Jinja2). HTML is autoescaped: a debtor name such as
`<script>` or `=HYPERLINK(...)` from a client's list comes out as harmless text."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

# app.py and templates/ sit side by side in the repository and, through vendor/, in the Lambda package.
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LANGUAGES = ("nl", "en")
# Facts a template may use that not every message has: the debtor's page link goes only into
# messages to a debtor that were given one.
OPTIONAL = {"page_url": ""}


def full_stop(name: str) -> str:
    """A name that ends a sentence: "Bakkerij Smit B.V." is not given a second full stop."""
    return name if name.endswith(".") else f"{name}."


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["full_stop"] = full_stop
    return env


@cache
def _wording() -> dict[str, Any]:
    # importlib.resources reads from inside the Lambda package as well as from a checkout.
    text = resources.files("chalicelib").joinpath("data").joinpath("wording.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def wording(language: str, *, club: bool) -> dict[str, str]:
    """What messages call a claim (`words.item`, `words.items`, ...): an invoice for a business,
    contributie for a club (chalicelib/data/wording.json)."""
    lang = language if language in LANGUAGES else "nl"
    return dict(_wording()[lang]["club" if club else "business"])


def member_line(language: str, *, club: bool, club_name: str, member: str, team: str | None) -> str:
    """For a club: the member whose lidmaatschap the contributie is for, with the team when the
    club's list names one. Empty for a business."""
    words = wording(language, club=club)
    if not words["member_line"]:
        return ""
    team_part = words["team"].format(team=team) if team else ""
    return words["member_line"].format(member=member, team=team_part, club=club_name)


def _with_defaults(context: dict[str, Any], lang: str) -> dict[str, Any]:
    """A context without club wording reads as a business's."""
    return {
        "words": wording(lang, club=False),
        "member_line": "",
        "reversal_lines": [],
        **OPTIONAL,
        **context,
        "lang": lang,
    }


def render_email(template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of an e-mail template in the debtor's language (Dutch by default)."""
    lang = language if language in LANGUAGES else "nl"
    env = environment()
    text_template = env.get_template(f"email/{lang}/{template}.txt")
    full_context = _with_defaults(context, lang)
    subject = "".join(text_template.blocks["subject"](text_template.new_context(full_context))).strip()
    text = text_template.render(full_context).split("\n", 1)[1].lstrip("\n")
    html = env.get_template(f"email/{lang}/{template}.html").render(full_context)
    return subject, text, html


def render_text(kind: str, template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, text) of a plain-text template (`sms`, `letter`). A template without a subject
    block gives an empty subject and the whole text."""
    lang = language if language in LANGUAGES else "nl"
    text_template = environment().get_template(f"{kind}/{lang}/{template}.txt")
    full_context = _with_defaults(context, lang)
    if "subject" not in text_template.blocks:
        return "", text_template.render(full_context).strip()
    subject = "".join(text_template.blocks["subject"](text_template.new_context(full_context))).strip()
    text = text_template.render(full_context).split("\n", 1)[1].lstrip("\n")
    return subject, text.rstrip("\n") + "\n"
