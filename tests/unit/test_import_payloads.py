"""A debtor name from a client's list is data, never markup or a formula: not in the e-mails built
from the real templates, not in the errors.csv sent back to the client."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType, RejectedRow
from chalicelib.services.import_report import rejected_rows_csv
from chalicelib.services.message_content import email_for_client, email_for_debtor, history_facts
from tests.builders import CLUB, NOW, dossier, invoice

SCRIPT = "<script>alert('x')</script> Jan"
FORMULA = '=HYPERLINK("http://evil.example","klik")'


@pytest.mark.parametrize("template", ["reminder_1", "reminder_2"])
@pytest.mark.parametrize("name", [SCRIPT, FORMULA])
def test_a_hostile_debtor_name_is_harmless_in_every_debtor_email(template: str, name: str) -> None:
    file = dossier(invoice("2026-0101", 12_500))
    file.debtor = DebtorDetails("10023", name, DebtorType.CONSUMER, email="jan@example.nl")
    email = email_for_debtor(
        CLUB, file, template, "https://pay.example/tr_1", **history_facts(file, NOW.date(), "nl")
    )
    assert "<script>" not in email.html
    if name == SCRIPT:
        assert "&lt;script&gt;" in email.html
    else:
        assert '<a href="http://evil.example"' not in email.html
        assert "HYPERLINK" in email.text  # shown as text: mail clients do not evaluate formulas


def test_a_hostile_debtor_name_is_harmless_in_the_email_to_the_client() -> None:
    file = dossier(invoice("2026-0101", 12_500))
    file.debtor = DebtorDetails("10023", SCRIPT, DebtorType.CONSUMER, email="jan@example.nl")
    email = email_for_client(
        CLUB, file, "handover_request", "https://app.example/decide", **history_facts(file, NOW.date(), "nl")
    )
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FORMULA, "'" + FORMULA),
        ('\t=HYPERLINK("http://evil.example")', '\'\t=HYPERLINK("http://evil.example")'),
        ("+31612345678", "'+31612345678"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\r=1", "'\r=1"),
        ("Jan de Vries", "Jan de Vries"),
    ],
)
def test_a_formula_in_the_errors_csv_is_neutralised(value: str, expected: str) -> None:
    body = rejected_rows_csv([RejectedRow(12, value, value)]).decode("utf-8-sig")
    [header, row] = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    assert header == ["regel", "kolom", "gevolg", "reden"]
    assert row == ["12", expected, "rij niet geïmporteerd", expected]
