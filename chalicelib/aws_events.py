"""AWS event shapes turned into the services' commands. Nothing here decides anything."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from chalicelib.domain.errors import InvalidRequest

if TYPE_CHECKING:
    from chalicelib.services.arrangements import ArrangementRequest
    from chalicelib.services.import_upload import ImportUpload

# Matched with fullmatch: `re.match` with `$` also accepts a trailing newline ("tr_abc\n"), which
# the Mollie client then sends on as /v2/payments/tr_abc%0A.
CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
PAYMENT_ID = re.compile(r"tr_[A-Za-z0-9]{1,64}")
# Where clients drop files (services/import_upload.py reads the first three prefixes): lists of
# open items, lists of paid items and the bank's reversed direct debits; and where the print
# partner drops its posting reports (services/posting.py); and where a debtor's browser drops a
# proof of payment (services/dispute_proofs.py).
UPLOAD_PREFIXES = ("incoming", "paid", "storno", "posted", "proofs")
POSTING_REPORTS = "posted"
PROOFS = "proofs"
# S3 allows 1024 bytes of key; a report name adds a suffix to it.
MAX_UPLOAD_KEY_BYTES = 900
# Operators only: the client's IAM policy reaches reports/<client>/, never this prefix.
QUARANTINE_PREFIX = "quarantine/"


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


def upload_key_problem(key: str) -> str | None:
    """Why a (decoded) upload key must not be imported, or None when it is an ordinary
    `incoming/<client id>/<file>`, `paid/<client id>/<file>` or `storno/<client id>/<file>`.

    The key becomes part of report keys and of what the import reads: a `..` segment would put a
    report outside reports/<client>/, and a control character would travel into logs and CSVs.
    Whether the client exists is asked separately (it needs the client directory)."""
    if not key:
        return "the key is empty"
    if len(key.encode("utf-8")) > MAX_UPLOAD_KEY_BYTES:
        return f"the key is longer than {MAX_UPLOAD_KEY_BYTES} bytes"
    # Cc: C0/C1 controls (newline, NUL, ESC); Cf: invisible format characters such as the
    # right-to-left override that makes "lijst\u202eVSC.exe" look like another file name.
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in key):
        return "the key contains control characters"
    if "\\" in key:
        return "the key contains a backslash"
    segments = key.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return "the key has an empty, '.' or '..' segment"
    if len(segments) < 3 or segments[0] not in UPLOAD_PREFIXES:
        return (
            "the file is not under incoming/<client id>/, paid/<client id>/, storno/<client id>/, "
            "posted/<client id>/ or proofs/<client id>/"
        )
    if not CLIENT_ID.fullmatch(segments[1]):
        return "the client part is not a client id (lowercase letters, digits and dashes)"
    return None


def quarantine_report(bucket: str, key: str, etag: str, reason: str) -> tuple[str, bytes]:
    """Where and what to write for a refused upload key: under quarantine/, named by the key's
    hash, so that a hostile key never becomes part of another key. The key itself is kept escaped
    (ASCII, control characters as \\x.. escapes) for the operator who looks into it."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    body = {
        "bucket": bucket,
        "key_sha256": digest,
        "key_escaped": key.encode("unicode_escape").decode("ascii")[:2048],
        "etag": etag,
        "reason": reason,
        "what_to_do": (
            "The upload was not imported. Ask the client to upload the file again as "
            "incoming/<client id>/<file name>, with a plain file name."
        ),
    }
    return f"{QUARANTINE_PREFIX}{digest}.json", json.dumps(body, indent=2).encode()


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
    if not PAYMENT_ID.fullmatch(ids[0]):
        raise InvalidRequest("id must be a Mollie payment id (tr_ followed by letters and digits)")
    return ids[0]


def valid_client_id(client_id: str) -> str:
    if not CLIENT_ID.fullmatch(client_id):
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
