"""Which column of a client's export holds which of our fields.

Dutch accounting packages (Exact Online, Twinfield, Moneybird, e-Boekhouden, SnelStart, AFAS) and
Sportlink each name their columns differently (DOMAIN.md §9). A header matches a synonym when both
are equal after dropping case, accents, punctuation and whitespace: "Deb.nr." == "debnr",
"E-mailadres" == "emailadres". Within one field the synonyms are listed by preference: when an
export has both "Openstaand" and "Saldo", the first listed wins.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Our field name -> the headers seen in exports, most specific first.
SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "debtor_id": (
        "relatiecode", "rel. code", "relatienummer", "relatienr", "debiteurnummer", "debiteurnr",
        "deb.nr.", "debiteur code", "debiteurcode", "klantnummer", "klantnr", "klantcode",
        "accountcode", "account code", "lidnummer", "lidnr", "bondsnummer", "publicpersonid",
        "code", "customer id", "customer number", "customer no", "contact id", "debtor id", "debtor number",
    ),
    "name": (
        "naam", "debiteurnaam", "relatienaam", "bedrijfsnaam", "klantnaam", "relatie", "debiteur",
        "accountname", "account name", "volledige naam", "contact", "contactnaam", "customer",
        "customer name", "company", "company name", "name", "debtor", "debtor name",
    ),
    "first_name": ("roepnaam", "voornaam", "voornamen", "first name", "firstname", "voorletters", "initials"),
    "infix": ("tussenvoegsel", "tussenvoegsels", "tussenvoegsel(s)", "voorvoegsel", "infix", "prefix"),
    "last_name": ("achternaam", "last name", "lastname", "surname", "family name"),
    "invoice_number": (
        "factuurnummer", "factuurnr.", "factuur nr", "factuur", "mutfactuur", "invoicenumber",
        "invoice number", "invoice no", "invoice id", "invoice", "referentie", "boekstuk",
        "boekstuknummer", "reference",
    ),
    "invoice_date": ("factuurdatum", "datum", "boekdatum", "invoice date", "date"),
    "due_date": ("vervaldatum", "vervalt", "vervaldag", "verval datum", "duedate", "due date", "expiry date"),
    "amount": (
        "factuurbedrag", "bedrag", "totaal incl. btw", "totaalbedrag", "bedrag incl. btw", "contributie",
        "total price incl. tax", "total incl. vat", "total incl vat", "invoice amount", "amount", "total",
    ),
    "open_amount": (
        "openstaand", "openstaand bedrag", "openstaand saldo", "nog te betalen", "te betalen",
        "restant", "restantbedrag", "saldo", "total_unpaid", "total unpaid", "open amount",
        "outstanding", "amount due", "balance", "open",
    ),
    "email": ("e-mail", "e-mailadres", "email", "email address", "e-mail adres", "mail"),
    "mobile": ("mobiel", "mobiel nummer", "mobiele telefoon", "mobielnummer", "gsm", "mobile",
               "mobile phone"),
    "phone": ("telefoon", "telefoonnummer", "telefoon nr", "tel.", "tel", "phone", "phone number",
              "telephone"),
    "iban": ("iban", "rekeningnummer", "tegenrekening", "bankrekening", "bankrekeningnummer", "bank account"),
    "street": ("adres", "straat", "straatnaam", "address", "street", "street address", "address line 1"),
    "house_number": ("huisnummer", "huisnr", "house number"),
    "house_number_suffix": ("toevoeging", "huisnummertoevoeging", "huisnummer toevoeging", "suffix"),
    "postcode": ("postcode", "zip", "zipcode", "zip code", "postal code", "postalcode"),
    "city": ("plaats", "woonplaats", "vestigingsplaats", "city", "town", "place"),
    "country": ("land", "landcode", "country", "country code"),
    "debtor_type": (
        "type", "soort", "debiteurtype", "klanttype", "particulier/zakelijk", "zakelijk/particulier",
        "consumer/business", "business/consumer", "b2c/b2b", "b2b/b2c", "customer type", "debtor type",
    ),
    "kvk": ("kvk", "kvk-nummer", "kvk nummer", "kvknr", "kamer van koophandel", "coc", "coc number",
            "chamber of commerce"),
    "language": ("taal", "language", "correspondentietaal"),
    # A club member's team (Sportlink "Team", "Teamnaam"): messages name it beside the member.
    "team": ("team", "teamnaam", "teams", "elftal", "team name"),
    # Who pays for a member: a parent or guardian (Sportlink), or a payer column.
    "payer": (
        "betaler", "naam betaler", "ouder/verzorger", "naam ouder/verzorger", "ouder verzorger",
        "ouder", "verzorger", "payer", "payer name", "guardian", "guardian name", "parent",
    ),
    "payer_email": (
        "e-mail betaler", "e-mailadres betaler", "e-mail ouder/verzorger", "e-mailadres ouder/verzorger",
        "e-mail ouder", "email ouder", "payer e-mail", "payer email", "guardian e-mail", "guardian email",
        "parent email",
    ),
    "paid": ("betaald", "paid", "voldaan"),
    "whatsapp_consent": ("whatsapp", "whatsapp toestemming", "toestemming whatsapp", "whatsapp consent",
                         "whatsapp opt-in"),
    "status": ("status", "betaalstatus", "payment status"),
}  # fmt: skip

FIELDS: tuple[str, ...] = tuple(SYNONYMS)

# Without these the row cannot become an invoice of a dossier. The name may instead come from a
# last-name column (Sportlink), the due date from the invoice date, the open amount from the amount:
# each tuple lists alternatives, one of which must be present.
REQUIRED: tuple[tuple[str, ...], ...] = (
    ("debtor_id",),
    ("name", "last_name"),
    ("invoice_number",),
    ("due_date", "invoice_date"),
    ("open_amount", "amount"),
)

_DESCRIPTIONS: Mapping[str, str] = {
    "debtor_id": "a debtor number (e.g. 'Relatiecode', 'Debiteurnummer', 'Klantnummer')",
    "name": "a debtor name (e.g. 'Naam', 'Bedrijfsnaam', or 'Roepnaam' + 'Achternaam')",
    "invoice_number": "an invoice number (e.g. 'Factuurnummer')",
    "due_date": "a due date (e.g. 'Vervaldatum') or an invoice date ('Factuurdatum')",
    "open_amount": "an open amount (e.g. 'Openstaand', 'Saldo') or an amount ('Bedrag')",
}


# Our fields as a person names them: what `check-list` and header errors print.
FIELD_NAMES: Mapping[str, str] = {
    "debtor_id": "debtor number", "name": "debtor name", "first_name": "first name", "infix": "infix",
    "last_name": "last name", "invoice_number": "invoice number", "invoice_date": "invoice date",
    "due_date": "due date", "amount": "amount", "open_amount": "open amount", "email": "e-mail",
    "mobile": "mobile number", "phone": "phone number", "iban": "IBAN", "street": "street",
    "house_number": "house number", "house_number_suffix": "house number suffix", "postcode": "postcode",
    "city": "city", "country": "country", "debtor_type": "debtor type", "kvk": "KvK number",
    "language": "language", "paid": "paid", "status": "status",
}  # fmt: skip


def normalise(text: str) -> str:
    """'Deb.nr.' -> 'debnr', 'E-mailadres' -> 'emailadres', 'Tussenvoegsel(s)' -> 'tussenvoegsels'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


