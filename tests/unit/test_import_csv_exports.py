"""Real-looking exports of Dutch accounting packages, read end to end."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from chalicelib.domain.debtor_list import DebtorType, InvoiceLine, RejectedRow
from chalicelib.importing import ImportSettings, UnreadableList, read_debtor_list

LISTS = Path(__file__).parent.parent / "fixtures" / "lists"
CONSUMERS_BY_DEFAULT = ImportSettings(default_debtor_type=DebtorType.CONSUMER)


def read(name: str, settings: ImportSettings = CONSUMERS_BY_DEFAULT) -> list[InvoiceLine | RejectedRow]:
    with (LISTS / name).open("rb") as stream:
        return list(read_debtor_list(stream, name, settings))


def read_text(text: str, settings: ImportSettings = CONSUMERS_BY_DEFAULT) -> list[InvoiceLine | RejectedRow]:
    return list(read_debtor_list(io.BytesIO(text.encode()), "list.csv", settings))


def accepted(outcomes: list[InvoiceLine | RejectedRow]) -> list[InvoiceLine]:
    return [o for o in outcomes if isinstance(o, InvoiceLine)]


def rejected(outcomes: list[InvoiceLine | RejectedRow]) -> list[tuple[int, str | None, str]]:
    return [(o.line, o.column, o.reason) for o in outcomes if isinstance(o, RejectedRow)]


def dropped(outcomes: list[InvoiceLine | RejectedRow]) -> list[tuple[int, str | None, str]]:
    """Optional fields left out of rows that landed."""
    return [(d.line, d.column, d.reason) for o in accepted(outcomes) for d in o.dropped]


def test_exact_online_list_with_title_lines_bom_and_a_total_row() -> None:
    with (LISTS / "exact_online.csv").open("rb") as stream:
        reader = read_debtor_list(stream, "exact_online.csv", CONSUMERS_BY_DEFAULT)
        outcomes = list(reader)
    assert (reader.format, reader.encoding, reader.delimiter) == ("csv", "utf-8-sig", ";")
    assert reader.header[0] == "Relatiecode"
    assert reader.columns["open_amount"] == "Openstaand"
    assert reader.rows_seen == 7  # five rows, a blank line and the total row
    first, second, credit, jansen = accepted(outcomes)
    assert first.line == 4
    assert first.debtor.debtor_id == "1001"
    assert first.debtor.name == "Bakkerij De Gouden Korrel B.V."
    assert first.debtor.debtor_type is DebtorType.BUSINESS
    assert first.debtor.phone_e164 == first.debtor.mobile_e164 == "+31612345678"
    assert first.debtor.postcode == "3511 AB"
    assert (first.open_cents, first.amount_cents) == (123456, 151250)
    assert (first.invoice_date, first.due_date) == (date(2026, 10, 1), date(2026, 10, 31))
    assert second.debtor is first.debtor  # the same debtor's rows share one DebtorDetails
    assert credit.open_cents == -1250  # a credit note lowers the balance
    assert credit.debtor.name == "Café 't Hoekje"
    assert (credit.debtor.phone_e164, credit.debtor.mobile_e164) == (
        "+31206234567",
        None,
    )  # a landline: no SMS
    # A broken e-mail address costs the address, not the invoice.
    assert (jansen.line, jansen.debtor.email) == (7, None)
    assert dropped(outcomes) == [(7, "E-mailadres", "'jansen@jansenzn' is not a valid e-mail address")]
    assert rejected(outcomes) == [(8, "Openstaand", "the open amount is empty")]


def test_twinfield_list_in_windows_1252() -> None:
    with (LISTS / "twinfield.csv").open("rb") as stream:
        reader = read_debtor_list(stream, "twinfield.csv", CONSUMERS_BY_DEFAULT)
        outcomes = list(reader)
    assert reader.encoding == "cp1252"
    zoe, bad_iban, garage = accepted(outcomes)
    assert bad_iban.debtor.iban is None
    assert zoe.debtor.name == "Brasserie Zoë"
    assert zoe.debtor.iban == "NL91ABNA0417164300"
    assert (zoe.open_cents, zoe.amount_cents) == (75000, 100000)
    assert garage.debtor.name == "Garage Eén V.O.F."
    assert garage.debtor.debtor_type is DebtorType.BUSINESS
    assert garage.debtor.iban == "NL20INGB0001234567"
    assert dropped(outcomes) == [
        (3, "IBAN", "'NL91ABNA0417164301' is not a valid IBAN (the check digits do not match)")
    ]
    assert rejected(outcomes) == []


def test_moneybird_comma_separated_with_english_headers() -> None:
    outcomes = read("moneybird.csv")
    studio, first, second = accepted(outcomes)
    assert studio.debtor.name == "Studio Noord, ontwerp"  # a quoted comma stays in the name
    assert (studio.invoice_number, studio.open_cents, studio.amount_cents) == ("2026-0101", 121000, 121000)
    assert studio.due_date == date(2026, 10, 15)
    assert first.debtor.debtor_type is DebtorType.CONSUMER
    assert (second.open_cents, second.amount_cents) == (1250, 3025)
    assert rejected(outcomes) == [
        (5, "Total unpaid", "'abc' is not an amount; write it as 1.234,56 or 1234.56")
    ]


def test_e_boekhouden_tab_separated_with_other_date_notations() -> None:
    outcomes = read("eboekhouden.tsv")
    stichting, short_phone = accepted(outcomes)
    assert short_phone.debtor.phone_e164 is None
    assert stichting.debtor.debtor_type is DebtorType.BUSINESS
    assert stichting.debtor.phone_e164 == "+31612345678"
    assert stichting.due_date == date(2026, 11, 30)
    assert dropped(outcomes) == [(3, "Mobiel", "'12345' is not a valid phone number")]
    assert rejected(outcomes) == [
        (4, "Vervaldatum", "'13-13-2026' is not a date; write it as dd-mm-yyyy, e.g. 31-10-2026"),
    ]


def test_snelstart_stray_quotes_trailing_columns_and_total_label() -> None:
    outcomes = read("snelstart.csv")
    assert rejected(outcomes) == []
    zwaan, varken, heuvel = accepted(outcomes)
    assert zwaan.debtor.name == 'Hotel "De Zwaan" B.V.'
    assert varken.debtor.name == 'Slagerij "Het Gouden Varken'
    assert (heuvel.debtor.name, heuvel.invoice_number) == ("Van den Heuvel Holding", "S-5003")
    assert heuvel.debtor.debtor_type is DebtorType.BUSINESS
    assert (zwaan.due_date, heuvel.open_cents) == (date(2026, 10, 31), 7500)


def test_afas_split_address_type_column_kvk_language_and_paid_column() -> None:
    outcomes = read("afas.csv", ImportSettings())
    advies, sanne, pieter, short_postcode = accepted(outcomes)
    assert short_postcode.debtor.postcode is None
    assert advies.debtor.debtor_type is DebtorType.BUSINESS
    assert advies.debtor.street == "Keizersgracht 123A"
    assert advies.debtor.postcode == "1015 CJ"
    assert advies.paid is False
    assert sanne.debtor.debtor_type is DebtorType.CONSUMER
    assert sanne.paid is True
    assert pieter.debtor.postcode == "2000"  # a Belgian postcode is not checked as Dutch
    assert pieter.debtor.street == "Meir 12 bus 3"
    assert pieter.debtor.language == "en"
    assert dropped(outcomes) == [(5, "Postcode", "'12AB' is not a Dutch postcode; write it as 1234 AB")]
    assert rejected(outcomes) == [
        (6, "Particulier/Zakelijk", "'onbekend' is not a debtor type; use particulier or zakelijk"),
    ]


def test_sportlink_member_list_builds_names_and_takes_due_date_from_invoice_date() -> None:
    outcomes = read("sportlink.csv")
    jan, fatima = accepted(outcomes)
    assert jan.debtor.name == "Jan van der Berg"
    assert fatima.debtor.name == "Fatima El Amrani"
    assert jan.debtor.debtor_type is DebtorType.CONSUMER
    assert (jan.open_cents, jan.amount_cents) == (18500, 18500)  # "Contributie" is the amount
    assert jan.due_date == date(2026, 9, 15)  # invoice date + 14 days
    assert jan.debtor.street == "Sportlaan 4"
    assert fatima.debtor.phone_e164 == "+31623456789"
    assert rejected(outcomes) == [(4, "Factuurnummer", "the invoice number is empty")]


def test_client_column_mapping_overrides_the_synonyms() -> None:
    text = "Klant-ID;Naam;Nummer;Vervaldatum;Nog open\nK1;Els Kok;9001;31-10-2026;12,00\n"
    mapping = {"debtor_id": "Klant-ID", "invoice_number": "Nummer", "open_amount": "Nog open"}
    settings = ImportSettings(column_mapping=mapping)
    (line,) = read_text(text, settings)
    assert isinstance(line, InvoiceLine)
    assert (line.debtor.debtor_id, line.invoice_number, line.open_cents) == ("K1", "9001", 1200)


def test_business_names_are_recognised_by_their_legal_form() -> None:
    names = ["Kapsalon Knip B.V.", "BV De Molen", "Transport NV", "Schilders VOF", "Stichting Oud Geld",
             "Vereniging Eigen Huis", "De Vries Holding", "Bakker & Zn.", "Acme Ltd", "Müller GmbH", "Jan Bakker"]  # fmt: skip
    rows = "".join(f"{n};{name};F{n};31-10-2026;10,00\n" for n, name in enumerate(names))
    outcomes = accepted(read_text("Klantnummer;Naam;Factuurnummer;Vervaldatum;Openstaand\n" + rows))
    assert [o.debtor.debtor_type for o in outcomes] == [DebtorType.BUSINESS] * 10 + [DebtorType.CONSUMER]


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(UnreadableList) as raised:
        read_text("Klantnummer;Naam;Bedrag\n1;Els Kok;10,00\n")
    assert raised.value.reason == (
        "The header row lacks required columns: an invoice number (e.g. 'Factuurnummer'): no header "
        "resembles one; a due date (e.g. 'Vervaldatum') or an invoice date ('Factuurdatum'): no header "
        "resembles one. Headers found: 'Klantnummer', 'Naam', 'Bedrag'. Rename the column in the "
        "export, or have its name added to your column mapping."
    )


def test_a_missing_column_names_the_header_that_comes_nearest() -> None:
    with pytest.raises(UnreadableList) as raised:
        read_text("Klantnummer;Naam;Factnr;Verv. datum;Bedrag\n1;Els Kok;F1;31-10-2026;10,00\n")
    assert (
        "an invoice number (e.g. 'Factuurnummer'): 'Factnr' comes nearest to the known name 'factuurnr.'"
        in (raised.value.reason)
    )
    assert "'Verv. datum' comes nearest to the known name 'vervaldatum'" in raised.value.reason
    assert "Headers found: 'Klantnummer', 'Naam', 'Factnr', 'Verv. datum', 'Bedrag'." in raised.value.reason


def test_a_repeated_header_and_empty_rows_are_skipped_and_lines_stay_physical() -> None:
    text = (
        "Relatiecode;Naam;Factuurnummer;Vervaldatum;Openstaand\r\n"
        '1;"Kok, Els";F1;31-10-2026;10,00\r\n'
        "\r\n"
        "Relatiecode;Naam;Factuurnummer;Vervaldatum;Openstaand\r\n"
        "2;Piet Kok;F2;31-10-2026;\r\n"
    )
    assert [(o.line, type(o).__name__) for o in read_text(text)] == [(2, "InvoiceLine"), (5, "RejectedRow")]
