"""Turning one row of cells into an invoice line, or into the reason it cannot be one.

Built once per file from the matched header, so each row costs a few index look-ups and cached
parses: no per-row regex compiling, no dict per row.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType, DroppedField, InvoiceLine, RejectedRow
from chalicelib.importing import fields
from chalicelib.importing.fields import InvalidField
from chalicelib.importing.headers import normalise
from chalicelib.importing.settings import ImportSettings

# When a list has invoice dates but no due dates, the invoice is taken to fall due 14 days after
# its date: the payment term printed on most Dutch invoices. (The statutory default of BW 6:119a
# lid 2 between businesses is 30 days; a client who agreed a longer term should export due dates.)
FALLBACK_PAYMENT_TERM = timedelta(days=14)

# Labels of the total row accounting packages print below the list ("Totaal", "Total", "Totalen").
TOTAL_LABELS = frozenset({"totaal", "totalen", "total", "totals", "subtotaal", "eindtotaal", "grandtotal",
                          "totaalgeneraal", "subtotal"})  # fmt: skip

# A column called just "Type" or "Soort" often holds the document type ("Factuur", "Creditnota")
# rather than the debtor type: unknown values there are ignored instead of rejected.
_GENERIC_TYPE_HEADERS = frozenset({"type", "soort"})

# Caps on one field, so that one absurd cell costs its row and not the list (nor a DynamoDB item).
# The debtor and invoice numbers end up in keys; a name or an address of 1,000 characters is
# already no name or address.
MAX_NUMBER_CHARS = 100
MAX_TEXT_CHARS = 1_000
_NUMBER_FIELDS = frozenset({"debtor_id", "invoice_number"})

Cell = object  # str from CSV; str, int, float or datetime from Excel
Outcome = InvoiceLine | RejectedRow | None  # None: a blank, total or repeated header row, skipped
# A debtor's details and the optional fields left out of them: (our field, reason) pairs.
Debtor = tuple[DebtorDetails, tuple[tuple[str, str], ...]]


def _as_text(value: object) -> str:
    """A cell as text; Excel numbers in text columns (invoice 2026001.0) lose the `.0`."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _is_blank(value: object) -> bool:
    return value == "" or (type(value) is str and not value.strip())


def _is_total_label(value: object) -> bool:
    if type(value) is not str:
        return False
    words = value.strip().casefold().replace(":", " ").split()
    return bool(words) and normalise(words[0]) in TOTAL_LABELS


