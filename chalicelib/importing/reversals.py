"""Reading a bank's reversed direct debits (storno) from the file a club uploads under storno/<client>/:
- camt.054 (BkToCstmrDbtCdtNtfctn): debit entries whose transaction details carry return
  information (RtrInf/Rsn/Cd);
- pain.002 (CstmrPmtStsRpt): transactions of a direct debit batch with status RJCT and a status
  reason (StsRsnInf/Rsn/Cd);
- a CSV a bank portal or Sportlink exports: member number, amount, reason code, date.

No maintained Python parser reads both ISO 20022 messages (sepaxml writes pain.008 but reads
nothing; the camt parsers on PyPI are 0.0.x releases of one author, camt.053-first). The standard
library's ElementTree through defusedxml reads them: defusedxml refuses DTDs and entity bombs.
Elements are matched by local name, so every published version of both messages reads
(camt.054.001.02 to .08, pain.002.001.03 to .10).

The whole file is refused with one clear sentence when anything in it cannot be read: a reject
file is the bank's statement of money, so half of it is never imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from chalicelib.domain.reversals import ReversedDebit, is_reason_code
from chalicelib.importing import fields
from chalicelib.importing.errors import UnreadableList
from chalicelib.importing.fields import InvalidField
from chalicelib.importing.headers import SYNONYMS, normalise

# A club's reject file holds tens of lines; a bank's monthly camt.054 a few thousand entries.
MAX_BYTES = 5 * 1024 * 1024

_CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "debtor_id": (
        "machtigingskenmerk", "kenmerk machtiging", "mandaatid", "mandate id", "mandate reference",
        *SYNONYMS["debtor_id"],
    ),
    "amount": ("teruggeboekt bedrag", "stornobedrag", "bedrag", "amount", "returned amount"),
    "reason_code": ("redencode", "reden code", "retourcode", "reden", "reason code", "return reason", "reason"),
    "collected_on": (
        "incassodatum", "datum incasso", "transactiedatum", "boekdatum", "datum", "collection date", "date",
    ),
    "reference": ("end-to-end id", "endtoendid", "end to end id", "transactiekenmerk", "kenmerk", "reference"),
    "invoice_number": ("factuurnummer", "factuur", "invoice number", "invoice"),
    "name": ("naam", "rekeninghouder", "naam rekeninghouder", "name", "account holder", "debtor name"),
    "iban": ("iban", "rekeningnummer", "tegenrekening", "account"),
    "email": ("e-mail", "e-mailadres", "email"),
}  # fmt: skip
_CSV_REQUIRED = ("debtor_id", "amount", "reason_code", "collected_on")
_CSV_DESCRIBED = {
    "debtor_id": "the member number or mandate reference ('Lidnummer', 'Machtigingskenmerk')",
    "amount": "the amount ('Bedrag')",
    "reason_code": "the bank's reason code ('Redencode', e.g. AM04)",
    "collected_on": "the date of the direct debit ('Datum')",
}


def read_reversals(data: bytes, file_name: str) -> list[ReversedDebit]:
    """Every reversed direct debit in the file, or UnreadableList saying why none is imported."""
    if len(data) > MAX_BYTES:
        raise UnreadableList(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it per month")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    reversals = _read_xml(data) if head == b"<" else _read_csv(data)
    if not reversals:
        raise UnreadableList(f"{file_name!r} holds no reversed direct debits (no entry with a reason code)")
    return reversals


# --- ISO 20022 -------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element | None, *path: str) -> Element | None:
    """The first element down `path` (local names); None when any step is missing."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _first_present(*candidates: Element | None) -> Element | None:
    # An element without children is falsy, so `a or b` would pass over an <Amt> that is there.
    return next((c for c in candidates if c is not None), None)


def _children(element: Element, name: str) -> Iterator[Element]:
    return (c for c in element if _local(c.tag) == name)


def _descendants(element: Element, name: str) -> Iterator[Element]:
    return (e for e in element.iter() if _local(e.tag) == name)


def _text(element: Element | None, *path: str) -> str | None:
    found = _child(element, *path)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _read_xml(data: bytes) -> list[ReversedDebit]:
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as error:
        raise UnreadableList(f"the file is not well-formed XML ({type(error).__name__}: {error})") from None
    message = next(iter(root), None) if _local(root.tag) == "Document" else None
    kind = _local(message.tag) if message is not None else _local(root.tag)
    if message is not None and kind == "BkToCstmrDbtCdtNtfctn":
        return _read_camt054(message)
    if message is not None and kind == "CstmrPmtStsRpt":
        return _read_pain002(message)
    raise UnreadableList(
        f"the XML is a {kind!r} message; upload a camt.054 debit notification or a pain.002 "
        "payment status report of your direct debits"
    )


def _amount(element: Element | None, where: str) -> int:
    if element is None or not element.text:
        raise UnreadableList(f"{where} has no amount")
    currency = element.get("Ccy")
    if currency != "EUR":
        raise UnreadableList(f"{where} is in {currency or 'no currency'}; only euro direct debits are read")
    # ISO 20022 amounts are decimals with a dot and at most two fraction digits for EUR ("15", "15.00").
    try:
        exact = Decimal(element.text.strip()) * 100
    except InvalidOperation:
        exact = Decimal("NaN")
    if not exact.is_finite() or exact != exact.to_integral_value():
        raise UnreadableList(
            f"{where} has the amount {element.text.strip()!r}, which is not an amount in euro"
        )
    cents = int(exact)
    if cents <= 0:
        raise UnreadableList(
            f"{where} has the amount {element.text.strip()!r}; a reversal is a positive amount"
        )
    return cents


