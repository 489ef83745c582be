"""What an engineer on call reads must help without leaking the debtors' personal data."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib import bootstrap
from chalicelib.domain.money import format_eur, format_eur_plain, to_mollie_value
from infra.local.demo_data import DEMO_LIST
from tests.e2e.conftest import DAY_0, Capture, Pipeline


def personal_data() -> set[str]:
    """Names, e-mail addresses, phone numbers and per-person amounts of the demo list."""
    found: set[str] = set()
    for line in DEMO_LIST.splitlines()[2:-1]:
        cells = line.split(";")
        found.update({cells[1], cells[3]})
        if cells[4]:
            found.add(cells[4])
        found.add(cells[9].replace("€ ", ""))
    found.discard("")
    return found


def test_the_logs_of_the_whole_flow_hold_no_personal_data(pipeline: Pipeline, captured: Capture) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    jan = pipeline.dossier("10001")
    assert jan.payment_link is not None
    payment_id = pipeline.pay_link(jan.payment_link.checkout_url)
    pipeline.webhook(f"id={payment_id}")
    pipeline.sweep_and_act(DAY_0 + timedelta(days=7))

    text = "\n".join(captured.lines)
    assert "upload handled" in text and "dossier action" in text and "mollie webhook" in text
    leaks = sorted(value for value in personal_data() if value in text)
    assert leaks == []
    # Amounts per person in either notation.
    assert format_eur(18_500) not in text and format_eur_plain(125_000) not in text


def emf_metrics(output: str) -> dict[str, float]:
    """Sum every metric of the CloudWatch EMF lines the handlers printed."""
    totals: dict[str, float] = {}
    for line in output.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        for definition in document["_aws"]["CloudWatchMetrics"]:
            for metric in definition["Metrics"]:
                name = metric["Name"]
                value = document[name]
                totals[name] = totals.get(name, 0) + (sum(value) if isinstance(value, list) else value)
    return totals


def test_the_handlers_publish_business_metrics_without_personal_dimensions(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    pipeline.upload(body=DEMO_LIST.replace("€ 185,00;€ 185,00\n10002", "€ 185,00;veel\n10002"))
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    fatima = pipeline.dossier("10002")
    assert fatima.payment_link is not None
    payment_id = pipeline.pay_link(fatima.payment_link.checkout_url)
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    output = capsys.readouterr().out

    totals = emf_metrics(output)
    assert (totals["RowsImported"], totals["RowsRejected"], totals["DossiersOpened"]) == (12, 1, 11)
    # 10003 and 10006 gave landlines: called, never texted.
    assert (totals["MessagesSent.email"], totals["MessagesSent.sms"], totals["MessagesSent"]) == (11, 4, 15)
    assert (totals["PaymentsReceived"], totals["AmountCollectedCents"], totals["DossiersPaid"]) == (
        1,
        18_500,
        1,
    )
    for line in output.splitlines():
        if '"_aws"' in line:
            dimensions = {
                d for s in json.loads(line)["_aws"]["CloudWatchMetrics"] for d in s["Dimensions"][0]
            }
            assert dimensions == {"service"}


# --- the canary: known personal data through the whole story, searched for in every log record ---

CANARY_HEADER = (
    "Relatiecode;Naam;Soort;E-mail;Telefoon;IBAN;Factuurnummer;Factuurdatum;Vervaldatum;Bedrag;Openstaand"
)
# Debtor number, name, type, e-mail, phone as listed, the same in E.164, IBAN, invoice, amount.
CANARY_DEBTORS = [
    ("7304117", "Wilhelmina Canarisvogel", "Particulier", "w.canarisvogel@example.nl", "06 13572468",
     "+31613572468", "NL91ABNA0417164300", "C-2026-771", "€ 1.234,57"),
    ("7304118", "Gerrit Kanarieveld", "Particulier", "gerrit.kanarieveld@example.nl", "0624681357",
     "+31624681357", "NL20INGB0001234567", "C-2026-772", "€ 2.468,13"),
    ("7304119", "Kanariehandel Ooievaar B.V.", "Zakelijk", "debiteuren@ooievaar-kanarie.example", "020-7654321",
     "+31207654321", "NL39RABO0300065264", "C-2026-773", "€ 3.579,24"),
]  # fmt: skip
CANARY_LIST = (
    "\n".join(
        ["Openstaande posten debiteuren per 30-11-2026", CANARY_HEADER]
        + [
            f"{number};{name};{kind};{email};{phone};{iban};{invoice};01-10-2026;15-10-2026;{amount};{amount}"
            for number, name, kind, email, phone, _, iban, invoice, amount in CANARY_DEBTORS
        ]
    )
    + "\n"
)


def canary_values() -> dict[str, str]:
    """Every value of the canary list that identifies a person or tells what they owe, in each
    notation a log line could hold it: as listed, E.164, compact IBAN, euros, Mollie's value, cents."""
    values: dict[str, str] = {}
    for number, name, _, email, phone, e164, iban, _, amount in CANARY_DEBTORS:
        euros = amount.removeprefix("€ ")
        cents = int(euros.replace(".", "").replace(",", ""))
        values.update(
            {
                number: "debtor number",
                name: "name",
                email: "e-mail address",
                email.split("@")[0]: "e-mail address (local part)",
                phone: "phone number",
                e164: "phone number (E.164)",
                e164.removeprefix("+"): "phone number (E.164 digits)",
                iban: "IBAN",
                f"{iban[:4]} {iban[4:8]} {iban[8:12]} {iban[12:16]} {iban[16:]}": "IBAN (grouped)",
                euros: "amount",
                to_mollie_value(cents): "amount (Mollie value)",
                str(cents): "amount (cents)",
            }
        )
    return values


