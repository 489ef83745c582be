"""Reading one cell as a date, an amount, a phone number, an IBAN...

Every parser takes the raw cell (text from a CSV; text, number or datetime from Excel) and returns
the normalised value or raises `InvalidField` with a sentence for the client. Lists repeat the same
dates, phone numbers and IBANs many times, so the pure text parsers are cached.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.nl import postcode as stdnum_postcode

from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.money import InvalidAmount, parse_amount_cents


class InvalidField(ValueError):
    """One cell that cannot be used; the message is shown to the client as the reason."""


# --- dates -----------------------------------------------------------------------------------------

# Excel stores dates as days since 1899-12-30 (the 1900 leap-year bug folded in). A date column
# formatted as a number arrives as e.g. 46326.0; accept the plausible range 1954..2119 only.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIAL_RANGE = (20_000, 80_000)


@lru_cache(maxsize=8192)
def parse_date_text(text: str) -> date:
    """`31-10-2026`, `31-10-26`, `2026-10-31`, `20261031`, `31/10/2026`, `31.10.2026`.

    Dutch exports put the day first; only a four-digit first part is read as a year. A time after
    the date (`31-10-2026 00:00:00`, ISO `T`) is ignored.
    """
    value = text.strip().split(" ", 1)[0].split("T", 1)[0]
    try:
        if len(value) == 8 and value.isdigit():
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        for separator in "-/.":
            if separator in value:
                first, month, last = value.split(separator)
                break
        else:
            raise ValueError
        if len(first) == 4:
            year, day = first, last
        else:
            day, year = first, last
            if len(year) == 2:
                year = "20" + year  # a debtor list holds this century's invoices
            elif len(year) != 4:
                raise ValueError
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidField(f"'{text}' is not a date; write it as dd-mm-yyyy, e.g. 31-10-2026") from None


def parse_date(cell: object) -> date:
    if type(cell) is str:
        return parse_date_text(cell)
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if _EXCEL_SERIAL_RANGE[0] <= cell <= _EXCEL_SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=int(cell))
        return parse_date_text(str(int(cell)))  # 20261031 typed as a number
    raise InvalidField(f"'{cell}' is not a date")


# --- money -----------------------------------------------------------------------------------------

_CENT = Decimal("0.01")


# The two notations nearly every export uses, `-1.234,56` and `1234.56`, parsed without the general
# parser's regex substitutions; anything else goes to `parse_amount_cents`, which agrees on these.
_DUTCH_AMOUNT = re.compile(r"(-?)(\d{1,3}(?:\.\d{3})*|\d+),(\d\d)", re.ASCII)
_PLAIN_AMOUNT = re.compile(r"(-?)(\d+)\.(\d\d)", re.ASCII)


def parse_amount_text(text: str) -> int:
    match = _DUTCH_AMOUNT.fullmatch(text) or _PLAIN_AMOUNT.fullmatch(text)
    if match is not None:
        sign, units, cents = match.groups()
        value = int(units.replace(".", "")) * 100 + int(cents)
        return -value if sign else value
    return _parse_amount_general(text)


@lru_cache(maxsize=4096)
def _parse_amount_general(text: str) -> int:
    try:
        return parse_amount_cents(text)
    except InvalidAmount:
        raise InvalidField(f"'{text}' is not an amount; write it as 1.234,56 or 1234.56") from None


def parse_amount(cell: object) -> int:
    """Cents from text, or from an Excel number: a float goes through `Decimal(str(x))` so that
    19.99 (binary 19.98999...) becomes 1999 cents, not 1998."""
    if type(cell) is str:
        return parse_amount_text(cell)
    if isinstance(cell, bool):
        raise InvalidField(f"'{cell}' is not an amount")
    if isinstance(cell, int):
        return cell * 100
    if type(cell) is float:
        # Excel stores 19.99 as 19.989999...: a number with at most two decimals is within a
        # hair of a whole number of cents; anything else is rounded as written, below.
        scaled = cell * 100
        cents = round(scaled) if -1e13 < scaled < 1e13 else None
        if cents is not None and abs(scaled - cents) < 1e-6:
            return cents
    if isinstance(cell, float | Decimal):
        try:
            exact = cell if isinstance(cell, Decimal) else Decimal(str(cell))
            return int(exact.quantize(_CENT, rounding=ROUND_HALF_UP) * 100)
        except (InvalidOperation, ValueError):  # nan, inf
            raise InvalidField(f"'{cell}' is not an amount") from None
    raise InvalidField(f"'{cell}' is not an amount")


# --- contact details -------------------------------------------------------------------------------

# Syntax only, as a mail server would accept it; whether the box exists shows when we send.
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)

_EMAIL_SEPARATORS = re.compile(r"[;,\s]+")


def parse_email(text: str) -> str:
    """One address; a cell with several (`a@x.nl; b@x.nl`) keeps the first, all must be valid."""
    if _EMAIL.match(text) is not None:
        return text
    first = ""
    for candidate in _EMAIL_SEPARATORS.split(text.strip()):
        if not candidate:
            continue
        if _EMAIL.match(candidate) is None:
            raise InvalidField(f"'{candidate}' is not a valid e-mail address")
        first = first or candidate
    return first


def _dutch_number_pattern() -> re.Pattern[str]:
    """Every valid Dutch national number (mobile, landline, VoIP, ...), from phonenumbers' own
    metadata: checking a Dutch number this way gives the same answer as `is_valid_number` at a
    fraction of its cost (phonenumbers takes ~60 µs a number, a list has one per debtor)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("NL")
    kinds = ("fixed_line", "mobile", "voip", "toll_free", "premium_rate", "shared_cost",
             "personal_number", "pager", "uan", "voicemail")  # fmt: skip
    patterns = []
    for kind in kinds:
        description = getattr(metadata, kind, None)
        if description is not None and description.national_number_pattern:
            patterns.append(f"(?:{description.national_number_pattern})")
    return re.compile("|".join(patterns))