def _iso_date(text: str | None, where: str) -> date:
    if not text:
        raise UnreadableList(f"{where} has no date")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise UnreadableList(f"{where} has the date {text!r}, which is not a date (YYYY-MM-DD)") from None


def _reason(code: str | None, where: str) -> str:
    if code is None:
        raise UnreadableList(f"{where} has no reason code")
    if not is_reason_code(code):
        raise UnreadableList(
            f"{where} has the reason code {code!r}; a code has four capitals or digits (AM04)"
        )
    return code


def _member(mandate: str | None, where: str) -> str:
    if mandate is None:
        raise UnreadableList(
            f"{where} has no mandate reference (MndtId), so we cannot tell which member it is"
        )
    return mandate


def _party_name(party: Element | None) -> str | None:
    # camt.054 up to .07 and pain.002: <Dbtr><Nm>; camt.054.001.08: <Dbtr><Pty><Nm>.
    return _text(party, "Nm") or _text(party, "Pty", "Nm")


def _read_camt054(message: Element) -> list[ReversedDebit]:
    reversals: list[ReversedDebit] = []
    for n, entry in enumerate(_descendants(message, "Ntry"), start=1):
        if _text(entry, "CdtDbtInd") != "DBIT":
            continue  # a credit: money that came in, not a reversal
        booked = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")
        details = list(_descendants(entry, "TxDtls"))
        for k, tx in enumerate(details, start=1):
            code = _text(tx, "RtrInf", "Rsn", "Cd")
            if code is None:
                continue  # not a return
            where = f"entry {n}, transaction {k}"
            amount = _first_present(
                _child(tx, "Amt"),
                _child(tx, "AmtDtls", "TxAmt", "Amt"),
                _child(tx, "AmtDtls", "InstdAmt", "Amt"),
                _child(entry, "Amt") if len(details) == 1 else None,
            )
            reference = _text(tx, "Refs", "EndToEndId")
            collected = _text(tx, "RltdDts", "IntrBkSttlmDt") or booked
            reversals.append(
                ReversedDebit(
                    debtor_id=_member(_text(tx, "Refs", "MndtId"), where),
                    amount_cents=_amount(amount, where),
                    reason_code=_reason(code, where),
                    collected_on=_iso_date(collected, where),
                    reference=reference if reference and reference != "NOTPROVIDED" else f"{where}",
                    name=_party_name(_child(tx, "RltdPties", "Dbtr")),
                    iban=_text(tx, "RltdPties", "DbtrAcct", "Id", "IBAN"),
                )
            )
    return reversals


def _read_pain002(message: Element) -> list[ReversedDebit]:
    reversals: list[ReversedDebit] = []
    group_rejected = _text(message, "OrgnlGrpInfAndSts", "GrpSts") == "RJCT"
    for n, tx in enumerate(_descendants(message, "TxInfAndSts"), start=1):
        status = _text(tx, "TxSts")
        if status != "RJCT" and not (status is None and group_rejected):
            continue  # accepted or pending: nothing came back
        where = f"transaction {n}"
        original = _child(tx, "OrgnlTxRef")
        reference = _text(tx, "OrgnlEndToEndId")
        reversals.append(
            ReversedDebit(
                debtor_id=_member(_text(original, "MndtRltdInf", "MndtId"), where),
                amount_cents=_amount(_child(original, "Amt", "InstdAmt"), where),
                reason_code=_reason(_text(tx, "StsRsnInf", "Rsn", "Cd"), where),
                collected_on=_iso_date(_text(original, "ReqdColltnDt"), where),
                reference=reference or where,
                name=_party_name(_child(original, "Dbtr")),
                iban=_text(original, "DbtrAcct", "Id", "IBAN"),
            )
        )
    return reversals


# --- CSV -------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes) -> list[ReversedDebit]:
    text = _decode(data)
    lines = text.splitlines()
    if not lines:
        raise UnreadableList("the file is empty")
    first = lines[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    lookup = {normalise(s): name for name, synonyms in _CSV_COLUMNS.items() for s in reversed(synonyms)}
    header = [lookup.get(normalise(cell)) for cell in rows[0]]
    missing = [name for name in _CSV_REQUIRED if name not in header]
    if missing:
        raise UnreadableList(
            "the file is neither a camt.054 or pain.002 file nor a CSV with "
            + "; ".join(_CSV_DESCRIBED[name] for name in missing)
        )
    reversals: list[ReversedDebit] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: cell.strip() for name, cell in zip(header, row, strict=False) if name and cell.strip()}
        reversals.append(_csv_reversal(cells, f"line {number}"))
    return reversals


def _csv_reversal(cells: dict[str, str], where: str) -> ReversedDebit:
    for name in _CSV_REQUIRED:
        if name not in cells:
            raise UnreadableList(f"{where} has no {_CSV_DESCRIBED[name]}")
    try:
        amount = fields.parse_amount_text(cells["amount"].replace("€", "").replace("EUR", "").strip())
        collected = fields.parse_date_text(cells["collected_on"])
        iban = fields.parse_iban(cells["iban"]) if "iban" in cells else None
        email = fields.parse_email(cells["email"]) if "email" in cells else None
    except InvalidField as error:
        raise UnreadableList(f"{where}: {error}") from None
    if amount <= 0:
        raise UnreadableList(f"{where} has the amount {cells['amount']!r}; a reversal is a positive amount")
    code = cells["reason_code"].upper()
    return ReversedDebit(
        debtor_id=cells["debtor_id"],
        amount_cents=amount,
        reason_code=_reason(code, where),
        collected_on=collected,
        reference=cells.get("reference") or f"incasso {collected.isoformat()}",
        name=cells.get("name"),
        iban=iban,
        email=email or None,
        invoice_number=cells.get("invoice_number"),
    )
