"""Money is an integer number of euro cents; this module only formats and parses it."""

from __future__ import annotations

import re

_AMOUNT = re.compile(r"^(?P<sign>[-+])?(?P<units>\d{1,3}(?:[.\s]\d{3})+|\d+)(?:[.,](?P<cents>\d{1,2}))?$")
_AMOUNT_EN = re.compile(r"^(?P<sign>[-+])?(?P<units>\d{1,3}(?:,\d{3})+)(?:\.(?P<cents>\d{1,2}))?$")


class InvalidAmount(ValueError):
    """Text that is not a euro amount in any of the notations Dutch exports use."""


def format_eur(amount_cents: int) -> str:
    """Dutch notation as a debtor reads it: `€ 1.234,56`, `-€ 12,50`."""
    sign = "-" if amount_cents < 0 else ""
    euros, cents = divmod(abs(amount_cents), 100)
    return f"{sign}€ {euros:,}".replace(",", ".") + f",{cents:02d}"


def format_eur_plain(amount_cents: int) -> str:
    """Without the euro sign, for tables and CSV cells: `1.234,56`."""
    return format_eur(amount_cents).replace("€ ", "")


def to_mollie_value(amount_cents: int) -> str:
    """Mollie wants a string with exactly two decimals and a dot: `1234.56`."""
    if amount_cents < 0:
        raise InvalidAmount("a payment amount cannot be negative")
    euros, cents = divmod(amount_cents, 100)
    return f"{euros}.{cents:02d}"


def from_mollie_value(value: str) -> int:
    euros, _, cents = value.partition(".")
    return int(euros) * 100 + int((cents + "00")[:2])


def parse_amount_cents(text: str) -> int:
    """Parse `1.234,56`, `€ 1.234,56`, `EUR 1234.56`, `1234,5`, `-12,50`, `1,234.56`.

    A single separator followed by exactly three digits (`1.234`) is read as a thousands
    separator, as Dutch exports print whole euros that way; `12.5` and `12,50` are decimals.
    """
    cleaned = text.strip().replace("\u00a0", " ")
    for token in ("EUR", "eur", "€"):
        cleaned = cleaned.replace(token, "")
    cleaned = cleaned.strip().replace(" ", "")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned.endswith("-"):
        negative, cleaned = True, cleaned[:-1]
    if not cleaned:
        raise InvalidAmount("empty amount")
    match = _AMOUNT.match(cleaned)
    if match is None:
        match = _AMOUNT_EN.match(cleaned)
    if match is None:
        raise InvalidAmount(f"not an amount: {text!r}")
    units = re.sub(r"[.,\s]", "", match.group("units"))
    cents_text = (match.group("cents") or "0").ljust(2, "0")
    value = int(units) * 100 + int(cents_text)
    if match.group("sign") == "-":
        negative = not negative
    return -value if negative else value
