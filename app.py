"""Entry points. Each handler parses its event, calls one service, and maps errors to answers."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from aws_lambda_powertools import Logger
from chalice.app import Chalice, Cron, IAMAuthorizer, Rate, Response

from chalicelib import aws_events, bootstrap, mollie_webhook
from chalicelib.adapters import metrics
from chalicelib.domain.errors import (
    CallTaskClosed,
    ConcurrentChange,
    DebtflowError,
    DossierNotFound,
    InvalidRequest,
    PaymentProviderUnavailable,
    TransitionNotAllowed,
    UnknownCallTask,
    UnknownClient,
)
from chalicelib.log_setup import one_line_per_record, quiet_third_party_loggers
from chalicelib.web.debtor_routes import debtor_pages

# Chalice would add its own plain-text handler to the "debtflow" logger beside powertools' JSON
# one: every line twice. powertools' Logger is the one that writes.
app = Chalice(app_name="debtflow", configure_logs=False)
# Mollie's webhook: on AWS it runs in a function and role of its own (chalicelib/mollie_webhook.py);
# here it is served with the other routes, at the same path, by the same code.
mollie_webhook.register(app)
# The debtor's own page (server-rendered, public, reached through the personal link).
app.register_blueprint(debtor_pages)
logger = Logger(service="debtflow")
one_line_per_record()
# Libraries log request data (bodies, paths, Mollie's idempotency keys): capped before any runs.
quiet_third_party_loggers()


@app.middleware("all")
def fresh_log_state(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Every invocation starts from the Lambda context's keys alone: powertools keeps appended
    keys for the life of the process, so a warm function would stamp an upload's correlation id on
    the next, unrelated event. `inject_lambda_context(clear_state=True)` for every handler; Chalice
    calls ours with its own event objects, so it wraps them here."""
    context = getattr(event, "context", None) or getattr(event, "lambda_context", None)
    if not hasattr(context, "aws_request_id"):  # a direct call or a test client: no Lambda context
        logger.clear_state()
        return get_response(event)

    @logger.inject_lambda_context(clear_state=True)
    def handle(_event: Any, _context: Any) -> Any:
        return get_response(event)

    return handle(event, context)


UPLOADS_QUEUE = os.environ.get("UPLOADS_QUEUE_NAME", "debtflow-uploads")
ACTIONS_QUEUE = os.environ.get("ACTIONS_QUEUE_NAME", "debtflow-actions")
IMPORT_CHUNKS_QUEUE = os.environ.get("IMPORT_CHUNKS_QUEUE_NAME", "debtflow-import-chunks")
# SES publishes bounces and complaints here (the configuration set's event destination);
# infra/resources.json points the subscription at the stack's topic.
EMAIL_EVENTS_TOPIC = os.environ.get("EMAIL_EVENTS_TOPIC_NAME", "debtflow-email-events")


# Management routes (hand-over decisions, arrangements, the call worklist) answer only requests
# signed with AWS credentials of the operator's account until the client dashboard brings its
# own login. The Mollie webhook stays public: Mollie cannot sign, and it is treated as a hint.
OPERATORS = IAMAuthorizer()
# Who a decision is recorded as when the request carries no signed identity (the local stack and
# the test client); on AWS the IAM identity that signed the request is the actor.
OPERATOR = "operator"
# What an actor may contain: IAM names and STS session names use these characters.
ACTOR_CHARACTERS = re.compile(r"[^A-Za-z0-9+=,.@_/-]")
ACTOR_LIMIT = 128


def readable_actor(identity: Any) -> str | None:
    """The IAM identity that signed a request, as a name for the audit trail, or None.

    `userArn` names a user (`arn:aws:iam::<account>:user/<path>/<name>` -> `<name>`), an assumed
    role (`arn:aws:sts::<account>:assumed-role/<role>/<session>` -> `<role>/<session>`) or the
    account root. `caller` is the principal id (`AIDA...`, or `AROA...:<session>` for a role):
    its session name is the readable part. Access keys, account ids and tokens are left out."""
    if not isinstance(identity, dict):
        return None
    arn = identity.get("userArn")
    name: str | None = None
    if isinstance(arn, str) and arn.startswith("arn:"):
        resource = arn.split(":", 5)[-1]
        kind, _, rest = resource.partition("/")
        if kind == "user" and rest:
            name = rest.rsplit("/", 1)[-1]
        elif kind == "assumed-role" and rest:
            name = rest
        elif resource == "root":
            name = "root"
    caller = identity.get("caller")
    if name is None and isinstance(caller, str) and caller:
        name = caller.split(":", 1)[1] if ":" in caller else caller
    if not name:
        return None
    cleaned = ACTOR_CHARACTERS.sub("_", name)[:ACTOR_LIMIT]
    return cleaned or None


