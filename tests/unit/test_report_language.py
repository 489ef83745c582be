"""A Dutch client reads its import report in Dutch: reasons, headers and summary alike."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from chalicelib.services.import_upload import import_upload
from chalicelib.services.report_language import translate_reason
from tests.builders import CLUB, NOW
from tests.fakes import FakeClientDirectory
from tests.unit.test_services import World

LIST = """Relatiecode;Naam;E-mail;Mobiel;Factuurnummer;Vervaldatum;Openstaand
10023;Jan de Vries;jan@example;0612345678;2026-0101;31-10-2026;125,00
10024;Kees Jansen;;0671234567;2026-0102;31-10-2026;veel
10025;Els Kok;;;;31-10-2026;10,00
"""


def report_of(world: World) -> tuple[dict[str, object], list[list[str]]]:
    report = json.loads(world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.result.json"])
    body = world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.errors.csv"].decode("utf-8-sig")
    return report, list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))


def test_a_dutch_clients_report_gives_its_reasons_in_dutch() -> None:
    world = World()
    import_upload(world.upload(LIST), NOW, world.import_deps())

    report, rows = report_of(world)
    assert rows == [
        ["regel", "kolom", "gevolg", "reden"],
        ["2", "E-mail", "veld weggelaten, rij geïmporteerd", "'jan@example' is geen geldig e-mailadres"],
        [
            "3",
            "Openstaand",
            "rij niet geïmporteerd",
            "'veel' is geen bedrag; schrijf het als 1.234,56 of 1234.56",
        ],
        ["4", "Factuurnummer", "rij niet geïmporteerd", "het factuurnummer is leeg"],
    ]
    assert report["rejected"] == [
        {
            "line": 3,
            "column": "Openstaand",
            "reason": "'veel' is geen bedrag; schrijf het als 1.234,56 of 1234.56",
        },
        {"line": 4, "column": "Factuurnummer", "reason": "het factuurnummer is leeg"},
    ]


def test_an_english_clients_report_stays_in_english() -> None:
    world = World()
    world.clients = FakeClientDirectory(replace(CLUB, language="en"))
    import_upload(world.upload(LIST), NOW, world.import_deps())

    _, rows = report_of(world)
    assert rows[0] == ["line", "column", "outcome", "reason"]
    assert rows[3][3] == "the invoice number is empty"


def test_a_reason_keeps_the_clients_own_cell_text_and_an_unknown_one_stays_english() -> None:
    assert (
        translate_reason("'{06-7}' is not a valid phone number", "nl")
        == "'{06-7}' is geen geldig telefoonnummer"
    )
    assert (
        translate_reason("the debtor name is 1.200 characters long; at most 1.000 fit", "nl")
        == "de naam van de debiteur is 1.200 tekens lang; er passen er hoogstens 1.000"
    )
    assert translate_reason("something new", "nl") == "something new"
