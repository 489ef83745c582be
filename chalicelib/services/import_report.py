"""What a client reads back after an upload, beside the list in `reports/<client>/`:

- `<file>.result.json`: the figures, for the dashboard and scripts (every field: README, "Import reports");
- `<file>.summary.txt`: the same in a few sentences, in the client's language;
- `<file>.errors.csv`: one line per rejected row, field left out or debtor without a dossier.

The words are data (`chalicelib/data/import_report_texts.json`, the reasons
`chalicelib/data/import_reasons.json`), one language per client. A new
upload under the same name replaces all three; a companion the new result no longer has is removed,
so an old errors.csv never sits beside a clean report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from chalicelib.domain.debtor_list import DroppedField, RejectedRow
from chalicelib.domain.money import format_eur
from chalicelib.services.ports import FileStore
from chalicelib.services.report_language import translate_reason

REPORT_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class NotOpened:
    """A listed debtor that got no dossier: credit notes or paid items only, nothing to collect."""

    debtor_id: str
    line: int
    balance_cents: int


@cache
def report_texts(language: str) -> Mapping[str, Any]:
    texts: dict[str, Any] = json.loads(
        resources.files("chalicelib.data").joinpath("import_report_texts.json").read_text("utf-8")
    )
    chosen: Mapping[str, Any] = texts[language if language in texts else REPORT_LANGUAGES[0]]
    return chosen


def report_key(client_id: str, file_name: str, suffix: str) -> str:
    return f"reports/{client_id}/{file_name}.{suffix}"


def write_reports(
    files: FileStore, client_id: str, file_name: str, report: Mapping[str, Any], errors_csv: bytes | None,
    language: str,
) -> None:  # fmt: skip
    report = localised(report, language)
    files.put(
        report_key(client_id, file_name, "result.json"),
        json.dumps(report, indent=2, ensure_ascii=False).encode("utf-8"),
        "application/json",
    )
    files.put(
        report_key(client_id, file_name, "summary.txt"),
        summary_text(report, language).encode("utf-8"),
        "text/plain; charset=utf-8",
    )
    errors_key = report_key(client_id, file_name, "errors.csv")
    if errors_csv is not None:
        files.put(errors_key, errors_csv, "text/csv; charset=utf-8")
    else:
        files.delete(errors_key)  # an earlier upload's rejections no longer hold


def localised(report: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The report with its reasons in the client's language; figures and keys stay as they are."""
    copy = dict(report)
    if copy.get("error"):
        copy["error"] = translate_reason(str(copy["error"]), language)
    for key in ("rejected", "fields_dropped"):
        copy[key] = [
            entry | {"reason": translate_reason(entry["reason"], language)} for entry in copy.get(key, [])
        ]
    return copy


def summary_text(report: Mapping[str, Any], language: str) -> str:
    texts = report_texts(language)
    values = dict(report)
    values["status"] = texts["status"].get(report["status"], report["status"])
    values["total_open"] = format_eur(int(report["total_open_cents"]))
    values["dropped_count"] = report.get("fields_dropped_count", 0)
    lines = [template.format(**values) for template in texts["summary"]]
    if report.get("error"):
        lines.append(texts["error_line"].format(error=report["error"]))
    if report.get("confirm_with"):
        lines.append(texts["confirm_line"].format(confirm_with=report["confirm_with"]))
    if report.get("not_opened"):
        debtors = ", ".join(str(entry["debtor_id"]) for entry in report["not_opened"])
        lines.append(texts["not_opened_line"].format(debtors=debtors))
    if report.get("rejected_count") or report.get("fields_dropped_count") or report.get("not_opened"):
        errors_file = f"{str(report['file']).rsplit('/', 1)[-1]}.errors.csv"
        lines.append(texts["details_line"].format(errors_file=errors_file))
    return "\n".join(lines) + "\n"


def rejected_rows_csv(
    rejected: Iterable[RejectedRow],
    dropped: Iterable[DroppedField] = (),
    not_opened: Iterable[NotOpened] = (),
    language: str = "nl",
) -> bytes:
    """Semicolon CSV with a BOM: Dutch Excel opens it with the right columns and accents. Rows in
    line order; the outcome column says what became of the row."""
    texts = report_texts(language)
    entries: list[tuple[int, str, str, str]] = [
        (row.line, row.column or "", texts["row_rejected"], translate_reason(row.reason, language))
        for row in rejected
    ]
    entries += [
        (field.line, field.column or "", texts["field_dropped"], translate_reason(field.reason, language))
        for field in dropped
    ]
    entries += [
        (
            entry.line,
            "",
            texts["debtor_not_opened"],
            texts["not_opened_reason"].format(
                debtor_id=entry.debtor_id, balance=format_eur(entry.balance_cents)
            ),
        )
        for entry in not_opened
    ]
    entries.sort(key=lambda entry: entry[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(texts["errors_csv_header"])
    for line, column, outcome, reason in entries:
        writer.writerow([line, _cell(column), outcome, _cell(reason)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    # CSV injection: a cell starting with = + - @ TAB CR LF would run as a formula in Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else value