def current_actor() -> str:
    """Who the operator routes record as the actor: the signed caller, never the request body."""
    request = app.current_request
    context = request.context if request is not None else {}
    return readable_actor(context.get("identity") if isinstance(context, dict) else None) or OPERATOR


def answers_domain_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Domain errors carry messages written for the caller; map them by type in one place.

    Chalice turns an exception raised in a view into a 500 before any middleware sees it, so the
    mapping wraps each view. Anything that is not a DebtflowError stays a 500 (a bug).
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            # What the route counted (dossiers changed, messages sent) is published with it, not
            # carried into the next invocation of the same container.
            with metrics.published():
                return view(*args, **kwargs)
        except DebtflowError as error:
            status = next((ERROR_STATUS[t] for t in type(error).__mro__ if t in ERROR_STATUS), 400)
            return Response(body={"message": str(error)}, status_code=status)

    return wrapped


def json_body() -> Any:
    """The request's JSON; Chalice itself answers 400 to a body that is not JSON."""
    request = app.current_request
    return request.json_body if request is not None else None


def dossier_ref(client_id: str, debtor_id: str) -> str:
    """A stable, non-reversible reference for logs: debtor numbers can identify a person."""
    return hashlib.sha256(f"{client_id}#{debtor_id}".encode()).hexdigest()[:12]


def delivery_of(record: Any) -> int:
    """How often SQS has delivered this message (1 the first time)."""
    return int(record.to_dict().get("attributes", {}).get("ApproximateReceiveCount", 1))


@contextlib.contextmanager
def failure_noted(queue: str, record: Any, handler: str) -> Iterator[None]:
    """A failed delivery leaves a note (error type, handler, delivery) under the message's id, so
    that `debtflow dlq` can say why a dead letter failed: SQS's DLQ itself does not."""
    from chalicelib.adapters.dead_letters import note_failure

    try:
        yield
    except Exception as error:
        message_id = str(record.to_dict().get("messageId", ""))
        note_failure(
            bootstrap.file_store(),
            queue,
            message_id,
            handler=handler,
            delivery=delivery_of(record),
            error=error,
            at=bootstrap.now(),
        )
        raise


# batch_size=1: a failing file or dossier is retried (and dead-lettered) alone.
@app.on_sqs_message(queue=UPLOADS_QUEUE, batch_size=1)
def import_upload(event: Any) -> None:
    for record in event:
        with failure_noted("uploads", record, "import_upload"):
            _import_uploads_of(record)


def _import_uploads_of(record: Any) -> None:
    from chalicelib.services.import_upload import import_upload as run_import

    # How often SQS has delivered this message: the service reports a failure on the last one.
    delivery = delivery_of(record)
    for upload in aws_events.uploads_in(record.body):
        if quarantined(upload.bucket, upload.key, upload.etag):
            continue
        logger.append_keys(correlation_id=f"upload:{upload.key}:{upload.etag}")
        if upload.key.startswith(f"{aws_events.POSTING_REPORTS}/"):
            posting_report(upload.key)
            continue
        with metrics.published():
            result = run_import(upload, bootstrap.now(), bootstrap.import_deps(), delivery=delivery)
            metrics.count("RowsImported", result.accepted)
            metrics.count("RowsRejected", len(result.rejected))
            if result.status == "rejected_file":
                metrics.count("FilesRejected")
        logger.info(
            "upload handled",
            extra={
                "client_id": result.client_id,
                "status": result.status,
                "rows": result.rows,
                "accepted": result.accepted,
                "rejected": len(result.rejected),
                "opened": len(result.opened),
                "closed": len(result.closed),
            },
        )