class RowInterpreter:
    """Knows where each field sits in this file's rows and turns rows into outcomes."""

    def __init__(self, header: Sequence[str], indexes: Mapping[str, int], settings: ImportSettings) -> None:
        self.header = tuple(header)
        width = len(self.header)
        self._width = width
        # A field the file does not have points one column past the header, which every row is
        # padded (or cut) to hold "", so reading it needs no branch.
        self._missing_index = width
        self._pads = [[""] * (width + 1 - length) for length in range(width + 1)]

        def at(name: str) -> int:
            return indexes.get(name, width)

        self._has = frozenset(indexes)
        self._i = {name: at(name) for name in (*indexes, *(f for f in fields_used() if f not in indexes))}
        self._their = {name: self.header[index] for name, index in indexes.items()}
        self._settings = settings
        self._region = settings.default_country.upper()
        self._check_nl_postcodes = self._region == "NL"
        self._row_indexes = tuple(self._i[name] for name in _ROW_FIELDS[:6])
        self._has_open_column = "open_amount" in indexes
        self._has_paid_columns = "paid" in indexes or "status" in indexes
        self._debtor_cells: Callable[[Sequence[Cell]], tuple[Cell, ...]] = operator.itemgetter(
            *(self._i[name] for name in _DEBTOR_FIELDS)
        )
        self._last_debtor_key: tuple[Cell, ...] | None = None
        self._last_debtor: Debtor | InvalidFieldAt | None = None
        self._capped = tuple(
            (name, index, MAX_NUMBER_CHARS if name in _NUMBER_FIELDS else MAX_TEXT_CHARS)
            for name, index in indexes.items()
        )
        self._type_is_generic = (
            "debtor_type" in indexes
            and normalise(self.header[indexes["debtor_type"]]) in _GENERIC_TYPE_HEADERS
        )

    def column(self, name: str) -> str | None:
        """Their header text of one of our fields, or None when the file lacks it."""
        return self._their.get(name)

    def interpret(self, line: int, cells: list[Cell]) -> Outcome:
        width = self._width
        if len(cells) > width:
            cells[width] = ""  # columns beyond the header are not ours
        else:
            cells.extend(self._pads[len(cells)])
        try:
            longest = max(map(len, cells))  # type: ignore[arg-type]
        except TypeError:  # Excel numbers and dates among the cells
            longest = max([len(cell) for cell in cells if type(cell) is str], default=0)
        if longest > MAX_NUMBER_CHARS and (too_long := self._too_long(line, cells)) is not None:
            return too_long
        # Cells from a CSV are str; from Excel also numbers and datetimes: strip text only.
        i_id, i_invoice, i_open, i_amount, i_due, i_invoice_date = self._row_indexes
        debtor_id = cells[i_id]
        debtor_id = debtor_id.strip() if type(debtor_id) is str else _as_text(debtor_id)
        invoice_number = cells[i_invoice]
        invoice_number = invoice_number.strip() if type(invoice_number) is str else _as_text(invoice_number)
        open_raw = cells[i_open]
        if type(open_raw) is str:
            open_raw = open_raw.strip()
        amount_raw = cells[i_amount]
        if type(amount_raw) is str:
            amount_raw = amount_raw.strip()
        due_raw = cells[i_due]
        if type(due_raw) is str:
            due_raw = due_raw.strip()
        invoice_date_raw = cells[i_invoice_date]
        if type(invoice_date_raw) is str:
            invoice_date_raw = invoice_date_raw.strip()
        if not debtor_id or not invoice_number:
            return self._incomplete(line, cells, "debtor_id" if not debtor_id else "invoice_number")
        if open_raw == "" and (self._has_open_column or amount_raw == ""):
            return self._incomplete(line, cells, "open_amount" if self._has_open_column else "amount")
        if due_raw == "" and invoice_date_raw == "":
            return self._incomplete(line, cells, "due_date" if "due_date" in self._has else "invoice_date")

        column = "open_amount"
        try:
            open_cents = fields.parse_amount(open_raw) if open_raw != "" else None
            column = "amount"
            amount_cents = fields.parse_amount(amount_raw) if amount_raw != "" else None
            column = "invoice_date"
            invoice_date = fields.parse_date(invoice_date_raw) if invoice_date_raw != "" else None
            column = "due_date"
            if due_raw != "":
                due_date = fields.parse_date(due_raw)
            else:
                assert invoice_date is not None  # checked above: one of both is filled
                due_date = invoice_date + FALLBACK_PAYMENT_TERM
            column = "paid"
            paid = self._paid(cells) if self._has_paid_columns else False
        except InvalidField as error:
            if self._is_repeated_header(cells):
                return None
            return RejectedRow(line=line, column=self.column(column), reason=str(error))
        if open_cents is None:
            open_cents = amount_cents if amount_cents is not None else 0
        if amount_cents is None:
            amount_cents = open_cents

        key = self._debtor_cells(cells)
        if key == self._last_debtor_key:
            debtor = self._last_debtor
        else:
            try:
                debtor = self._debtor(debtor_id, key)
            except InvalidFieldAt as problem:
                debtor = problem
            self._last_debtor_key, self._last_debtor = key, debtor
        if isinstance(debtor, InvalidFieldAt):
            return RejectedRow(line=line, column=self.column(debtor.field), reason=debtor.reason)
        if debtor is None:
            return self._incomplete(line, cells, "name" if "name" in self._has else "last_name")
        details, dropped = debtor
        return InvoiceLine(
            line=line,
            debtor=details,
            invoice_number=invoice_number,
            due_date=due_date,
            open_cents=open_cents,
            amount_cents=amount_cents,
            invoice_date=invoice_date,
            paid=paid,
            dropped=tuple(DroppedField(line, self.column(name), reason) for name, reason in dropped),
        )

    # --- the slower paths: only for rows that are rejected, skipped or new debtors ---------------

    def _incomplete(self, line: int, cells: list[Cell], name: str) -> Outcome:
        """A row missing a required field: blank and total rows are skipped silently."""
        used = cells[: self._width]
        if all(_is_blank(cell) for cell in used):
            return None
        if any(_is_total_label(cell) for cell in used) or self._is_repeated_header(cells):
            return None
        their = self.column(name)
        what = _FIELD_WORDS[name]
        reason = f"{what} is empty" if their else f"{what} is missing"
        return RejectedRow(line=line, column=their, reason=reason)

    def _too_long(self, line: int, cells: list[Cell]) -> RejectedRow | None:
        for name, index, limit in self._capped:
            cell = cells[index]
            if type(cell) is str and len(cell.strip()) > limit:
                what = _FIELD_WORDS.get(name, f"the {name.replace('_', ' ')}")
                length = f"{len(cell.strip()):,}".replace(",", ".")
                return RejectedRow(
                    line=line,
                    column=self.column(name),
                    reason=f"{what} is {length} characters long; at most {limit:,} fit".replace(",", "."),
                )
        return None

    def _is_repeated_header(self, cells: list[Cell]) -> bool:
        # Some exports repeat the header at every page break.
        return tuple(_as_text(cell) for cell in cells[: self._width]) == self.header

    def _paid(self, cells: list[Cell]) -> bool:
        i = self._i
        paid_text = _as_text(cells[i["paid"]]).casefold()
        if paid_text:
            paid = fields.PAID_VALUES.get(paid_text)
            if paid is None:
                raise InvalidField(f"'{paid_text}' does not say whether the invoice is paid; use ja or nee")
            return paid
        status = _as_text(cells[i["status"]]).casefold()
        return status in fields.PAID_STATUSES

    def _debtor(self, debtor_id: str, debtor_cells: tuple[Cell, ...]) -> Debtor | None:
        text = dict(zip(_DEBTOR_FIELDS, map(_as_text, debtor_cells), strict=True))
        name = " ".join(part for part in (text["first_name"], text["infix"], text["last_name"]) if part)
        name = name or text["name"]
        if not name:
            return None
        # Optional details: one that cannot be used is left out with a reason, never the row.
        dropped: list[tuple[str, str]] = []

        def optional(field: str, parse: Callable[[str], str]) -> str | None:
            if not text[field]:
                return None
            try:
                return parse(text[field]) or None
            except InvalidField as error:
                dropped.append((field, str(error)))
                return None

        region = self._region
        email = optional("email", fields.parse_email)
        phone = optional("phone", lambda raw: fields.parse_phone(raw, region))
        mobile = optional("mobile", lambda raw: fields.parse_phone(raw, region))
        payer_email = optional("payer_email", fields.parse_email)
        iban = optional("iban", fields.parse_iban)
        country = text["country"].casefold()
        if country in fields.NETHERLANDS if country else self._check_nl_postcodes:
            postcode = optional("postcode", fields.parse_dutch_postcode)
        else:
            postcode = text["postcode"] or None
        kvk = optional("kvk", fields.parse_kvk)
        # Consent to WhatsApp is opt-in: an answer we cannot read is no consent, reported like
        # any other optional detail that could not be used.
        consent = fields.YES_NO_VALUES.get(text["whatsapp_consent"].casefold())
        if consent is None:
            dropped.append(
                ("whatsapp_consent", f"'{text['whatsapp_consent']}' does not say yes or no; use ja or nee")
            )
            consent = False
        field = "debtor_type"
        try:
            debtor_type = self._debtor_type(name, text["debtor_type"], kvk)
            field = "language"
            language = "nl"
            if text["language"]:
                found = fields.LANGUAGE_VALUES.get(text["language"].casefold())
                if found is None:
                    raise InvalidField(f"'{text['language']}' is not a language we write in; use nl or en")
                language = found
        except InvalidField as error:
            raise InvalidFieldAt(field, str(error)) from None
        details = DebtorDetails(
            debtor_id=debtor_id,
            name=name,
            debtor_type=debtor_type,
            email=email,
            phone_e164=mobile or phone,  # a mobile number can also receive text messages
            mobile_e164=mobile or (phone if phone and fields.is_mobile(phone) else None),
            iban=iban,
            street=_street(text["street"], text["house_number"], text["house_number_suffix"]),
            postcode=postcode,
            city=text["city"] or None,
            language=language,
            team=text["team"] or None,
            payer=text["payer"] or None,
            payer_email=payer_email,
            whatsapp_consent=consent,
        )
        return details, tuple(dropped)

    def _debtor_type(self, name: str, type_text: str, kvk: str | None) -> DebtorType:
        """The type column decides; else a KvK number or a business-like name; else the default."""
        if type_text:
            found = fields.DEBTOR_TYPE_VALUES.get(type_text.casefold())
            if found is not None:
                return found
            if not self._type_is_generic:
                raise InvalidField(f"'{type_text}' is not a debtor type; use particulier or zakelijk")
        if kvk or fields.looks_like_business(name):
            return DebtorType.BUSINESS
        return self._settings.default_debtor_type