# normalised synonym -> (field, preference); preference 0 is the field's first synonym.
_LOOKUP: dict[str, tuple[str, int]] = {}
for _field, _synonyms in SYNONYMS.items():
    for _rank, _synonym in enumerate(_synonyms):
        _LOOKUP.setdefault(normalise(_synonym), (_field, _rank))


@dataclass(frozen=True)
class ColumnMatch:
    """The outcome of matching one candidate header row."""

    indexes: Mapping[str, int]  # our field -> column index
    missing: tuple[str, ...]  # required fields (first alternative's name) not found
    header: tuple[str, ...] = ()  # the candidate row as the file has it

    @property
    def complete(self) -> bool:
        return not self.missing

    def describe_missing(self) -> str:
        """Each missing field, with the file's header that comes nearest to one of its known
        names: usually a typo or an abbreviation the synonyms do not have."""
        used = set(self.indexes.values())
        unused = [cell for index, cell in enumerate(self.header) if index not in used and normalise(cell)]
        parts = []
        for name in self.missing:
            alternatives = next(group for group in REQUIRED if group[0] == name)
            near = nearest_synonym(unused, alternatives)
            if near is None:
                parts.append(f"{_DESCRIPTIONS[name]}: no header resembles one")
            else:
                parts.append(
                    f"{_DESCRIPTIONS[name]}: '{near[0]}' comes nearest to the known name '{near[1]}'"
                )
        return "; ".join(parts)

    def describe_found(self) -> str:
        return ", ".join(f"'{cell}'" for cell in self.header if cell.strip()) or "none"


