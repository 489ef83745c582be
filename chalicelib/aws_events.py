"""AWS event shapes turned into the services' commands. Nothing here decides anything."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from chalicelib.domain.errors import InvalidRequest

if TYPE_CHECKING:
    from chalicelib.services.arrangements import ArrangementRequest
    from chalicelib.services.import_upload import ImportUpload

CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]{1,64}$")


def uploads_in(sqs_body: str) -> Iterator[ImportUpload]:
    """The S3 notification inside one SQS message. S3 sends an `s3:TestEvent` when the
    notification is set up (moto does too): it carries no records and yields nothing."""
    # Imported here: the import's parsers (openpyxl, phonenumbers) stay out of other cold starts.
    from chalicelib.services.import_upload import ImportUpload

    message: dict[str, Any] = json.loads(sqs_body)
    if message.get("Event") == "s3:TestEvent" or "Records" not in message:
        return
    for record in S3Event(message).records:
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        # Keys arrive URL-encoded (`incoming/club+42/leden+2026.csv`; moto also encodes the slashes).
        # A file version is known by its ETag (and version id where the bucket is versioned);
        # SQS message ids are not stable across redeliveries.
        obj = record.s3.get_object
        etag = f"{obj.etag}:{obj.version_id}" if obj.version_id else obj.etag
        yield ImportUpload(bucket=record.s3.bucket.name, key=unquote_plus(obj.key), etag=etag)


def dossier_of(sqs_body: str) -> tuple[str, str]:
    message = json.loads(sqs_body)
    return str(message["client_id"]), str(message["debtor_id"])


def webhook_payment_id(raw_body: bytes | None) -> str:
    """Mollie posts `id=tr_...` form-encoded. Anything else is refused before any call to Mollie."""
    try:
        form = parse_qs((raw_body or b"").decode("utf-8"), strict_parsing=False, max_num_fields=5)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequest("the body must be form-encoded: id=tr_...") from error
    ids = form.get("id", [])
    if len(ids) != 1:
        raise InvalidRequest("the body must carry exactly one id: id=tr_...")
    if not PAYMENT_ID.match(ids[0]):
        raise InvalidRequest("id must be a Mollie payment id (tr_ followed by letters and digits)")
    return ids[0]


def valid_client_id(client_id: str) -> str:
    if not CLIENT_ID.match(client_id):
        raise InvalidRequest("client id must be lowercase letters, digits and dashes")
    return client_id


def arrangement_request(body: Any) -> ArrangementRequest:
    """`{"installments": 3}` or `{"plan": [{"due_date": "2026-12-15", "amount_cents": 5000}, ...]}`,
    optionally `"approved_by_client": true`."""
    from chalicelib.services.arrangements import ArrangementRequest

    if not isinstance(body, dict):
        raise InvalidRequest('the body must be JSON: {"installments": 3} or {"plan": [...]}')
    approved = body.get("approved_by_client", False)
    if not isinstance(approved, bool):
        raise InvalidRequest("approved_by_client must be true or false")
    if "plan" in body:
        plan = body["plan"]
        if not isinstance(plan, list) or not plan:
            raise InvalidRequest("plan must be a list of {due_date, amount_cents}")
        parsed: list[tuple[date, int]] = []
        for item in plan:
            cents = item.get("amount_cents") if isinstance(item, dict) else None
            if not isinstance(cents, int) or isinstance(cents, bool):
                raise InvalidRequest("each plan item needs amount_cents as a whole number of cents")
            try:
                parsed.append((date.fromisoformat(str(item["due_date"])), cents))
            except (KeyError, ValueError) as error:
                raise InvalidRequest("each plan item needs due_date as YYYY-MM-DD") from error
        return ArrangementRequest(plan=tuple(parsed), approved_by_client=approved)
    count = body.get("installments")
    if not isinstance(count, int) or isinstance(count, bool):
        raise InvalidRequest("installments must be a whole number, e.g. 3")
    return ArrangementRequest(installments=count, approved_by_client=approved)