class InvalidFieldAt(Exception):
    """A debtor detail that failed, remembered so every row of that debtor gets the same reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _street(street: str, number: str, suffix: str) -> str | None:
    """Sportlink and AFAS split the address: "Dorpsstraat" + "12" + "A" -> "Dorpsstraat 12A"."""
    if number:
        joiner = "" if len(suffix) <= 1 else " "
        street = f"{street} {number}{joiner}{suffix}".strip()
    return street or None


_DEBTOR_FIELDS: tuple[str, ...] = (
    "name", "first_name", "infix", "last_name", "email", "phone", "mobile", "iban", "street",
    "house_number", "house_number_suffix", "postcode", "city", "country", "debtor_type", "kvk", "language",
    "team", "payer", "payer_email", "whatsapp_consent",
)  # fmt: skip

_ROW_FIELDS: tuple[str, ...] = (
    "debtor_id", "invoice_number", "open_amount", "amount", "due_date", "invoice_date", "paid", "status",
)  # fmt: skip


def fields_used() -> tuple[str, ...]:
    return _ROW_FIELDS + _DEBTOR_FIELDS


_FIELD_WORDS: Mapping[str, str] = {
    "debtor_id": "the debtor number",
    "invoice_number": "the invoice number",
    "open_amount": "the open amount",
    "amount": "the amount",
    "due_date": "the due date",
    "invoice_date": "the invoice date",
    "name": "the debtor name",
    "last_name": "the debtor's last name",
    "email": "the e-mail address",
    "payer_email": "the payer's e-mail address",
    "iban": "the IBAN",
}