# How alike a header and a known name must be (difflib's ratio over the normalised texts) to be
# named as the likely meant column: "Factnr" ~ "factuurnr." 0.8, "Verv. datum" ~ "vervaldatum" 0.9.
NEAREST_SYNONYM_RATIO = 0.6


def nearest_synonym(headers: Sequence[str], fields: Sequence[str]) -> tuple[str, str] | None:
    """(their header, our known name) most alike among the synonyms of `fields`, or None."""
    best: tuple[float, str, str] | None = None
    for header in headers:
        theirs = normalise(header)
        for field in fields:
            for synonym in SYNONYMS[field]:
                ratio = difflib.SequenceMatcher(None, theirs, normalise(synonym)).ratio()
                if ratio >= NEAREST_SYNONYM_RATIO and (best is None or ratio > best[0]):
                    best = (ratio, header, synonym)
    return None if best is None else (best[1], best[2])


def match_columns(header: Sequence[str], column_mapping: Mapping[str, str] | None = None) -> ColumnMatch:
    """Map our fields to column indexes; a client's own mapping wins over the synonyms."""
    indexes: dict[str, int] = {}
    ranks: dict[str, int] = {}
    normalised = [normalise(cell) for cell in header]
    overridden_columns: set[int] = set()
    for our_field, their_header in (column_mapping or {}).items():
        wanted = normalise(their_header)
        for index, cell in enumerate(normalised):
            if cell and cell == wanted:
                indexes[our_field] = index
                overridden_columns.add(index)
                break
    for index, cell in enumerate(normalised):
        if not cell or index in overridden_columns:
            continue
        found = _LOOKUP.get(cell)
        if found is None:
            continue
        our_field, rank = found
        if our_field in indexes and (our_field not in ranks or ranks[our_field] <= rank):
            continue  # overridden by the client, or an earlier-preferred synonym already won
        indexes[our_field] = index
        ranks[our_field] = rank
    missing = tuple(
        alternatives[0] for alternatives in REQUIRED if not any(name in indexes for name in alternatives)
    )
    return ColumnMatch(indexes=indexes, missing=missing, header=tuple(header))


def find_header(
    rows: Iterable[Sequence[str]], column_mapping: Mapping[str, str] | None = None
) -> tuple[int, ColumnMatch] | None:
    """The first row (0-based position) that names all required columns.

    Exports often put a title or a date line above the header ("Openstaande posten per 26-11-2026");
    those rows simply do not match. Returns the best partial match with position -1 when no row is
    complete, so the caller can name what is missing.
    """
    best: ColumnMatch | None = None
    for position, row in enumerate(rows):
        match = match_columns(row, column_mapping)
        if match.complete:
            return position, match
        if best is None or len(match.indexes) > len(best.indexes):
            best = match
    return (-1, best) if best is not None else None
