"""The client's files and settings behind the same login as the rest of the client's API
(chalicelib/routes/client_api.py: the authorizer, the tenancy helpers and the error mapping):

- exports of its dossiers and payments (CSV for Dutch Excel, XLSX);
- its uploads with their reports in words, each errors.csv, and the confirmation of a held list;
- its settings (sender name, reply-to, address, IBAN, KvK, phone, interest and costs choices).

Reading is for every user of the client; changing (confirming a list, settings) for owners only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import NotAllowed
from chalicelib.routes.client_api import login_route, own_client

client_files = Blueprint(__name__)

# An export is the client's data: never kept by a browser cache or a proxy.
NO_STORE: dict[str, str | list[str]] = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _route(
    path: str, methods: list[str], *, browser: bool = False
) -> Callable[[Callable[..., Response]], Any]:
    return login_route(client_files, path, methods, browser=browser)


def _owner_of(client_id: str, what: str) -> Caller:
    caller = own_client(client_id)
    if not caller.decides:
        raise NotAllowed(f"a viewer can read this; only an owner of the client can {what}")
    return caller


def _download(body: bytes, content_type: str, filename: str) -> Response:
    # Text goes out as text (API Gateway passes it through); the .xlsx as a binary type.
    return Response(
        body=body.decode("utf-8") if content_type.startswith("text/") else body,
        status_code=200,
        headers={
            **NO_STORE,
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


# --- exports -------------------------------------------------------------------------------------


def _export(client_id: str, what: str, file_format: str) -> Response:
    from chalicelib.services.client_exports import Export, ExportDeps, FileFormat, export_file

    own_client(client_id)
    deps = ExportDeps(bootstrap.client_directory(), bootstrap.client_views(), bootstrap.dossier_repository())
    exported = export_file(client_id, Export(what), FileFormat(file_format), deps)
    return _download(exported.body, exported.content_type, exported.filename)


@_route("/clients/{client_id}/exports/dossiers.csv", ["GET"], browser=True)
def dossiers_csv(client_id: str) -> Response:
    return _export(client_id, "dossiers", "csv")


@_route("/clients/{client_id}/exports/dossiers.xlsx", ["GET"], browser=True)
def dossiers_xlsx(client_id: str) -> Response:
    return _export(client_id, "dossiers", "xlsx")


@_route("/clients/{client_id}/exports/payments.csv", ["GET"], browser=True)
def payments_csv(client_id: str) -> Response:
    return _export(client_id, "payments", "csv")


@_route("/clients/{client_id}/exports/payments.xlsx", ["GET"], browser=True)
def payments_xlsx(client_id: str) -> Response:
    return _export(client_id, "payments", "xlsx")


# --- uploads -------------------------------------------------------------------------------------


def _upload_deps() -> Any:
    from chalicelib.adapters.s3_files import S3ImportReports
    from chalicelib.services.client_uploads import UploadDeps

    return UploadDeps(
        bootstrap.client_directory(),
        S3ImportReports(bootstrap.settings().uploads_bucket),
        bootstrap.file_store(),
    )


@_route("/clients/{client_id}/uploads", ["GET"])
def uploads(client_id: str) -> Response:
    from chalicelib.services.client_uploads import uploads as listed

    own_client(client_id)
    return Response(body=listed(client_id, _upload_deps()), headers=NO_STORE)


@_route("/clients/{client_id}/uploads/{upload_id}/errors.csv", ["GET"], browser=True)
def upload_errors(client_id: str, upload_id: str) -> Response:
    from chalicelib.services.client_uploads import errors_csv

    own_client(client_id)
    filename, body = errors_csv(client_id, upload_id, _upload_deps())
    return _download(body, "text/csv; charset=utf-8", filename)


@_route("/clients/{client_id}/uploads/{upload_id}/confirm", ["POST"])
def confirm_upload(client_id: str, upload_id: str) -> Response:
    from chalicelib.services.client_uploads import confirm_held_list

    caller = _owner_of(client_id, "confirm a held list")
    confirmed = confirm_held_list(
        client_id, upload_id, _upload_deps(), actor=caller.actor, now=bootstrap.now()
    )
    return Response(body=confirmed, status_code=202)


# --- settings ------------------------------------------------------------------------------------


@_route("/clients/{client_id}/settings", ["GET"])
def settings(client_id: str) -> Response:
    from chalicelib.services.client_settings import client_settings

    own_client(client_id)
    return Response(body=client_settings(client_id, bootstrap.client_directory()), headers=NO_STORE)


@_route("/clients/{client_id}/settings", ["PUT"])
def change_settings(client_id: str) -> Response:
    from chalicelib.services.client_settings import change_settings as change

    _owner_of(client_id, "change the settings")
    return Response(body=change(client_id, _json_body(), bootstrap.client_directory()), headers=NO_STORE)


def _json_body() -> Any:
    """The request's JSON; malformed JSON is a 400 with a message like every other refusal."""
    import json

    from chalicelib.domain.errors import InvalidRequest

    request = client_files.current_request
    raw = request.raw_body if request is not None else b""
    try:
        return json.loads(raw or b"null")
    except ValueError as error:
        raise InvalidRequest("the body is not JSON") from error
