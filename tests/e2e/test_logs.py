"""What an engineer on call reads must help without leaking the debtors' personal data."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.domain.money import format_eur, format_eur_plain
from infra.local.demo_data import DEMO_LIST
from tests.e2e.conftest import DAY_0, Pipeline


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Everything a formatter could print: the message, the extras and any traceback.
        fields = {k: v for k, v in record.__dict__.items() if k not in ("args", "exc_info")}
        self.lines.append(json.dumps(fields, default=str))
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    # INFO is above what Lambda's runtime sets; DEBUG would add botocore's wire dumps, which no
    # stage enables (they would hold every e-mail sent).
    root.setLevel(logging.INFO)
    debtflow = logging.getLogger("debtflow")
    debtflow_level = debtflow.level
    debtflow.setLevel(logging.DEBUG)
    debtflow.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)
    debtflow.removeHandler(handler)
    debtflow.setLevel(debtflow_level)


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
