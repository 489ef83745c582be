"""`debtflow dlq list|show|redrive`: what is in the dead-letter queues, and putting it back after a fix.

    debtflow dlq list [--stack NAME]                       every DLQ: how many, and each in one line
    debtflow dlq show QUEUE [MESSAGE_ID] [--stack NAME]    the dead letters of one queue in full
    debtflow dlq redrive QUEUE [--message-id ID ...] [--stack NAME]

QUEUE is uploads, import-chunks or actions. The queue URLs come from the stack's outputs
(`--stack`, a deployed stage) or from the environment (the local stack, tests):
UPLOADS_DLQ_URL, IMPORT_CHUNKS_DLQ_URL, ACTIONS_DLQ_URL, their source queues UPLOADS_QUEUE_URL,
IMPORT_CHUNKS_QUEUE_URL, ACTIONS_QUEUE_URL (asked of SQS when unset), and UPLOADS_BUCKET for the
failure notes. AWS_ENDPOINT_URL points it at moto.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.adapters.dead_letters import (
    ACTIONS,
    IMPORT_CHUNKS,
    QUEUES,
    UPLOADS,
    DeadLetter,
    DeadLetterQueue,
    QueuePair,
)

# Output names in infra/resources.json, and the environment variables of the same URLs.
STACK_OUTPUTS = {
    UPLOADS: ("UploadsDeadLetterQueueUrl", "UploadsQueueUrl"),
    IMPORT_CHUNKS: ("ImportChunksDeadLetterQueueUrl", "ImportChunksQueueUrl"),
    ACTIONS: ("ActionsDeadLetterQueueUrl", "ActionsQueueUrl"),
}
ENVIRONMENT = {
    UPLOADS: ("UPLOADS_DLQ_URL", "UPLOADS_QUEUE_URL"),
    IMPORT_CHUNKS: ("IMPORT_CHUNKS_DLQ_URL", "IMPORT_CHUNKS_QUEUE_URL"),
    ACTIONS: ("ACTIONS_DLQ_URL", "ACTIONS_QUEUE_URL"),
}
# What an operator does about each kind of dead letter before redriving it.
WHAT_TO_DO = {
    UPLOADS: (
        "The client got a 'failed' report for the file. Fix the cause (see the error and the logs "
        "of correlation id upload:<key>), then redrive: the import claims a file by its ETag, so "
        "a file imported meanwhile is skipped and nothing is opened twice."
    ),
    IMPORT_CHUNKS: (
        "The file's report says it failed. Fix the cause, then redrive: a shard already done is "
        "not imported again, and the shard that completes the file writes its real report."
    ),
    ACTIONS: (
        "The dossier's next step did not run; the sweep queues it again while it is due. Fix the "
        "cause, then redrive (or wait for the sweep): a step already taken is not repeated."
    ),
}


class QueuesNotFound(Exception):
    pass


def queue_pairs(
    stack: str | None, environ: Mapping[str, str], sqs: Any, cloudformation: Callable[[], Any]
) -> tuple[dict[str, QueuePair], str | None]:
    """The DLQ and source URL of each queue that is configured, and the uploads bucket."""
    if stack:
        described = cloudformation().describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        found = {
            queue: (outputs.get(dlq, ""), outputs.get(source, ""))
            for queue, (dlq, source) in STACK_OUTPUTS.items()
        }
        bucket = outputs.get("UploadsBucketName")
    else:
        found = {
            queue: (environ.get(dlq, ""), environ.get(source, ""))
            for queue, (dlq, source) in ENVIRONMENT.items()
        }
        bucket = environ.get("UPLOADS_BUCKET")
    pairs = {}
    for queue, (dlq_url, source_url) in found.items():
        if not dlq_url:
            continue
        if not source_url:
            sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
            source_url = sources[0] if len(sources) == 1 else ""
        pairs[queue] = QueuePair(queue, dlq_url, source_url)
    if not pairs:
        where = f"stack {stack}" if stack else "the environment (UPLOADS_DLQ_URL, ...)"
        raise QueuesNotFound(f"no dead-letter queue found in {where}")
    return pairs, bucket


def note_reader(s3: Any, bucket: str | None) -> Callable[[str], dict[str, Any] | None]:
    def read(key: str) -> dict[str, Any] | None:
        if not bucket:
            return None
        try:
            note: dict[str, Any] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None
        return note

    return read


def words_for_age(age: timedelta | None) -> str:
    if age is None:
        return "age unknown"
    seconds = max(int(age.total_seconds()), 0)
    if seconds < 3600:
        return f"{seconds // 60} min old"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h old"
    return f"{seconds // 86400} days old"


def one_line(letter: DeadLetter, now: datetime) -> str:
    return (
        f"  {letter.message_id}  {words_for_age(letter.age(now))}, received {letter.receives} times: "
        f"{letter.about}; error: {letter.error()}"
    )


def in_full(letter: DeadLetter, now: datetime) -> str:
    sent = letter.sent_at.isoformat(timespec="seconds") if letter.sent_at else "unknown"
    return "\n".join(
        (
            f"message {letter.message_id}",
            f"  about:     {letter.about}",
            f"  error:     {letter.error()}",
            f"  failed at: {letter.note.get('at') if letter.note else 'unknown'}",
            f"  first sent {sent} ({words_for_age(letter.age(now))})",
            f"  received   {letter.receives} times (the DLQ's own receives included)",
        )
    )


class Tool:
    """The command's AWS clients and queues, made once per run."""

    def __init__(self, stack: str | None, environ: Mapping[str, str] | None = None) -> None:
        import boto3

        environ = os.environ if environ is None else environ
        self.sqs = boto3.client("sqs")
        pairs, bucket = queue_pairs(stack, environ, self.sqs, lambda: boto3.client("cloudformation"))
        notes = note_reader(boto3.client("s3"), bucket)
        self.queues = {queue: DeadLetterQueue(pair, self.sqs, notes) for queue, pair in pairs.items()}

    def queue(self, name: str) -> DeadLetterQueue:
        if name not in self.queues:
            raise QueuesNotFound(f"the {name} dead-letter queue is not configured")
        return self.queues[name]


