"""Cells: amounts, dates, phone numbers, IBANs, postcodes, header synonyms."""

from __future__ import annotations

from datetime import date, datetime

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.money import format_eur, format_eur_plain, parse_amount_cents
from chalicelib.importing import fields
from chalicelib.importing.fields import InvalidField
from chalicelib.importing.headers import match_columns, normalise


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1.234,56", 123456), ("€ 1.234,56", 123456), ("1234.56", 123456), ("-12,50", -1250), ("75", 7500),
     ("EUR 1.000", 100000), ("-€ 0,05", -5)],
)  # fmt: skip
def test_amounts(text: str, cents: int) -> None:
    assert fields.parse_amount(text) == cents


def test_excel_number_amounts_are_rounded_through_decimal() -> None:
    assert [fields.parse_amount(x) for x in (19.99, 0.1 + 0.2, 1234.565, -12.5, 100)] == [
        1999,
        30,
        123457,
        -1250,
        10000,
    ]


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_any_dutch_formatted_amount_parses_back_to_the_same_cents(cents: int) -> None:
    assert fields.parse_amount(format_eur_plain(cents)) == cents
    assert fields.parse_amount(format_eur(cents)) == cents


@given(st.from_regex(r"-?\d{1,7}([.,]\d{2})?", fullmatch=True))
def test_the_fast_amount_path_agrees_with_the_general_parser(text: str) -> None:
    assert fields.parse_amount(text) == parse_amount_cents(text)


@pytest.mark.parametrize(
    "text",
    ["31-10-2026", "31-10-26", "2026-10-31", "20261031", "31/10/2026", "31.10.2026", "31-10-2026 00:00:00"],
)
def test_dates(text: str) -> None:
    assert fields.parse_date(text) == date(2026, 10, 31)


def test_excel_dates() -> None:
    assert fields.parse_date(datetime(2026, 10, 31, 0, 0)) == date(2026, 10, 31)
    assert fields.parse_date(46326.0) == date(2026, 10, 31)


@pytest.mark.parametrize("text", ["31-02-2026", "2026-13-01", "morgen", "31-10", "1-1-126"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(InvalidField):
        fields.parse_date(text)


@pytest.mark.parametrize(
    ("text", "e164"),
    [("06-12345678", "+31612345678"), ("+31 (0)6 1234 5678", "+31612345678"), ("0031 20 6234567", "+31206234567"),
     ("010-1234567", "+31101234567"), ("+32 470 12 34 56", "+32470123456"), ("+49 30 1234567", "+49301234567")],
)  # fmt: skip
def test_phone_numbers_become_e164(text: str, e164: str) -> None:
    assert fields.parse_phone(text, "NL") == e164


@given(st.from_regex(r"0[1-9]\d{8}", fullmatch=True))
def test_the_fast_dutch_phone_check_agrees_with_phonenumbers(text: str) -> None:
    number = phonenumbers.parse(text, "NL")
    if phonenumbers.is_valid_number(number):
        assert fields.parse_phone(text, "NL") == phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.E164
        )
    else:
        with pytest.raises(InvalidField):
            fields.parse_phone(text, "NL")


def test_iban_postcode_and_email() -> None:
    assert fields.parse_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    assert fields.parse_iban("BE71 0961 2345 6769") == "BE71096123456769"
    with pytest.raises(InvalidField):
        fields.parse_iban("NL91ABNA0417164301")
    assert fields.parse_dutch_postcode("3511ab") == "3511 AB"
    with pytest.raises(InvalidField):
        fields.parse_dutch_postcode("0123 AB")
    assert fields.parse_email("a.b@voorbeeld.nl; c@voorbeeld.nl") == "a.b@voorbeeld.nl"
    with pytest.raises(InvalidField):
        fields.parse_email("jan@voorbeeld")


def test_headers_match_ignoring_case_accents_and_punctuation() -> None:
    assert normalise("Deb.nr.") == "debnr"
    match = match_columns(
        ["Deb.nr.", "Naam", "Factuurnr.", "Vervaldatum", "Saldo", "Openstaand", "E-mailadres"]
    )
    assert dict(match.indexes) == {
        "debtor_id": 0, "name": 1, "invoice_number": 2, "due_date": 3, "open_amount": 5, "email": 6,
    }  # fmt: skip
    assert match.complete