def posting_report(key: str) -> None:
    """The print partner's report of the days it posted letters (services/posting.py). Recording
    a posting twice changes nothing, so a redelivered report is harmless."""
    from chalicelib.services.posting import record_posting_report

    result = record_posting_report(key.split("/")[1], key, bootstrap.now(), bootstrap.action_deps())
    with metrics.published():
        metrics.count("LettersReportedPosted", result.recorded)
        metrics.count("PostingsRefused", len(result.refused))
    logger.info(
        "posting report handled",
        extra={
            "client_id": result.client_id,
            "recorded": result.recorded,
            "repeated": result.repeated,
            "refused": len(result.refused),
        },
    )


def check_postings() -> None:
    """Letters handed to the print partner and not reported posted within the working days of
    chalicelib/data/posting.json: a metric to alarm on, a warning in the log, and
    state/<client>/letters-not-posted.json for the dashboard."""
    from chalicelib.services.posting import unreported_letters

    now = bootstrap.now()
    for client in bootstrap.client_directory().all():
        if not client.print_partner:
            continue
        overdue = unreported_letters(
            client.client_id, now, bootstrap.dossier_repository(), bootstrap.file_store()
        )
        with metrics.published():
            metrics.count("LettersNotReportedPosted", len(overdue))
        if overdue:
            # Letter ids name a debtor number, not a person: no personal data in the log.
            logger.warning(
                "letters not reported posted",
                extra={
                    "client_id": client.client_id,
                    "letters": [f"{u.client_id}/{u.debtor_id}/{u.step}" for u in overdue],
                },
            )


def quarantined(bucket: str, key: str, etag: str) -> bool:
    """Refuse an upload key before anything reads it or writes a report named after it: an odd
    key (`..`, empty segments, control characters, no client id) or one of no registered client.
    Its report goes under quarantine/, which only operators read."""
    reason = aws_events.upload_key_problem(key)
    if reason is None and bootstrap.client_directory().get(key.split("/")[1]) is None:
        reason = "no client is registered under the client part of the key"
    if reason is None:
        return False
    report_key, body = aws_events.quarantine_report(bucket, key, etag, reason)
    bootstrap.file_store().put(report_key, body, "application/json")
    with metrics.published():
        metrics.count("UploadsQuarantined")
    # The key stays out of the log (it is what was refused); the report is found by its name.
    logger.warning("upload quarantined", extra={"report": report_key, "reason": reason})
    return True


# One shard of a large list that import_upload split (services/import_chunks.py).
@app.on_sqs_message(queue=IMPORT_CHUNKS_QUEUE, batch_size=1)
def import_chunk(event: Any) -> None:
    import json

    from chalicelib.services.import_chunks import ImportChunk
    from chalicelib.services.import_chunks import import_chunk as run_chunk

    for record in event:
        chunk = ImportChunk.from_message(json.loads(record.body))
        logger.append_keys(correlation_id=f"upload:{chunk.key}:{chunk.etag}", shard=chunk.shard)
        # The delivery count: the service reports a failure on the last one.
        with failure_noted("import-chunks", record, "import_chunk"), metrics.published():
            result = run_chunk(chunk, bootstrap.now(), bootstrap.import_deps(), delivery=delivery_of(record))
        if result is not None:
            logger.info(
                "split upload imported",
                extra={
                    "client_id": result.client_id,
                    "status": result.status,
                    "rows": result.rows,
                    "opened": len(result.opened),
                    "closed": len(result.closed),
                },
            )


@app.schedule(Rate(15, unit=Rate.MINUTES))
def sweep_due(event: Any) -> None:
    from chalicelib.services.sweep import sweep_due as run_sweep

    queued = run_sweep(bootstrap.now(), bootstrap.dossier_repository(), bootstrap.action_queue())
    logger.info("due dossiers queued", extra={"queued": queued})


@app.on_sqs_message(queue=ACTIONS_QUEUE, batch_size=1)
def process_dossier_action(event: Any) -> None:
    from chalicelib.services.dossier_actions import run_due_action

    for record in event:
        client_id, debtor_id = aws_events.dossier_of(record.body)
        logger.append_keys(correlation_id=f"dossier:{dossier_ref(client_id, debtor_id)}")
        with failure_noted("actions", record, "process_dossier_action"), metrics.published():
            outcome = run_due_action(client_id, debtor_id, bootstrap.now(), bootstrap.action_deps())
        logger.info("dossier action", extra={"client_id": client_id, "outcome": outcome.value})