_DUTCH_NUMBER = _dutch_number_pattern()
_PHONE_PUNCTUATION = str.maketrans("", "", " -().\u00a0/")


def _dutch_national_number(text: str) -> str | None:
    """The 9-digit national number of a Dutch number as people write it, or None when unsure."""
    digits = text.translate(_PHONE_PUNCTUATION)
    if digits.startswith("+31"):
        digits = digits[3:]
    elif digits.startswith("0031"):
        digits = digits[4:]
    elif digits.startswith("00") or digits.startswith("+"):
        return None  # a foreign number
    digits = digits.removeprefix("0")  # the trunk 0, also in "+31 (0)6 ..."
    if digits.isascii() and digits.isdigit() and _DUTCH_NUMBER.fullmatch(digits):
        return digits
    return None


def _dutch_mobile_digits(text: str) -> str | None:
    """The nine national digits of what is written as 06 and eight digits (or +31 6 ...), well
    formed whatever its range; else None."""
    digits = text.translate(_PHONE_PUNCTUATION).removeprefix("+31").removeprefix("0031").removeprefix("0")
    if len(digits) == 9 and digits.startswith("6") and digits.isascii() and digits.isdigit():
        return digits
    return None


@lru_cache(maxsize=16384)
def is_mobile(e164: str) -> bool:
    """Whether a number can receive SMS: Dutch mobiles are +316..., elsewhere phonenumbers knows."""
    if e164.startswith("+31"):
        return e164.startswith("+316")
    number_type = phonenumbers.number_type(phonenumbers.parse(e164, None))
    return number_type in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


