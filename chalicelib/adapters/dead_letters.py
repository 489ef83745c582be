"""Dead-letter queues: what a failed message was about, why it failed, and putting it back.

SQS moves a message that failed `maxReceiveCount` times into the queue's DLQ without saying why.
So every SQS handler leaves a *failure note* when a delivery fails (`note_failure`):
`dead-letters/<queue>/<message id>.json` in the uploads bucket, holding the error's type (and
AWS error code), the handler and the delivery number. SQS keeps a message's id when it moves it
to the DLQ, so `debtflow dlq` finds the note of each dead letter. A note is overwritten by the
next failure of the same message; notes of messages that later succeeded are never read and
expire with the bucket's lifecycle rule for `dead-letters/`.

What is shown leaves personal data out: a file is named by client and file name, a dossier by
client and the same hashed reference the logs carry (`dossier:<ref>`), never the debtor number;
an error by its type and code, never its message (botocore messages can quote item values).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.services.ports import FileStore

logger = logging.getLogger(__name__)

NOTES_PREFIX = "dead-letters/"
# The queues that have a DLQ (infra/resources.json), by the name operators type.
UPLOADS = "uploads"
IMPORT_CHUNKS = "import-chunks"
ACTIONS = "actions"
QUEUES = (UPLOADS, IMPORT_CHUNKS, ACTIONS)
# How long a peeked or half-moved message stays hidden from other readers of the DLQ.
HOLD_SECONDS = 120


def note_key(queue: str, message_id: str) -> str:
    # A message id is a UUID on AWS; anything else is hashed so it cannot shape the key.
    safe = (
        message_id
        if message_id.replace("-", "").isalnum()
        else hashlib.sha256(message_id.encode()).hexdigest()
    )
    return f"{NOTES_PREFIX}{queue}/{safe}.json"


def error_words(error: BaseException) -> str:
    """The error's type, and for an AWS error its code: enough to tell a throttle from a bug."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "?")
        operation = getattr(error, "operation_name", "?")
        return f"{type(error).__name__} {code} from {operation}"
    return type(error).__name__


def note_failure(
    store: FileStore,
    queue: str,
    message_id: str,
    *,
    handler: str,
    delivery: int,
    error: BaseException,
    at: datetime,
) -> None:
    """Write the failure note of one delivery. Never raises: the failure that brought us here is
    the one SQS must see."""
    body = {"handler": handler, "delivery": delivery, "error": error_words(error), "at": at.isoformat()}
    try:
        store.put(note_key(queue, message_id), json.dumps(body).encode(), "application/json")
    except Exception as failure:
        logger.error("the failure note could not be written: %s", type(failure).__name__)


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    message_id: str
    about: str  # which file or dossier, in words
    receives: int  # SQS's count, the DLQ's own receives included
    sent_at: datetime | None
    note: dict[str, Any] | None  # the last failure note, if one was written

    def age(self, now: datetime) -> timedelta | None:
        return None if self.sent_at is None else now - self.sent_at

    def error(self) -> str:
        if self.note is None:
            return "unknown (no failure note: the handler may have timed out or run out of memory)"
        return (
            f"{self.note.get('error')} in {self.note.get('handler')} on delivery {self.note.get('delivery')}"
        )


def _dossier_ref(client_id: str, debtor_id: str) -> str:
    # The same reference as app.dossier_ref: a log search for `dossier:<ref>` finds its history.
    return hashlib.sha256(f"{client_id}#{debtor_id}".encode()).hexdigest()[:12]


def _printable(text: str, limit: int = 200) -> str:
    return text.encode("unicode_escape").decode("ascii")[:limit]


def describe(queue: str, body: str) -> str:
    """What a message of `queue` was about, in words and without personal data."""
    from chalicelib.aws_events import uploads_in

    try:
        if queue == UPLOADS:
            message = json.loads(body)
            if message.get("Event") == "s3:TestEvent":
                return "S3's test message (nothing to import)"
            files = [_file_words(upload.key) for upload in uploads_in(body)]
            return "; ".join(files) or "an S3 notification without new files"
        if queue == IMPORT_CHUNKS:
            chunk = json.loads(body)
            return f"shard {int(chunk['shard'])} of {_file_words(str(chunk['key']))}"
        if queue == ACTIONS:
            message = json.loads(body)
            client_id, debtor_id = str(message["client_id"]), str(message["debtor_id"])
            return (
                f"the next step of dossier {_printable(client_id, 64)}/{_dossier_ref(client_id, debtor_id)}"
            )
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return f"an unreadable message ({len(body)} characters)"


def _file_words(key: str) -> str:
    parts = PurePosixPath(key).parts
    if len(parts) >= 3:
        return f"file {_printable('/'.join(parts[2:]))} of client {_printable(parts[1], 64)} ({parts[0]}/)"
    return "a file outside incoming/<client>/ (see quarantine/)"