@app.on_sns_message(topic=EMAIL_EVENTS_TOPIC)
def ses_feedback(event: Any) -> None:
    from chalicelib.adapters.ses_events import feedback_from_sns_message
    from chalicelib.services.email_feedback import FeedbackOutcome, on_email_feedback

    feedback = feedback_from_sns_message(event.message, bootstrap.now())
    logger.append_keys(correlation_id=f"ses:{feedback.message_id}")
    with metrics.published():
        outcome = on_email_feedback(feedback, bootstrap.feedback_deps())
        if outcome is FeedbackOutcome.ADDRESS_REJECTED:
            metrics.count("EmailAddressesRejected")
        elif outcome is FeedbackOutcome.UNKNOWN_MESSAGE:
            metrics.count("EmailFeedbackUnmatched")
    # No address in the log: the message id is enough to find it in SES.
    logger.info("ses feedback", extra={"kind": feedback.kind.value, "outcome": outcome.value})


# Daily, early morning (UTC): payments that no webhook brought in.
@app.schedule(Cron(30, 4, "*", "*", "?", "*"))
def reconcile_payments(event: Any) -> None:
    from chalicelib.services.reconciliation import reconcile_payments as run_reconciliation

    reports = run_reconciliation(bootstrap.now(), bootstrap.reconciliation_deps())
    check_postings()
    for report in reports:
        logger.info(
            "payments reconciled",
            extra={
                "client_id": report.client_id,
                "checked": report.payments_checked,
                "fixed": len(report.fixed),
                "error": report.error,
            },
        )


