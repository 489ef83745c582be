"""`debtflow simulate`: play a debtor list through the real handlers on a simulated clock.

The same code that runs in Lambda runs here: the list goes into the uploads bucket (moto), its S3
notification reaches `import_upload` through SQS, `sweep_due` queues the due dossiers and
`process_dossier_action` works them, Mollie's webhook (from the project's emulator, which the real
mollie-api-python client talks to) reaches the webhook route over HTTP, SES bounces arrive through
`ses_feedback` as SNS delivers them, and client decisions go through the management routes with
Chalice's test client, exactly the requests a dashboard will send.

The clock does not tick every 15 minutes (120 days would be 11,520 sweeps). It jumps to the
earliest of: the next scripted event, the next dossier action (rounded up to the quarter hour the
schedule would run at), the end. At a quarter hour with work due, it sweeps and delivers the queued
actions until nothing is due at that moment. A dossier that stays due at the same moment after
`ROUNDS_PER_MOMENT` sweeps is reported as an error for that debtor instead of hanging the run.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import requests

from chalicelib import bootstrap
from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import AuditEvent, Dossier
from infra.local.api_gateway import api_through_test_client
from infra.local.lambda_events import (
    LambdaContext,
    scheduled_event,
    ses_permanent_bounce,
    sns_event,
    sqs_event,
)
from infra.local.mollie_emulator import MollieEmulator
from infra.local.provision import LocalNames, provision
from infra.local.simulation_script import ScriptedEvent

REGION = "eu-west-1"
NAMES = LocalNames()
QUARTER_HOUR = timedelta(minutes=15)
# Sweeps at one moment before a dossier that stays due is reported instead of swept forever.
ROUNDS_PER_MOMENT = 5
SWEEP_LIMIT = 5000
JSON_HEADERS = {"Content-Type": "application/json"}
# The simulated client's owner (a user of moto's pool, which lives only as long as the run).
SIMULATED_OWNER = ("eigenaar@simulatie.example", "Simulatie-Passw0rd-1")
# A test-mode key of the emulator; the client's real key never comes near a simulation.
SIMULATED_MOLLIE_KEY = "test_SimulatedDebtflowClientKey00000"
_QUIET_LOGGERS = ("debtflow", "botocore", "boto3", "urllib3", "werkzeug", "chalice", "moto")


class SimulationFailed(RuntimeError):
    """The run cannot go on (the first list could not be imported); the message says why."""


@dataclass(frozen=True)
class Note:
    """Something the simulation itself puts on a debtor's timeline: a scripted event, a refused
    request, an error of the engine."""

    at: datetime
    what: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SentFile:
    """A copy of a message as it went out, for --out."""

    debtor_id: str
    name: str
    body: bytes


@dataclass
class SimulationOutcome:
    start: datetime
    end: datetime
    client: Client
    dossiers: list[Dossier]
    audit: dict[str, list[AuditEvent]]
    notes: dict[str, list[Note]]
    rejected_rows: list[dict[str, Any]]
    sent_files: list[SentFile]


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self.current = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.current


def quarter_hour_on_or_after(moment: datetime) -> datetime:
    """The schedule runs every 15 minutes on the quarter hour: the first run at or after `moment`."""
    utc = moment.astimezone(UTC)
    floor = utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)
    return floor if floor == utc else floor + QUARTER_HOUR


def simulate(
    list_path: Path, client: Client, start: datetime, days: int, events: list[ScriptedEvent]
) -> SimulationOutcome:
    """Run the whole story; raises SimulationFailed when the first list imports nothing."""
    end = (start + timedelta(days=days)).astimezone(UTC)
    with Simulation(client, start) as simulation:
        simulation.upload(list_path, first=True)
        simulation.play(events, end)
        return simulation.outcome(end)


class Simulation:
    """moto, the Mollie emulator and the API for webhooks, wired into `bootstrap` for one run."""

    def __init__(self, client: Client, start: datetime) -> None:
        self.client = client
        self.start = start.astimezone(UTC)
        self.clock = SimulatedClock(start)
        self.notes: dict[str, list[Note]] = {}
        self.rejected_rows: list[dict[str, Any]] = []
        self.mollie = MollieEmulator()
        self._stuck: dict[str, datetime] = {}
        self._resources = ExitStack()
        self._api_url = ""
        self._queue_arns: dict[str, str] = {}

    # --- set-up and tear-down ---------------------------------------------------------------------

    def __enter__(self) -> Simulation:
        try:
            self._set_up()
        except BaseException:
            self._resources.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._resources.close()

    def _set_up(self) -> None:
        from chalice.test import Client as ChaliceClient
        from moto import mock_aws

        resources = self._resources
        resources.enter_context(_environment(_QUIET_AWS))
        resources.enter_context(_quiet_logs())
        resources.enter_context(warnings.catch_warnings())
        resources.enter_context(mock_aws())
        provisioned = provision(NAMES, REGION)
        from infra.local.login_pool import add_user, create_login_pool, id_token

        # The client's decisions go through the client's API as its owner, signed in like on AWS.
        login = create_login_pool(region=REGION)
        add_user(login, SIMULATED_OWNER[0], SIMULATED_OWNER[1], self.client.client_id, "owner")
        self._headers = {**JSON_HEADERS, "Authorization": f"Bearer {id_token(login, *SIMULATED_OWNER)}"}
        resources.enter_context(self.mollie)
        import app

        self._app = app
        self._routes = ChaliceClient(app.app, stage_name="local")
        self._api_url = resources.enter_context(api_through_test_client(self._routes))
        resources.enter_context(
            _environment(
                {
                    "TABLE_NAME": NAMES.table,
                    "UPLOADS_BUCKET": NAMES.bucket,
                    "ACTIONS_QUEUE_URL": provisioned.actions_queue_url,
                    "IMPORT_CHUNKS_QUEUE_URL": provisioned.import_chunks_queue_url,
                    "MOLLIE_API_ENDPOINT": self.mollie.base_url,
                    "PUBLIC_API_URL": self._api_url,
                    **login.environment(),
                }
            )
        )
        previous_clock = bootstrap.clock
        bootstrap.clock = self.clock
        resources.callback(bootstrap.reset)
        resources.callback(setattr, bootstrap, "clock", previous_clock)
        bootstrap.reset()
        self._sqs = boto3.client("sqs", region_name=REGION)
        self._s3 = boto3.client("s3", region_name=REGION)
        self._queues = (
            (provisioned.uploads_queue_url, app.import_upload, "import_upload"),
            (provisioned.import_chunks_queue_url, app.import_chunk, "import_chunk"),
        )
        self._actions_queue = provisioned.actions_queue_url
        self._register_client()

    def _register_client(self) -> None:
        client = self.client
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=client.mollie_key_parameter, Value=SIMULATED_MOLLIE_KEY, Type="SecureString", Overwrite=True
        )
        self.mollie.add_account(SIMULATED_MOLLIE_KEY, name=client.name)
        ses = boto3.client("sesv2", region_name=REGION)
        if client.sender_email != NAMES.sender_email:
            # SES sends only from verified identities; the client's own sender is one in production.
            ses.create_email_identity(EmailIdentity=client.sender_email)
        bootstrap.client_directory().save(client)

    # --- the story ----------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock.current

    def play(self, events: list[ScriptedEvent], end: datetime) -> None:
        pending = deque(events)
        while True:
            while pending and pending[0].at <= self.now:
                self._perform(pending.popleft())
            if self.now == quarter_hour_on_or_after(self.now):
                self._work_due()
            if self.now >= end:
                return
            moments = [end]
            if pending:
                moments.append(pending[0].at.astimezone(UTC))
            next_due = self._next_due()
            if next_due is not None:
                moments.append(quarter_hour_on_or_after(next_due))
            self.clock.current = min(m for m in moments if m > self.now)

    def upload(self, list_path: Path, *, first: bool = False) -> None:
        """Put a full list into the uploads bucket and let the import handler take it from SQS."""
        key = f"incoming/{self.client.client_id}/{list_path.name}"
        self._s3.put_object(Bucket=NAMES.bucket, Key=key, Body=list_path.read_bytes())
        for failure in self._deliver_imports():
            raise SimulationFailed(f"{list_path}: the import failed: {failure}")
        report_key = f"reports/{self.client.client_id}/{list_path.name}.result.json"
        report = json.loads(self._s3.get_object(Bucket=NAMES.bucket, Key=report_key)["Body"].read())
        if report.get("status") == "rejected_file":
            reason = f"{list_path}: the import refused the list: {report.get('error')}"
            if first:
                raise SimulationFailed(reason)
            self._note_all("refused", reason=reason)
        for row in report.get("rejected", []):
            self.rejected_rows.append({"list": list_path.name, **row})

    def _deliver_imports(self) -> list[str]:
        failures: list[str] = []
        for url, handler, name in self._queues:
            failures += [str(error) for _, error in self._deliver(url, handler, name)]
        return failures

    def _deliver(
        self, url: str, handler: Callable[[Any, Any], Any], function: str
    ) -> list[tuple[str, Exception]]:
        """Hand every queued message to its handler, one per invocation (batch size 1, as
        deployed). A handler that raises is reported; its message is not retried here, because
        moto would only show it again after its visibility timeout in wall-clock time."""
        arn = self._queue_arns.get(url)
        if arn is None:
            arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            self._queue_arns[url] = arn
        failures: list[tuple[str, Exception]] = []
        while messages := self._sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", []):
            for message in messages:
                try:
                    handler(
                        sqs_event(arn, [message]), LambdaContext(function_name=f"debtflow-sim-{function}")
                    )
                except Exception as error:
                    failures.append((message["Body"], error))
                self._sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return failures

    # --- the schedule ---------------------------------------------------------------------------------

    def _work_due(self) -> None:
        for _ in range(ROUNDS_PER_MOMENT):
            if not self._due_now():
                return
            self._sync_mollie_clock()
            self._app.sweep_due(
                scheduled_event("debtflow-sim-sweep_due", self.now), LambdaContext("debtflow-sim-sweep_due")
            )
            for body, error in self._deliver(
                self._actions_queue, self._app.process_dossier_action, "process_dossier_action"
            ):
                debtor_id = str(json.loads(body).get("debtor_id", ""))
                self._note(debtor_id, "error", reason=f"the action handler failed: {error!r}")
        for debtor_id, due_at in self._due_now().items():
            self._stuck[debtor_id] = due_at
            self._note(
                debtor_id,
                "error",
                reason=f"still due ({due_at.isoformat()}) after {ROUNDS_PER_MOMENT} sweeps at the same "
                "moment: its next action does not move on; left out of later sweeps until it changes",
            )

    def _due_now(self) -> dict[str, datetime]:
        """The client's dossiers the due index names now, less those reported stuck."""
        repository = bootstrap.dossier_repository()
        ids = [d for c, d in repository.due(self.now, SWEEP_LIMIT) if c == self.client.client_id]
        due: dict[str, datetime] = {}
        for debtor_id, dossier in repository.get_many(self.client.client_id, ids).items():
            at = dossier.next_action_at
            if at is not None and at <= self.now and self._stuck.get(debtor_id) != at:
                due[debtor_id] = at
        return due

    def _next_due(self) -> datetime | None:
        moments = [
            d.next_action_at
            for d in bootstrap.dossier_repository().list_for_client(self.client.client_id)
            if d.next_action_at is not None and self._stuck.get(d.debtor_id) != d.next_action_at
        ]
        return min(moments, default=None)

    def _sync_mollie_clock(self) -> None:
        # Mollie stamps paidAt and checks link expiry with its own clock: keep it on the story's.
        self.mollie.advance_time((self.now - self.mollie.now()).total_seconds())

    # --- scripted behaviour ----------------------------------------------------------------------------

    def _perform(self, event: ScriptedEvent) -> None:
        self._note(event.debtor_id, "scripted", do=event.action, **dict(event.details))
        action: Callable[[ScriptedEvent], str | None] = getattr(self, f"_do_{event.action}")
        refusal = action(event)
        if refusal is not None:
            self._note(event.debtor_id, "refused", reason=refusal)

    def _do_pay(self, event: ScriptedEvent) -> str | None:
        dossier = self._dossier(event.debtor_id)
        if dossier is None or dossier.payment_link is None:
            return "there is no open payment link to pay"
        return self._pay_link(event.debtor_id, dossier.payment_link.checkout_url)

    def _do_pay_installment(self, event: ScriptedEvent) -> str | None:
        dossier = self._dossier(event.debtor_id)
        link = dossier.payment_link if dossier is not None else None
        if link is None or link.installment is None:
            return "there is no open installment link to pay"
        return self._pay_link(event.debtor_id, link.checkout_url)

    def _do_pay_partial(self, event: ScriptedEvent) -> str | None:
        """Part of the amount, paid through a Mollie payment naming the dossier in its metadata,
        as the payments the product creates itself do (services/payments.owner_of)."""
        from mollie.api.client import Client as MollieClient

        from chalicelib.services.payments import webhook_url

        self._sync_mollie_clock()
        mollie = MollieClient(api_endpoint=self.mollie.base_url)
        mollie.set_api_key(SIMULATED_MOLLIE_KEY)
        cents = int(event.get("amount_cents"))
        payment = mollie.payments.create(
            {
                "amount": {"currency": "EUR", "value": f"{cents // 100}.{cents % 100:02d}"},
                "description": f"{self.client.name} - deelbetaling",
                "redirectUrl": self.client.redirect_url,
                "webhookUrl": webhook_url(self._api_url, self.client.client_id),
                "metadata": {"client_id": self.client.client_id, "debtor_id": event.debtor_id},
            }
        )
        return self._checkout(event.debtor_id, f"{self.mollie.public_url}/checkout/{payment.id}")

    def _pay_link(self, debtor_id: str, checkout_url: str) -> str | None:
        """The debtor opens the link from the message; Mollie makes a payment and shows its checkout."""
        self._sync_mollie_clock()
        page = requests.get(checkout_url, allow_redirects=False, timeout=10)
        if page.status_code != 302:
            return f"the payment link answered HTTP {page.status_code} (expired or already paid)"
        return self._checkout(debtor_id, str(page.headers["Location"]))

    def _checkout(self, debtor_id: str, checkout: str) -> str | None:
        deliveries = len(self.mollie.webhook_log)
        answer = requests.post(checkout, data={"status": "paid"}, allow_redirects=False, timeout=30)
        if answer.status_code >= 400:
            return f"Mollie's checkout answered HTTP {answer.status_code}"
        for delivery in self.mollie.webhook_log[deliveries:]:
            if not delivery.ok:
                self._note(
                    debtor_id,
                    "error",
                    reason=f"Mollie's webhook call got {delivery.status_code or delivery.error}",
                )
        return None

    def _do_bounce_email(self, event: ScriptedEvent) -> str | None:
        dossier = self._dossier(event.debtor_id)
        sent = [
            m
            for m in (dossier.messages if dossier is not None else ())
            if m.channel.split("-installment")[0] == "email" and m.provider_id
        ]
        if dossier is None or not sent or not dossier.debtor.email:
            return "no e-mail was sent to this debtor yet"
        message_id = str(sent[-1].provider_id)
        notification = ses_permanent_bounce(
            message_id, dossier.debtor.email, f"{self.client.name} <{self.client.sender_email}>", self.now
        )
        topic = f"arn:aws:sns:{REGION}:123456789012:{self._app.EMAIL_EVENTS_TOPIC}"
        event_body = sns_event(topic, notification, "Amazon SES Email Event Notification", self.now)
        self._app.ses_feedback(event_body, LambdaContext("debtflow-sim-ses_feedback"))
        return None

    def _do_upload(self, event: ScriptedEvent) -> str | None:
        self.upload(Path(str(event.get("list"))))
        return None

    def _do_approve_handover(self, event: ScriptedEvent) -> str | None:
        return self._post(event.debtor_id, "handover", {"decision": "approve"})

    def _do_decline_handover(self, event: ScriptedEvent) -> str | None:
        body = {"decision": "decline", "continue": bool(event.get("continue", True))}
        return self._post(event.debtor_id, "handover", body)

    def _do_arrangement(self, event: ScriptedEvent) -> str | None:
        return self._post(event.debtor_id, "arrangement", {"installments": event.get("installments")})

    def _do_dispute(self, event: ScriptedEvent) -> str | None:
        body = {"invoices": event.get("invoices"), "reason": event.get("reason")}
        if event.get("note"):
            body["note"] = event.get("note")
        return self._post(event.debtor_id, "disputes", body)

    def _do_client_upholds_dispute(self, event: ScriptedEvent) -> str | None:
        body = {"invoices": event.get("invoices"), "decision": "uphold"}
        return self._post(event.debtor_id, "disputes/resolution", body)

    def _do_client_credits_dispute(self, event: ScriptedEvent) -> str | None:
        body = {"invoices": event.get("invoices"), "decision": "credit"}
        return self._post(event.debtor_id, "disputes/resolution", body)

    def _do_pause_until(self, event: ScriptedEvent) -> str | None:
        return self._post(event.debtor_id, "pause", {"until": event.get("date")})

    def _do_resume(self, event: ScriptedEvent) -> str | None:
        return self._post(event.debtor_id, "resume", {})

    def _do_withdraw(self, event: ScriptedEvent) -> str | None:
        return self._post(
            event.debtor_id, "withdraw", {"reason": event.get("reason")} if event.get("reason") else {}
        )

    def _post(self, debtor_id: str, route: str, body: dict[str, Any]) -> str | None:
        """A client decision through the client's API, as the client's owner. A 4xx is the
        product refusing the request (returned as the reason); a 5xx is an error of the product."""
        path = (
            f"/clients/{quote(self.client.client_id, safe='')}/dossiers/{quote(debtor_id, safe='')}/{route}"
        )
        response = self._routes.http.post(path, headers=self._headers, body=json.dumps(body).encode())
        if response.status_code < 400:
            return None
        try:
            message = str(json.loads(response.body or b"{}").get("message") or "")
        except ValueError:
            message = ""
        message = message or f"HTTP {response.status_code}"
        if response.status_code >= 500:
            self._note(debtor_id, "error", reason=f"POST {route} answered {response.status_code}: {message}")
            return None
        return message

    # --- what the run leaves behind ------------------------------------------------------------------

    def _dossier(self, debtor_id: str) -> Dossier | None:
        return bootstrap.dossier_repository().get(self.client.client_id, debtor_id)

    def _note(self, debtor_id: str, what: str, **details: Any) -> None:
        self.notes.setdefault(debtor_id, []).append(Note(self.now, what, details))

    def _note_all(self, what: str, **details: Any) -> None:
        for dossier in bootstrap.dossier_repository().list_for_client(self.client.client_id):
            self._note(dossier.debtor_id, what, **details)

    def outcome(self, end: datetime) -> SimulationOutcome:
        repository = bootstrap.dossier_repository()
        dossiers = sorted(repository.list_for_client(self.client.client_id), key=lambda d: d.debtor_id)
        audit = {d.debtor_id: repository.events(self.client.client_id, d.debtor_id) for d in dossiers}
        return SimulationOutcome(
            start=self.start,
            end=end,
            client=self.client,
            dossiers=dossiers,
            audit=audit,
            notes=self.notes,
            rejected_rows=self.rejected_rows,
            sent_files=self._sent_files(dossiers),
        )

    def _sent_files(self, dossiers: list[Dossier]) -> list[SentFile]:
        """Every message as it went out: the copies the adapters keep in S3 (e-mail text, SMS,
        letters in the outbox) and each e-mail's HTML as SES (moto) accepted it."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        files: list[SentFile] = []
        client_id = self.client.client_id
        for prefix in (f"sent/{client_id}/", f"outbox/{client_id}/"):
            for page in self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=NAMES.bucket, Prefix=prefix
            ):
                for item in page.get("Contents", []):
                    debtor_id, name = item["Key"][len(prefix) :].split("/", 1)
                    if prefix.startswith("outbox/"):
                        name = name.replace(".pdf", "-letter.pdf")
                    body = self._s3.get_object(Bucket=NAMES.bucket, Key=item["Key"])["Body"].read()
                    files.append(SentFile(debtor_id, name, body))
        html = {m.id: _html_of(m) for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages}
        for dossier in dossiers:
            for message in dossier.messages:
                if message.provider_id in html:
                    name = f"{message.step}-{message.channel}-{message.template}.html"
                    files.append(SentFile(dossier.debtor_id, name, html[message.provider_id].encode()))
        return files


def _html_of(message: Any) -> str:
    """The HTML of a sent e-mail: moto keeps a simple e-mail's body, and a raw MIME message (an
    e-mail with a PDF attached) as its source."""
    if hasattr(message, "body"):
        return str(message.body)
    parsed = email.message_from_bytes(
        message.raw_data.encode() if isinstance(message.raw_data, str) else message.raw_data,
        policy=email.policy.default,
    )
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body(preferencelist=("html",))
    return str(part.get_content()) if part is not None else ""


# --- the process around the run --------------------------------------------------------------------

_QUIET_AWS = {
    # No simulation may reach a real AWS account, whatever the shell holds.
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ENDPOINT_URL": None,
    "AWS_PROFILE": None,
    # The story is the output: the handlers' JSON logs and metrics would bury it.
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


@contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) environment variables for the run and put them back after."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _quiet_logs() -> Iterator[None]:
    saved = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    try:
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR if name != "debtflow" else logging.WARNING)
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
