"""A client's uploads as its dashboard shows them: each import with its report in words, the
errors.csv beside it, and the confirmation of a held list.

Everything is read from the reports the import writes beside each upload (`reports/<client>/
<file>.result.json`, `.errors.csv`; services/import_report.py). Confirming a held list is what a
client could always do by hand: an empty `<file>.bevestigd` uploaded beside the list
(services/import_upload.py); the upload's notification imports the list again with the missing
debtors closed, and its report replaces the held one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import UnknownClient, UploadNotFound, UploadNotHeld
from chalicelib.domain.uploads import file_name_of, upload_id
from chalicelib.services.import_report import report_key, summary_text
from chalicelib.services.import_upload import CONFIRM_SUFFIXES, INCOMING
from chalicelib.services.ports import ClientDirectory, FileStore, ImportReports

# The uploads listed: the latest, newest first (the bucket's lifecycle removes old reports).
UPLOADS_SHOWN = 50
HELD = "held_for_confirmation"


@dataclass(frozen=True)
class UploadDeps:
    clients: ClientDirectory
    reports: ImportReports
    files: FileStore


def _language(client_id: str, clients: ClientDirectory) -> str:
    client = clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    return client.language


def _has_errors(result: dict[str, Any]) -> bool:
    return bool(
        result.get("rejected_count") or result.get("fields_dropped_count") or result.get("not_opened")
    )


def upload_line(client_id: str, name: str, result: dict[str, Any], language: str) -> dict[str, Any]:
    """One upload: its figures, its report in the client's words and what may be done with it."""
    uploaded = upload_id(name)
    base = f"/clients/{client_id}/uploads/{uploaded}"
    held = result.get("status") == HELD
    return {
        "upload_id": uploaded,
        "file": name,
        "status": result.get("status"),
        "error": result.get("error"),
        "rows": result.get("rows", 0),
        "accepted": result.get("accepted", 0),
        "rejected": result.get("rejected_count", 0),
        "fields_dropped": result.get("fields_dropped_count", 0),
        "opened": result.get("dossiers_opened", 0),
        "updated": result.get("dossiers_updated", 0),
        "closed": result.get("dossiers_closed", 0),
        "total_open_cents": result.get("total_open_cents", 0),
        "held": held,
        "confirmed": bool(result.get("confirmed")),
        "report": summary_text(result, language) if "total_open_cents" in result else "",
        "errors_csv": f"{base}/errors.csv" if _has_errors(result) else None,
        "confirm": f"{base}/confirm" if held else None,
    }


def uploads(client_id: str, deps: UploadDeps) -> dict[str, Any]:
    language = _language(client_id, deps.clients)
    return {
        "uploads": [
            upload_line(client_id, name, result, language)
            for name, result in deps.reports.recent(client_id, UPLOADS_SHOWN)
        ]
    }


def errors_csv(client_id: str, upload: str, deps: UploadDeps) -> tuple[str, bytes]:
    """(file name, body) of the upload's errors.csv; UploadNotFound when it has none."""
    _language(client_id, deps.clients)
    name = file_name_of(upload)
    try:
        with deps.files.open(report_key(client_id, name, "errors.csv")) as body:
            return f"{name.rsplit('/', 1)[-1]}.errors.csv", body.read()
    except FileNotFoundError:
        raise UploadNotFound(client_id) from None


def _result(client_id: str, name: str, files: FileStore) -> dict[str, Any]:
    import json

    try:
        with files.open(report_key(client_id, name, "result.json")) as body:
            found: dict[str, Any] = json.loads(body.read())
    except FileNotFoundError:
        raise UploadNotFound(client_id) from None
    return found


def confirm_held_list(
    client_id: str, upload: str, deps: UploadDeps, *, actor: str, now: datetime
) -> dict[str, Any]:
    """Confirm a held list: the confirmation file goes beside it, and the import closes the
    debtors the list leaves out. A list that is not held is refused (409) and nothing is written.

    The file says who confirmed and when: its content (and so its ETag) differs from an earlier
    confirmation of a list of the same name, which the upload ledger would otherwise take for
    the same upload and skip."""
    language = _language(client_id, deps.clients)
    name = file_name_of(upload)
    result = _result(client_id, name, deps.files)
    if result.get("status") != HELD:
        raise UploadNotHeld(f"{name!r} is not waiting for a confirmation (it was {result.get('status')})")
    key = f"{INCOMING}/{client_id}/{name}{CONFIRM_SUFFIXES[0]}"
    deps.files.put(key, f"confirmed by {actor} at {now.isoformat()}\n".encode(), "text/plain")
    return {**upload_line(client_id, name, result, language), "confirmation": key, "status": "confirming"}