def without_metric_values(output: str) -> str:
    """Stdout with the values of CloudWatch EMF metric documents left out, everything else kept.

    An EMF document carries what one invocation counted: after a webhook, AmountCollectedCents is
    that one payment's amount. The document names no dossier, debtor or payment (its only
    dimension is the service, pinned by the metrics test above); this is the one place an amount
    stays in the log stream, accepted for the metric's sake."""
    kept: list[str] = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            names = {m["Name"] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
            line = json.dumps({k: v for k, v in document.items() if k not in names})
        kept.append(line)
    return "\n".join(kept)


@pytest.fixture
def every_record(caplog: pytest.LogCaptureFixture) -> Iterator[Capture]:
    """Every record at DEBUG: the libraries' through the root logger (as capped by the functions'
    logging setup, which is what Lambda would write) and ours through the powertools logger."""
    import app

    handler = Capture()
    debtflow = logging.getLogger("debtflow")
    debtflow_level = debtflow.level
    caplog.set_level(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    debtflow.setLevel(logging.DEBUG)
    debtflow.addHandler(handler)
    assert app.logger.log_level == logging.DEBUG
    yield handler
    logging.getLogger().removeHandler(handler)
    debtflow.removeHandler(handler)
    debtflow.setLevel(debtflow_level)


def test_the_canary_story_leaves_no_personal_data_in_any_log(
    pipeline: Pipeline,
    every_record: Capture,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from chalicelib.services.payments import payment_link_for
    from infra.local.demo_data import DEMO_CLIENT
    from tests.unit.test_email_feedback import ses_bounce

    client_id = DEMO_CLIENT.client_id
    pipeline.upload(key=f"incoming/{client_id}/kanaries.csv", body=CANARY_LIST)
    pipeline.import_uploads()
    assert pipeline.dossier("7304117").debtor.iban == "NL91ABNA0417164300"
    pipeline.sweep_and_act(DAY_0)

    # A redelivered action that lost its save asks Mollie for the same link again: the client
    # library logs the replay with the Idempotency-Key.
    wilhelmina = pipeline.dossier("7304117")
    link = wilhelmina.payment_link
    assert link is not None
    wilhelmina.payment_link = None
    again = payment_link_for(
        DEMO_CLIENT,
        wilhelmina,
        link.step,
        DAY_0,
        gateway=bootstrap.payment_gateway(),
        links=bootstrap.payment_link_registry(),
        public_api_url="http://127.0.0.1:9",
    )
    assert again.payment_id == link.payment_id

    payment_id = pipeline.pay_link(link.checkout_url)
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    assert pipeline.dossier("7304117").paid_cents == 123_457

    gerrit = pipeline.dossier("7304118")
    [email] = [m for m in gerrit.messages if m.channel == "email"]
    assert email.provider_id is not None
    bounce = pipeline.chalice.events.generate_sns_event(
        message=ses_bounce(email.provider_id, address="gerrit.kanarieveld@example.nl"),
        subject="Amazon SES Email Event Notification",
    )
    pipeline.chalice.lambda_.invoke("ses_feedback", bounce)
    assert pipeline.dossier("7304118").undeliverable_emails == ("gerrit.kanarieveld@example.nl",)
    pipeline.sweep_and_act(DAY_0 + timedelta(days=7))

    output = capsys.readouterr()
    text = "\n".join(
        [
            *every_record.lines,
            *(r.getMessage() for r in caplog.records),
            without_metric_values(output.out),
            output.err,
        ]
    )
    # The story was logged: ours, and at least one library record (so the capture works).
    assert "upload handled" in text and "dossier action" in text and "mollie webhook" in text
    assert "ses feedback" in text
    leaks = {value: what for value, what in canary_values().items() if value in text}
    assert leaks == {}, "\n".join(
        f"{what} {value!r}: {next(line for line in text.splitlines() if value in line)[:300]}"
        for value, what in leaks.items()
    )


# --- one event's keys never reach the next; one line per record ---------------------------------


def test_an_uploads_correlation_id_does_not_stick_to_the_next_events_lines(pipeline: Pipeline) -> None:
    import io

    import app

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(app.logger.registered_formatter)  # the JSON lines as CloudWatch gets them
    service = logging.getLogger("debtflow")
    level = service.level
    service.setLevel(logging.INFO)  # the tests run at WARNING (tests/conftest.py)
    service.addHandler(handler)
    try:
        pipeline.upload()
        pipeline.import_uploads()  # appends the upload's correlation id
        pipeline.sweep_and_act(DAY_0)  # then, in the same process: the sweep and the actions
    finally:
        service.removeHandler(handler)
        service.setLevel(level)

    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    by_message: dict[str, list[dict[str, object]]] = {}
    for line in lines:
        by_message.setdefault(str(line["message"]), []).append(line)
    [upload] = by_message["upload handled"]
    assert str(upload["correlation_id"]).startswith("upload:")
    [sweep] = by_message["due dossiers queued"]
    assert "correlation_id" not in sweep
    assert sweep["function_request_id"] != upload["function_request_id"]
    actions = by_message["dossier action"]
    assert actions and all(str(a["correlation_id"]).startswith("dossier:") for a in actions)


LOCAL_LOGGING = """
import logging, os
import boto3
from infra.local.stack import configure_logging
configure_logging()
os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
boto3.client("sqs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
import app
app.logger.info("our record")
logging.getLogger("debtflow.local").info("the stack's record")
boto3.client("s3", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
"""


def test_the_local_stack_prints_each_record_once_without_botocore_chatter() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run(
        [sys.executable, "-c", LOCAL_LOGGING],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
        check=True,
        env={**os.environ, "POWERTOOLS_LOG_LEVEL": "INFO"},  # the stage's level, not the tests'
    )
    output = (done.stdout + done.stderr).splitlines()
    assert [line for line in output if "our record" in line] == [
        line for line in output if line.startswith("{") and '"our record"' in line
    ]
    assert len([line for line in output if "our record" in line]) == 1
    assert len([line for line in output if "the stack's record" in line]) == 1
    assert not [line for line in output if "Found endpoint" in line or "Found credentials" in line]