def list_command(args: argparse.Namespace) -> int:
    tool = Tool(args.stack)
    now = datetime.now(UTC)
    for name, queue in tool.queues.items():
        letters = queue.peek()
        print(f"{name}: {len(letters)} dead letter{'' if len(letters) == 1 else 's'}")
        for letter in letters:
            print(one_line(letter, now))
    return 0


def show_command(args: argparse.Namespace) -> int:
    queue = Tool(args.stack).queue(args.queue)
    now = datetime.now(UTC)
    letters = [letter for letter in queue.peek() if args.message_id in (None, letter.message_id)]
    if args.message_id and not letters:
        print(
            f"debtflow dlq: no message {args.message_id} in the {args.queue} dead-letter queue",
            file=sys.stderr,
        )
        return 1
    print(f"{args.queue}: {len(letters)} dead letter{'' if len(letters) == 1 else 's'}")
    for letter in letters:
        print(in_full(letter, now))
    print(f"what to do: {WHAT_TO_DO[args.queue]}")
    return 0


def redrive_command(args: argparse.Namespace) -> int:
    queue = Tool(args.stack).queue(args.queue)
    if not queue.pair.source_url:
        print(f"debtflow dlq: the source queue of {args.queue} is unknown; set its URL", file=sys.stderr)
        return 1
    result = queue.redrive(set(args.message_id) if args.message_id else None)
    print(
        f"{args.queue}: {result.moved} message{'' if result.moved == 1 else 's'} put back ({result.method})"
    )
    if result.task:
        print(f"move task {result.task}: SQS moves them in the background (see list-message-move-tasks)")
    return 0


def dlq_command(args: argparse.Namespace) -> int:
    try:
        handler: Callable[[argparse.Namespace], int] = args.dlq_handler
        return handler(args)
    except QueuesNotFound as error:
        print(f"debtflow dlq: {error}", file=sys.stderr)
        return 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "dlq",
        help="what is in the dead-letter queues, and redriving it after a fix",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    actions = parser.add_subparsers(dest="dlq_action", metavar="ACTION", required=True)
    stack = argparse.ArgumentParser(add_help=False)
    stack.add_argument(
        "--stack", help="the deployed stack whose outputs name the queues (default: environment)"
    )

    listing = actions.add_parser("list", parents=[stack], help="every DLQ, one line per dead letter")
    listing.set_defaults(dlq_handler=list_command)

    show = actions.add_parser("show", parents=[stack], help="the dead letters of one queue in full")
    show.add_argument("queue", choices=QUEUES, metavar="QUEUE", help=", ".join(QUEUES))
    show.add_argument("message_id", nargs="?", metavar="MESSAGE_ID", help="only this message")
    show.set_defaults(dlq_handler=show_command)

    redrive = actions.add_parser("redrive", parents=[stack], help="put dead letters back on their queue")
    redrive.add_argument("queue", choices=QUEUES, metavar="QUEUE", help=", ".join(QUEUES))
    redrive.add_argument(
        "--message-id", action="append", metavar="ID", help="only this message (repeatable); default: all"
    )
    redrive.set_defaults(dlq_handler=redrive_command)
    parser.set_defaults(handler=dlq_command)
