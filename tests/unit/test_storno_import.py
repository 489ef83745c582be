"""Reversed direct debits (storno) uploaded under storno/<client>/: a camt.054 debit notification, a
pain.002 status report or a CSV opens or updates the member's dossier with the reversed amount and
the bank's reason code, the first message explains it in plain words, and a malformed file gets a
clear report and imports nothing."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from markupsafe import escape

from chalicelib.aws_events import upload_key_problem
from chalicelib.domain.dossier import Invoice, Status
from chalicelib.domain.reversals import known_reason_codes, return_reason
from chalicelib.services.import_upload import ImportDeps, ImportUpload, import_upload
from chalicelib.services.message_content import email_for_debtor
from tests.builders import CLUB, NOW
from tests.fakes import FakeClientDirectory, FakeDossierRepository, FakeFileStore, FakeUploadLedger

FIXTURES = Path(__file__).parents[1] / "fixtures" / "storno"
SPORTS_CLUB = replace(CLUB, club=True)
FORMATS = {"camt.054": "camt054_storno.xml", "pain.002": "pain002_rejects.xml", "csv": "storno.csv"}
# What every fixture says, whichever format: member, amount, reason code.
IN_EVERY_FIXTURE = [("L1001", 1_500, "AM04"), ("L1002", 1_500, "MD06"), ("L1003", 2_250, "MS02"), ("L1004", 1_500, "AC04")]  # fmt: skip


class World:
    def __init__(self) -> None:
        self.files = FakeFileStore()
        self.dossiers = FakeDossierRepository()
        self.deps = ImportDeps(
            FakeClientDirectory(SPORTS_CLUB), self.dossiers, FakeUploadLedger(), self.files
        )
        self.etags = 0

    def upload(self, data: bytes, name: str, prefix: str = "storno", at: datetime = NOW) -> dict[str, object]:
        key = f"{prefix}/{SPORTS_CLUB.client_id}/{name}"
        self.files.files[key] = data
        self.etags += 1
        import_upload(ImportUpload("uploads", key, f"e{self.etags}"), at, self.deps)
        report: dict[str, object] = json.loads(
            self.files.files[f"reports/{SPORTS_CLUB.client_id}/{name}.result.json"]
        )
        return report


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def with_first_code(data: bytes, code: str) -> bytes:
    """The fixture with its first reversal (member L1001, AM04) given another reason code."""
    if data.lstrip(b"\xef\xbb\xbf").startswith(b"<"):
        return data.replace(b"<Cd>AM04</Cd>", f"<Cd>{code}</Cd>".encode(), 1)
    return data.replace(b";AM04;", f";{code};".encode(), 1)


@pytest.mark.parametrize("form", sorted(FORMATS))
def test_each_format_opens_a_dossier_per_member_with_the_reversed_amount_and_reason(form: str) -> None:
    world = World()
    report = world.upload(fixture(FORMATS[form]), FORMATS[form])

    assert report["status"] == "imported"
    assert report["opened"] == ["L1001", "L1002", "L1003", "L1004"]
    for member, cents, code in IN_EVERY_FIXTURE:
        dossier = world.dossiers.get(SPORTS_CLUB.client_id, member)
        assert dossier is not None and dossier.is_active
        (item,) = dossier.invoices.values()
        assert (item.open_cents, item.reversal_code, item.due_date) == (cents, code, date(2026, 11, 2))
        assert item.number == f"CONTR-2026-11-{member}"
        events = world.dossiers.events(SPORTS_CLUB.client_id, member)
        assert any(e.what == "direct_debit_reversed" and e.details["reason_code"] == code for e in events)
    reversed_debits = report["reversed_debits"]
    assert isinstance(reversed_debits, list)
    assert [(r["member"], r["reason_code"], r["outcome"]) for r in reversed_debits] == [
        (m, c, "opened") for m, _, c in IN_EVERY_FIXTURE
    ]
    # The accepted transaction of the pain.002 and the credit entry of the camt.054 are not reversals.
    assert world.dossiers.get(SPORTS_CLUB.client_id, "L1005") is None


@pytest.mark.parametrize("form", sorted(FORMATS))
@pytest.mark.parametrize("code", known_reason_codes())
def test_every_reason_code_reaches_the_dossier_and_the_first_message_in_plain_words(
    form: str, code: str
) -> None:
    world = World()
    name = FORMATS[form]
    report = world.upload(with_first_code(fixture(name), code), name)

    assert report["status"] == "imported"
    dossier = world.dossiers.get(SPORTS_CLUB.client_id, "L1001")
    if not return_reason(code).chase:
        # The account holder died (MD07): the member gets no message; the report tells the club.
        assert dossier is None
        reversed_debits = report["reversed_debits"]
        assert isinstance(reversed_debits, list)
        assert reversed_debits[0]["outcome"] == "not_chased"
        return
    assert dossier is not None
    assert dossier.invoices["CONTR-2026-11-L1001"].reversal_code == code
    dossier.debtor = replace(dossier.debtor, email="s.devries@example.nl")
    email = email_for_debtor(SPORTS_CLUB, dossier, "reminder_1", "https://pay.example/p/1")
    assert (
        "Uw bank heeft de automatische incasso van € 15,00 van 2 november 2026 (CONTR-2026-11-L1001) "
        f"teruggeboekt, omdat {return_reason(code).nl} (redencode {code})."
    ) in email.text
    assert str(escape(f"omdat {return_reason(code).nl}")) in email.html


def test_an_unknown_reason_code_is_imported_and_explained_without_guessing() -> None:
    world = World()
    world.upload(with_first_code(fixture(FORMATS["pain.002"]), "ZZ99"), "onbekend.xml")
    dossier = world.dossiers.get(SPORTS_CLUB.client_id, "L1001")
    assert dossier is not None
    dossier.debtor = replace(dossier.debtor, email="s.devries@example.nl", language="en")
    email = email_for_debtor(SPORTS_CLUB, dossier, "reminder_1", "https://pay.example/p/1")
    assert "because of a reason we do not know (reason code ZZ99)" in email.text


def test_a_reversal_reopens_a_paid_dossier_and_a_later_list_does_not_settle_it() -> None:
    world = World()
    # The club's list, then the member pays the club directly (she is missing from the next list).
    lists = "Lidnummer;Naam;E-mail;Factuurnummer;Vervaldatum;Openstaand\n"
    world.upload(
        f"{lists}L1001;Sanne de Vries;sanne@example.nl;CONTR-2026-10;01-10-2026;15,00\n".encode(),
        "okt.csv",
        "incoming",
    )
    world.upload(
        f"{lists}L9999;Iemand Anders;x@example.nl;CONTR-2026-10-X;01-10-2026;15,00\n".encode(),
        "nov.csv",
        "incoming",
    )
    closed = world.dossiers.get(SPORTS_CLUB.client_id, "L1001")
    assert closed is not None and closed.status is Status.SETTLED_BY_CLIENT

    report = world.upload(fixture(FORMATS["camt.054"]), "camt.xml", at=datetime(2026, 11, 5, 9, tzinfo=UTC))
    assert "L1001" in report["updated"]  # type: ignore[operator]
    reopened = world.dossiers.get(SPORTS_CLUB.client_id, "L1001")
    assert reopened is not None and reopened.is_active and reopened.step == 0
    assert reopened.debtor.name == "Sanne de Vries"  # the list's name, not the account holder's
    assert reopened.invoices["CONTR-2026-11-L1001"].open_cents == 1_500

    # The next daily list does not name the reversal (it never does): it stays owed, the dossier open.
    world.upload(
        f"{lists}L9999;Iemand Anders;x@example.nl;CONTR-2026-10-X;01-10-2026;15,00\n".encode(),
        "dec.csv",
        "incoming",
    )
    still = world.dossiers.get(SPORTS_CLUB.client_id, "L1001")
    assert still is not None and still.is_active
    assert still.invoices["CONTR-2026-11-L1001"].open_cents == 1_500


def test_the_same_reversal_in_a_second_file_changes_nothing() -> None:
    world = World()
    world.upload(fixture(FORMATS["pain.002"]), "pain.xml")
    report = world.upload(fixture(FORMATS["camt.054"]), "camt.xml")
    assert report["opened"] == [] and report["updated"] == [] and report["debtors_unchanged"] == 4
    dossier = world.dossiers.get(SPORTS_CLUB.client_id, "L1003")
    assert dossier is not None and dossier.open_cents == 2_250


def _broken(form: str, old: bytes, new: bytes) -> bytes:
    data = fixture(FORMATS[form])
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"<Document><BkToCstmrDbtCdtNtfctn><Ntfctn>", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Document>&b;</Document>',
            "not well-formed XML",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>',
            "'CstmrCdtTrfInitn' message",
        ),
        (
            _broken("camt.054", b"<MndtId>L1003</MndtId>", b""),
            "entry 4, transaction 1 has no mandate reference",
        ),
        (_broken("pain.002", b'<InstdAmt Ccy="EUR">22.50', b'<InstdAmt Ccy="USD">22.50'), "in USD"),
        (
            _broken("pain.002", b"<Cd>MS02</Cd>", b"<Cd>refused</Cd>"),
            "transaction 3 has the reason code 'refused'",
        ),
        (
            _broken(
                "camt.054",
                b"<IntrBkSttlmDt>2026-11-02</IntrBkSttlmDt>",
                b"<IntrBkSttlmDt>2-11-2026</IntrBkSttlmDt>",
            ),
            "not a date",
        ),
        (_broken("csv", b";22,50;", b";twintig;"), "line 4: 'twintig' is not an amount"),
        (_broken("csv", b"Redencode", b"Opmerking"), "the bank's reason code ('Redencode', e.g. AM04)"),
        (_broken("csv", b";MD06;", b";;"), "line 3 has no the bank's reason code"),
        (b"Lidnummer;Bedrag;Redencode;Datum\n", "holds no reversed direct debits"),
    ],
)
def test_a_malformed_file_gets_a_clear_report_and_imports_nothing(data: bytes, says: str) -> None:
    world = World()
    report = world.upload(data, "storno-november.xml")
    assert report["status"] == "rejected_file"
    assert says in str(report["error"])
    assert report["opened"] == [] and report["updated"] == []
    assert world.dossiers.list_for_client(SPORTS_CLUB.client_id) == []


def test_storno_keys_are_upload_keys() -> None:
    assert upload_key_problem("storno/vv-de-zwaluwen/camt054 november.xml") is None
    assert upload_key_problem("storno/vv-de-zwaluwen/../x.xml") is not None


def test_an_invoice_keeps_its_reason_code_through_the_table() -> None:
    from chalicelib.adapters.dossier_codec import dossier_from_dict, dossier_to_dict

    world = World()
    world.upload(fixture(FORMATS["csv"]), "storno.csv")
    dossier = world.dossiers.get(SPORTS_CLUB.client_id, "L1002")
    assert dossier is not None
    again = dossier_from_dict(dossier_to_dict(dossier), version=None)
    assert again.invoices == dossier.invoices
    assert again.invoices["CONTR-2026-11-L1002"] == Invoice(
        "CONTR-2026-11-L1002", date(2026, 11, 2), 1_500, 1_500, reversal_code="MD06"
    )


def test_a_batch_entry_reverses_each_member_with_the_amount_of_its_own_transaction() -> None:
    # Banks often book a batch of returns as one entry with a transaction per member; only the
    # transactions carry the amounts then.
    one_entry = re.sub(
        rb"</TxDtls>\s*</NtryDtls>\s*</Ntry>\s*<Ntry>(?:(?!</Ntry>).)*?<NtryDtls>\s*<TxDtls>",
        b"</TxDtls><TxDtls>",
        fixture(FORMATS["camt.054"]),
        flags=re.DOTALL,
    )
    assert one_entry.count(b"<TxDtls>") == 4 and one_entry.count(b"<Ntry>") == 2

    report = World().upload(one_entry, "batch.xml")

    assert report["status"] == "imported"
    reversed_debits = report["reversed_debits"]
    assert isinstance(reversed_debits, list)
    assert [(r["member"], r["amount_cents"]) for r in reversed_debits] == [
        (member, cents) for member, cents, _ in IN_EVERY_FIXTURE
    ]
