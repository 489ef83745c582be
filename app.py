"""Entry points. Each handler parses its event, calls one service, and maps errors to answers."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from aws_lambda_powertools import Logger
from chalice.app import Chalice, Cron, Rate

from chalicelib import aws_events, bootstrap, mollie_webhook
from chalicelib.adapters import metrics
from chalicelib.log_setup import one_line_per_record, quiet_third_party_loggers
from chalicelib.routes.client_api import client_api
from chalicelib.routes.client_files import client_files
from chalicelib.web.dashboard_routes import dashboard_pages
from chalicelib.web.debtor_routes import debtor_pages

# Chalice would add its own plain-text handler to the "debtflow" logger beside powertools' JSON
# one: every line twice. powertools' Logger is the one that writes.
app = Chalice(app_name="debtflow", configure_logs=False)
# Mollie's webhook: on AWS it runs in a function and role of its own (chalicelib/mollie_webhook.py);
# here it is served with the other routes, at the same path, by the same code.
mollie_webhook.register(app)
# The debtor's own page (server-rendered, public, reached through the personal link).
app.register_blueprint(debtor_pages)
# The client's dashboard as pages (sign-in with a cookie, overview, list, dossier, decisions).
app.register_blueprint(dashboard_pages)
# The client's API (login, reads, decisions) lives in its own module.
app.register_blueprint(client_api)
# Its exports, uploads and settings, behind the same login.
app.register_blueprint(client_files)
# The .xlsx exports go out as binary (API Gateway base64-encodes them on the way).
app.api.binary_types.append("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
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
        if upload.key.startswith(f"{aws_events.PROOFS}/"):
            dispute_proof(upload.key)
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


def dispute_proof(key: str) -> None:
    """A debtor's proof of payment landed: checked by its content before anyone opens it
    (services/dispute_proofs.py); checking it twice changes nothing."""
    from chalicelib.services.dispute_proofs import check_uploaded_proof
    from chalicelib.services.unit_of_work import DossierUnitOfWork

    uow = DossierUnitOfWork(bootstrap.dossier_repository())
    outcome = check_uploaded_proof(key, bootstrap.now(), bootstrap.proof_uploads(), uow)
    with metrics.published():
        metrics.count("DisputeProofsRefused" if outcome.value == "refused" else "DisputeProofsChecked")
    logger.info("dispute proof checked", extra={"client_id": key.split("/")[1], "outcome": outcome.value})


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


# The daily digest to each client's owners at 08:00 Amsterdam. EventBridge's cron is in UTC:
# it fires at 06:00 and 07:00 UTC, one of which is 08:00 local in winter (UTC+1) and in summer
# (UTC+2); the service sends from 08:00 local only, once per client per day.
@app.schedule(Cron(0, "6-7", "*", "*", "?", "*"))
def send_daily_digest(event: Any) -> None:
    from chalicelib.services.daily_digest import send_daily_digests

    run = send_daily_digests(bootstrap.now(), bootstrap.digest_deps())
    with metrics.published():
        metrics.count("DigestsSent", sum(run.sent.values()))
    logger.info(
        "daily digest",
        extra={
            "not_yet": run.not_yet,
            "clients_sent": sorted(run.sent),
            "nothing_waiting": len(run.nothing_waiting),
            "already_sent": len(run.already_sent),
        },
    )
