"""Rendering the server-side pages: Jinja2 templates under templates/pages/ (autoescaped), with
every word the visitor reads taken from a texts file per language (chalicelib/data/)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chalicelib.services.templates import TEMPLATES_DIR

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR / "pages")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def texts(name: str) -> dict[str, dict[str, str]]:
    """`page_texts_<name>.json`: {"nl": {key: text}, "en": {key: text}}, the same keys in both."""
    raw = resources.files("chalicelib.data").joinpath(f"page_texts_{name}.json").read_text("utf-8")
    loaded: dict[str, dict[str, str]] = json.loads(raw)
    return loaded


def api_root() -> str:
    """The path the API is served under (a stage prefix such as /api), from PUBLIC_API_URL."""
    from urllib.parse import urlparse

    from chalicelib import bootstrap

    return urlparse(bootstrap.settings().public_api_url).path.rstrip("/")


def language(requested: str | None) -> str:
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


def render(template: str, lang: str, text_set: str, **context: Any) -> str:
    lang = language(lang)
    return environment().get_template(template).render(lang=lang, t=texts(text_set)[lang], **context)


@cache
def stylesheet() -> str:
    return (TEMPLATES_DIR / "pages" / "page.css").read_text("utf-8")