@lru_cache(maxsize=16384)
def parse_phone(text: str, region: str) -> str:
    """E.164 (`+31612345678`) from `06-12345678`, `+31 (0)6 1234 5678`, `0031 20 1234567`, and from
    `612345678` (Excel drops the leading zero of a number cell)."""
    if region == "NL" or text.lstrip().startswith(("+31", "0031")):
        national = _dutch_national_number(text)
        if national is not None:
            return "+31" + national
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        if (digits := _dutch_mobile_digits(text)) is not None:
            raise InvalidField(
                f"'{text}' is written as a Dutch mobile number, but no mobile number starts with "
                f"06-{digits[1]}: that range is not in use"
            )
        raise InvalidField(f"'{text}' is not a valid phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


_DUTCH_IBAN = re.compile(r"NL\d\d[A-Z]{4}\d{10}", re.ASCII)
_IBAN_LETTERS = str.maketrans({chr(code): str(code - 55) for code in range(65, 91)})  # A=10 .. Z=35


@lru_cache(maxsize=16384)
def parse_iban(text: str) -> str:
    """Compact upper-case IBAN (`NL91ABNA0417164300`) after checking its check digits."""
    compact = text.replace(" ", "").upper()
    if _DUTCH_IBAN.fullmatch(compact):  # the common case, checked here without stdnum's registry
        rearranged = compact[4:] + compact[:4]
        if int(rearranged.translate(_IBAN_LETTERS)) % 97 == 1:  # ISO 13616 check digits
            return compact
        raise InvalidField(f"'{text}' is not a valid IBAN (the check digits do not match)")
    try:
        return str(stdnum_iban.validate(text))
    except ValidationError:
        raise InvalidField(f"'{text}' is not a valid IBAN (the check digits do not match)") from None


@lru_cache(maxsize=16384)
def parse_dutch_postcode(text: str) -> str:
    """`1234ab`, `1234 AB` -> `1234 AB`."""
    try:
        return str(stdnum_postcode.validate(text))
    except ValidationError:
        raise InvalidField(f"'{text}' is not a Dutch postcode; write it as 1234 AB") from None


_KVK_PUNCTUATION = str.maketrans("", "", " .-\u00a0")


def parse_kvk(text: str) -> str:
    """A Chamber of Commerce (KvK) number: eight digits (`12.34.56.78`, `KvK 12345678`)."""
    digits = text.translate(_KVK_PUNCTUATION)
    if digits[:3].casefold() == "kvk":
        digits = digits[3:].lstrip(":")
    if len(digits) == 8 and digits.isascii() and digits.isdigit():
        return digits
    raise InvalidField(f"'{text}' is not a KvK number; a KvK number has eight digits")


# Values of a country column that mean the Netherlands (only Dutch postcodes are checked).
NETHERLANDS = frozenset({"", "nl", "nld", "nederland", "netherlands", "the netherlands", "holland"})


# --- classification --------------------------------------------------------------------------------

DEBTOR_TYPE_VALUES: dict[str, DebtorType] = {
    **dict.fromkeys(
        ("particulier", "consument", "consumer", "private", "privé", "prive", "b2c", "p", "c", "persoon"),
        DebtorType.CONSUMER,
    ),
    **dict.fromkeys(
        ("zakelijk", "bedrijf", "business", "company", "organisatie", "b2b", "z", "b", "onderneming"),
        DebtorType.BUSINESS,
    ),
}

# Legal forms and words that make a name a business's (BW 6:96: a business pays other collection
# costs than a consumer). Patterns, matched case-insensitively anywhere in the name.
BUSINESS_NAME_PATTERNS: tuple[str, ...] = (
    r"(?:^|[\s,(])b\.?\s?v\.?(?=$|[\s,)])",  # B.V., BV, B.V
    r"(?:^|[\s,(])n\.?\s?v\.?(?=$|[\s,)])",  # N.V.
    r"(?:^|[\s,(])v\.?\s?o\.?\s?f\.?(?=$|[\s,)])",  # V.O.F., VOF
    r"(?:^|[\s,(])bvba(?=$|[\s,)])",
    r"\bstichting\b",
    r"\bvereniging\b",
    r"\bco[öo]peratie\b",
    r"\bholding\b",
    r"&\s*z(?:n|onen)\b\.?",  # "Jansen & Zn", "& Zonen"
    r"\bltd\b\.?",
    r"\bgmbh\b",
    r"\binc\b\.?",
)
_BUSINESS_NAME = re.compile("|".join(BUSINESS_NAME_PATTERNS), re.IGNORECASE)


def looks_like_business(name: str) -> bool:
    return _BUSINESS_NAME.search(name) is not None


LANGUAGE_VALUES: dict[str, str] = {
    **dict.fromkeys(("nl", "nld", "dut", "nederlands", "dutch", "nl-nl", "nl_nl"), "nl"),
    **dict.fromkeys(("en", "eng", "engels", "english", "en-gb", "en-us", "en_gb"), "en"),
}

# Yes/no answers as lists write them (a consent column).
YES_NO_VALUES: dict[str, bool] = {
    **dict.fromkeys(("ja", "j", "yes", "y", "1", "x", "true", "waar"), True),
    **dict.fromkeys(("nee", "n", "no", "0", "false", "onwaar", ""), False),
}

PAID_VALUES: dict[str, bool] = {
    **dict.fromkeys(("ja", "j", "yes", "y", "1", "x", "true", "waar", "betaald", "paid", "voldaan"), True),
    **dict.fromkeys(("nee", "n", "no", "0", "false", "onwaar", "open", "onbetaald", "unpaid", ""), False),
}

# A status column holds many words ("open", "herinnering", "vervallen"); only these mean paid.
PAID_STATUSES = frozenset({"betaald", "paid", "voldaan", "afgeletterd", "settled"})
