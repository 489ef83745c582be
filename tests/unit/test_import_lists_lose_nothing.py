"""An optional field never costs an invoice, and nothing on a list goes unmentioned in the report."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest

from chalicelib.domain.debtor_list import InvoiceLine, RejectedRow
from chalicelib.importing import ImportSettings, read_debtor_list
from chalicelib.services.import_upload import import_upload
from tests.builders import CLUB, NOW
from tests.fakes import FakeClientDirectory
from tests.unit.test_services import World

HEADER = "Relatiecode;Naam;E-mail;Mobiel;IBAN;Postcode;KvK;Factuurnummer;Vervaldatum;Openstaand\n"


def read(text: str) -> list[InvoiceLine | RejectedRow]:
    return list(read_debtor_list(io.BytesIO(text.encode("utf-8")), "lijst.csv", ImportSettings()))


@pytest.mark.parametrize(
    ("cells", "column", "reason_part"),
    [
        (("a@b.nl", "06-71234567", "", "", ""), "Mobiel", "no mobile number starts with 06-7"),
        (("a@b.nl", "0691234567", "", "", ""), "Mobiel", "no mobile number starts with 06-9"),
        (("geen mail", "", "", "", ""), "E-mail", "is not a valid e-mail address"),
        (("", "", "NL91ABNA0417164301", "", ""), "IBAN", "check digits"),
        (("", "", "", "12345", ""), "Postcode", "is not a Dutch postcode"),
        (("", "", "", "", "12-34"), "KvK", "eight digits"),
    ],
)
def test_an_invalid_optional_field_is_left_out_with_a_reason_and_the_invoice_lands(
    cells: tuple[str, ...], column: str, reason_part: str
) -> None:
    [line] = read(HEADER + "10023;Jan de Vries;" + ";".join(cells) + ";2026-0101;31-10-2026;120,00\n")

    assert isinstance(line, InvoiceLine)
    assert (line.invoice_number, line.open_cents) == ("2026-0101", 12_000)
    [dropped] = line.dropped
    assert (dropped.line, dropped.column) == (2, column)
    assert reason_part in dropped.reason


def test_the_valid_details_of_a_row_stay_when_one_is_left_out() -> None:
    [line] = read(
        HEADER + "10023;Jan de Vries;jan@example.nl;0671234567;;1234 ab;;2026-0101;31-10-2026;120,00\n"
    )
    assert isinstance(line, InvoiceLine)
    assert (line.debtor.email, line.debtor.mobile_e164, line.debtor.postcode) == (
        "jan@example.nl",
        None,
        "1234 AB",
    )


def test_a_missing_or_unreadable_required_field_still_rejects_the_row() -> None:
    rows = read(
        HEADER + "10023;Jan de Vries;;;;;;2026-0101;31-10-2026;veel\n" + "10024;Piet;;;;;;;31-10-2026;10,00\n"
    )
    assert [(r.line, r.column) for r in rows if isinstance(r, RejectedRow)] == [
        (2, "Openstaand"),
        (3, "Factuurnummer"),
    ]


def test_a_space_before_a_quoted_amount_reads() -> None:
    [line] = read(
        'Relatiecode;Naam;Factuurnummer;Vervaldatum;Openstaand\n10023;Jan; "2026-01"; 31-10-2026; "€ 1.234,56"\n'
    )
    assert isinstance(line, InvoiceLine)
    assert (line.invoice_number, line.open_cents) == ("2026-01", 123_456)


CLUB_LIST = """Relatiecode;Naam;Mobiel;Factuurnummer;Vervaldatum;Openstaand
10023;Jan de Vries;0612345678;2026-0101;31-10-2026;125,00
10024;Kees Jansen;0671234567;2026-0102;31-10-2026;120,00
10025;Bakkerij Smit B.V.;;2026-0103;31-10-2026;-45,00
"""


def errors_csv(world: World, name: str = "openstaand.csv") -> list[list[str]]:
    body = world.files.files[f"reports/{CLUB.client_id}/{name}.errors.csv"].decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))


def test_an_unallocated_mobile_costs_no_invoice_and_is_reported(world: World) -> None:
    result = import_upload(world.upload(CLUB_LIST), NOW, world.import_deps())

    assert sorted(result.opened) == ["10023", "10024"]
    kees = world.dossiers.get(CLUB.client_id, "10024")
    assert kees is not None and kees.open_cents == 12_000
    report = json.loads(world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.result.json"])
    assert (report["accepted"], report["rejected_count"], report["fields_dropped_count"]) == (3, 0, 1)
    assert report["fields_dropped"][0]["line"] == 3 and report["fields_dropped"][0]["column"] == "Mobiel"
    rows = errors_csv(world)
    assert rows[0] == ["regel", "kolom", "gevolg", "reden"]
    assert rows[1][:3] == ["3", "Mobiel", "veld weggelaten, rij geïmporteerd"]


def test_a_debtor_with_only_a_credit_note_is_named_in_the_report(world: World) -> None:
    result = import_upload(world.upload(CLUB_LIST), NOW, world.import_deps())

    assert world.dossiers.get(CLUB.client_id, "10025") is None
    report = json.loads(world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.result.json"])
    assert report["not_opened"] == [{"debtor_id": "10025", "line": 4, "balance_cents": -4_500}]
    assert [n.debtor_id for n in result.not_opened] == ["10025"]
    [credit] = [row for row in errors_csv(world) if row[0] == "4"]
    assert credit[2] == "geen dossier geopend" and "10025" in credit[3] and "-€ 45,00" in credit[3]
    summary = world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.summary.txt"].decode()
    assert "Geen dossier (alleen creditnota's of betaalde posten): 10025" in summary


def test_a_new_upload_under_the_same_name_removes_the_old_errors_csv(world: World) -> None:
    import_upload(world.upload(CLUB_LIST.replace("120,00", "veel"), etag="day1"), NOW, world.import_deps())
    assert f"reports/{CLUB.client_id}/openstaand.csv.errors.csv" in world.files.files

    clean = "\n".join(CLUB_LIST.splitlines()[:2]) + "\n"
    import_upload(world.upload(clean, etag="day2"), NOW, world.import_deps())

    assert f"reports/{CLUB.client_id}/openstaand.csv.errors.csv" not in world.files.files
    report = json.loads(world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.result.json"])
    assert report["rejected_count"] == 0


def test_the_summary_beside_the_json_speaks_the_clients_language(world: World) -> None:
    import_upload(world.upload(CLUB_LIST, etag="nl"), NOW, world.import_deps())
    dutch = world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.summary.txt"].decode()
    assert dutch.splitlines()[:2] == [
        "Importverslag van incoming/vv-de-zwaluwen/openstaand.csv",
        "Status: geïmporteerd",
    ]
    assert "Rijen gelezen: 3; geïmporteerd: 3; afgewezen: 0; velden weggelaten: 1" in dutch

    world.clients = FakeClientDirectory(replace(CLUB, language="en"))
    import_upload(world.upload(CLUB_LIST, name="open.csv", etag="en"), NOW, world.import_deps())
    english = world.files.files[f"reports/{CLUB.client_id}/open.csv.summary.txt"].decode()
    assert "Rows read: 3; imported: 3; rejected: 0; fields left out: 1" in english
    assert errors_csv(world, "open.csv")[0] == ["line", "column", "outcome", "reason"]


@pytest.fixture
def world() -> World:
    return World()


def test_every_field_of_the_report_is_explained_in_the_readme() -> None:
    from pathlib import Path

    from chalicelib.services.import_upload import ImportResult

    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    section = readme[readme.index("| field of `result.json` |") :]
    section = section[: section.index("\n\n")]
    undocumented = [key for key in ImportResult(CLUB.client_id, "k").to_dict() if f"`{key}`" not in section]
    assert undocumented == []