@dataclass(frozen=True)
class QueuePair:
    """A DLQ and the queue its messages came from."""

    queue: str
    dlq_url: str
    source_url: str


@dataclass(frozen=True)
class RedriveResult:
    moved: int
    method: str  # "move task" (SQS does it) or "copy" (send to the source, then delete)
    task: str | None = None  # the move task's handle, to follow it in the console


class DeadLetterQueue:
    """One DLQ through the SQS API (boto3 client passed in: the operator's credentials)."""

    def __init__(self, pair: QueuePair, sqs: Any, notes: Callable[[str], dict[str, Any] | None]) -> None:
        self.pair = pair
        self._sqs = sqs
        self._notes = notes

    def depth(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.pair.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))

    def _receive(self, hold: int) -> list[dict[str, Any]]:
        answer = self._sqs.receive_message(
            QueueUrl=self.pair.dlq_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=hold,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages

    def _letter(self, message: dict[str, Any]) -> DeadLetter:
        attributes = message.get("Attributes", {})
        sent = attributes.get("SentTimestamp")
        return DeadLetter(
            queue=self.pair.queue,
            message_id=message["MessageId"],
            about=describe(self.pair.queue, message.get("Body", "")),
            receives=int(attributes.get("ApproximateReceiveCount", 0)),
            sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
            note=self._notes(note_key(self.pair.queue, message["MessageId"])),
        )

    def _held(self, limit: int) -> Iterator[dict[str, Any]]:
        """Messages received (and so hidden for HOLD_SECONDS) until the queue has no unseen one
        left or `limit` were seen. Each message is yielded once."""
        seen: set[str] = set()
        while len(seen) < limit:
            batch = [m for m in self._receive(HOLD_SECONDS) if m["MessageId"] not in seen]
            if not batch:
                return
            for message in batch:
                seen.add(message["MessageId"])
                yield message

    def peek(self, limit: int = 100) -> list[DeadLetter]:
        """The dead letters, left in the queue: each is made visible again right after reading."""
        held = list(self._held(limit))
        # Released only once all are read: a released message would be received again at once.
        for message in held:
            self._release(message)
        return [self._letter(message) for message in held]

    def _release(self, message: dict[str, Any]) -> None:
        self._sqs.change_message_visibility(
            QueueUrl=self.pair.dlq_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )

    def redrive(self, message_ids: set[str] | None = None) -> RedriveResult:
        """Put dead letters back on their source queue: all of them (SQS's own move task where the
        service has it) or only `message_ids` (copied one by one)."""
        if message_ids is None:
            waiting = self.depth()
            task = self._start_move_task()
            if task is not None:
                return RedriveResult(moved=waiting, method="move task", task=task)
        return RedriveResult(moved=self._copy_back(message_ids), method="copy")

    def _start_move_task(self) -> str | None:
        """StartMessageMoveTask, or None where the endpoint does not implement it (moto)."""
        arn = self._sqs.get_queue_attributes(QueueUrl=self.pair.dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        source_arn = self._sqs.get_queue_attributes(
            QueueUrl=self.pair.source_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        try:
            answer = self._sqs.start_message_move_task(SourceArn=arn, DestinationArn=source_arn)
        except NotImplementedError:  # moto in-process
            return None
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = error.response.get("Error", {}).get("Code", "")
            if status >= 500 or code in ("InvalidAction", "NotImplemented", "UnsupportedOperation"):
                return None  # moto server answers an unimplemented action with an error of its own
            raise
        handle: str = answer["TaskHandle"]
        return handle

    def _copy_back(self, message_ids: set[str] | None) -> int:
        """Send each message to its source queue, then delete it from the DLQ.

        In this order nothing is lost: a failed send leaves the message in the DLQ (made visible
        again). A delete that fails after the send leaves a copy in both queues: the message is
        then delivered twice, which every handler absorbs (each is idempotent, SQS being
        at-least-once anyway), and nothing is sent to a debtor twice."""
        moved = 0
        passed_over: list[dict[str, Any]] = []
        try:
            for message in self._held(limit=100_000):
                if message_ids is not None and message["MessageId"] not in message_ids:
                    passed_over.append(message)
                    continue
                try:
                    self._sqs.send_message(QueueUrl=self.pair.source_url, **_resend(message))
                except Exception:
                    passed_over.append(message)
                    raise
                self._sqs.delete_message(QueueUrl=self.pair.dlq_url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        finally:
            for message in passed_over:
                self._release(message)
        return moved


def _resend(message: dict[str, Any]) -> dict[str, Any]:
    """The body and message attributes of a received message, as send_message takes them."""
    arguments: dict[str, Any] = {"MessageBody": message["Body"]}
    attributes = {
        name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    if attributes:
        arguments["MessageAttributes"] = attributes
    return arguments
