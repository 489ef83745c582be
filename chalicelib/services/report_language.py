"""The reasons of a report in the client's language.

The reader states every reason in English, the language of the code and the logs. A report for a
client who reads another language gets each reason through the templates of
`chalicelib/data/import_reasons.json`: the English template is matched (its {placeholders} stand
for the client's own cell text or a figure, carried over unchanged) and the same placeholders are
filled into that language's template. A reason without a template stays in English rather than
being lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

SOURCE_LANGUAGE = "en"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _catalogue() -> tuple[list[tuple[re.Pattern[str], dict[str, str]]], dict[str, dict[str, str]]]:
    data = json.loads(resources.files("chalicelib.data").joinpath("import_reasons.json").read_text("utf-8"))
    compiled = []
    for template in data["templates"]:
        english = template[SOURCE_LANGUAGE]
        parts = _PLACEHOLDER.split(english)
        # Literal text escaped, each placeholder a lazy group: "'{value}' is not a date".
        pattern = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.*?)" for index, part in enumerate(parts)
        )
        compiled.append((re.compile(pattern, re.DOTALL), template))
    return compiled, data.get("field_words", {})


def translate_reason(reason: str, language: str) -> str:
    if language == SOURCE_LANGUAGE:
        return reason
    templates, field_words = _catalogue()
    words: Mapping[str, str] = field_words.get(language, {})
    for pattern, template in templates:
        match = pattern.fullmatch(reason)
        if match is None or language not in template:
            continue
        values = {name: words.get(value, value) for name, value in match.groupdict().items()}
        return template[language].format(**values)
    return reason