@app.route(
    "/clients/{client_id}/dossiers/{debtor_id}/arrangement",
    methods=["POST"],
    content_types=["application/json"],
    authorizer=OPERATORS,
)
@answers_domain_errors
def create_arrangement(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.arrangements import create_arrangement as agree

    aws_events.valid_client_id(client_id)
    command = aws_events.arrangement_request(json_body())
    dossier = agree(
        client_id, debtor_id, command, bootstrap.now(), bootstrap.action_deps(), actor=current_actor()
    )
    assert dossier.arrangement is not None
    return Response(
        body={
            "status": dossier.status.value,
            "installments": [
                {"number": i.number, "due_date": i.due_date.isoformat(), "amount_cents": i.amount_cents}
                for i in dossier.arrangement.installments
            ],
        },
        status_code=201,
    )


@app.route(
    "/clients/{client_id}/dossiers/{debtor_id}/handover",
    methods=["POST"],
    content_types=["application/json"],
    authorizer=OPERATORS,
)
@answers_domain_errors
def handover_decision(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.handover import HandoverDecision, decide_handover

    aws_events.valid_client_id(client_id)
    decision = HandoverDecision.from_json(json_body())
    result = decide_handover(
        client_id, debtor_id, decision, bootstrap.now(), bootstrap.action_deps(), actor=current_actor()
    )
    return Response(
        body={"status": result.status, "export": result.export_key, "summary": result.summary_key},
        status_code=200,
    )


@app.route(
    "/clients/{client_id}/dossiers/{debtor_id}/calls/{task_id}",
    methods=["POST"],
    content_types=["application/json"],
    authorizer=OPERATORS,
)
@answers_domain_errors
def call_outcome(client_id: str, debtor_id: str, task_id: str) -> Response:
    from chalicelib.services.call_tasks import CallReport, record_call_outcome

    aws_events.valid_client_id(client_id)
    report = CallReport.from_json(json_body())
    task = record_call_outcome(
        client_id, debtor_id, task_id, report, bootstrap.now(), bootstrap.action_deps(), actor=current_actor()
    )
    return Response(body={"task_id": task.task_id, "outcome": report.outcome.value}, status_code=200)


@app.route(
    "/clients/{client_id}/dossiers/{debtor_id}/disputes",
    methods=["POST"],
    content_types=["application/json"],
    authorizer=OPERATORS,
)
@answers_domain_errors
def dispute(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.disputes import DisputeRequest, file_dispute

    aws_events.valid_client_id(client_id)
    request = DisputeRequest.from_json(json_body())
    filed = file_dispute(
        client_id, debtor_id, request, bootstrap.now(), bootstrap.action_deps(), actor=current_actor()
    )
    return Response(
        body={"dispute": filed.dispute_id, "state": filed.state.value, "invoices": list(filed.invoices)},
        status_code=201,
    )


@app.route(
    "/clients/{client_id}/dossiers/{debtor_id}/disputes/resolution",
    methods=["POST"],
    content_types=["application/json"],
    authorizer=OPERATORS,
)
@answers_domain_errors
def dispute_resolution(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.disputes import DisputeDecision, decide_dispute

    aws_events.valid_client_id(client_id)
    decision = DisputeDecision.from_json(json_body())
    decided = decide_dispute(
        client_id, debtor_id, decision, bootstrap.now(), bootstrap.action_deps(), actor=current_actor()
    )
    return Response(
        body={"decided": [{"dispute": d.dispute_id, "invoices": list(d.invoices)} for d in decided]}
    )


@app.route(
    "/clients/{client_id}/dossiers/{debtor_id}/pause",
    methods=["POST"],
    content_types=["application/json"],
    authorizer=OPERATORS,
)
@answers_domain_errors
def pause(client_id: str, debtor_id: str) -> Response:
    from chalicelib.domain.schedule import local_day
    from chalicelib.services.client_decisions import PauseRequest, pause_dunning

    aws_events.valid_client_id(client_id)
    now = bootstrap.now()
    request = PauseRequest.from_json(json_body(), local_day(now))
    dossier = pause_dunning(
        client_id, debtor_id, request.until, now, bootstrap.action_deps(), actor=current_actor()
    )
    return dossier_answer(dossier)


@app.route(
    "/clients/{client_id}/dossiers/{debtor_id}/resume",
    methods=["POST"],
    content_types=["application/json"],
    authorizer=OPERATORS,
)
@answers_domain_errors
def resume(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.client_decisions import reason_from_json, resume_dunning

    aws_events.valid_client_id(client_id)
    reason_from_json(json_body())
    dossier = resume_dunning(
        client_id, debtor_id, bootstrap.now(), bootstrap.action_deps(), actor=current_actor()
    )
    return dossier_answer(dossier)


@app.route(
    "/clients/{client_id}/dossiers/{debtor_id}/withdraw",
    methods=["POST"],
    content_types=["application/json"],
    authorizer=OPERATORS,
)
@answers_domain_errors
def withdraw(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.client_decisions import reason_from_json, withdraw_dossier

    aws_events.valid_client_id(client_id)
    reason = reason_from_json(json_body())
    dossier = withdraw_dossier(
        client_id, debtor_id, reason, bootstrap.now(), bootstrap.action_deps(), actor=current_actor()
    )
    return dossier_answer(dossier)


def dossier_answer(dossier: Any) -> Response:
    """Where a dossier stands after a decision: its status, next action and whom it waits on."""
    waiting = dossier.waiting_for
    return Response(
        body={
            "status": dossier.status.value,
            "next_action_at": dossier.next_action_at.isoformat() if dossier.next_action_at else None,
            "waiting_for": {
                "who": waiting.who.value,
                "until": waiting.until.isoformat(),
                "about": waiting.about,
            }
            if waiting
            else None,
        }
    )


@app.route("/clients/{client_id}/calls", methods=["GET"], authorizer=OPERATORS)
@answers_domain_errors
def call_worklist(client_id: str) -> Response:
    from chalicelib.services.call_tasks import worklist

    aws_events.valid_client_id(client_id)
    return Response(body={"calls": worklist(client_id, bootstrap.now(), bootstrap.dossier_repository())})


ERROR_STATUS: dict[type[DebtflowError], int] = {
    InvalidRequest: 400,
    UnknownClient: 404,
    DossierNotFound: 404,
    TransitionNotAllowed: 409,
    ConcurrentChange: 503,
    PaymentProviderUnavailable: 503,
    UnknownCallTask: 404,
    CallTaskClosed: 409,
}
