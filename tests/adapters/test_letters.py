"""Every letter type as a reader gets it: a valid PDF whose text (extracted with pypdf, as a screen
reader or a copy-paste would) carries the names exactly as written, the amounts, the term and the
reference; page 1 is kept as a PNG for review when pdftoppm is on the machine."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from chalicelib.adapters.letters import PdfLetterRenderer
from chalicelib.domain import dunning
from chalicelib.domain.clients import Client
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Dossier, Invoice
from chalicelib.services.dossier_actions import charge_money_due
from chalicelib.services.letter_content import LetterOccasion, letter_for
from chalicelib.services.ports import Letter, Letterhead
from tests.builders import CLUB

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "letters"
PAYMENT_URL = "https://payment-links.mollie.com/payment/pl_4Y0eZitmBnQ6IDoMqZQKh"

CLIENT: Client = replace(
    CLUB,
    name="Voetbalvereniging De Zwaluwen",
    postal_address="Sportlaan 1\n1234 AB  Amsterdam",
    kvk_number="40123456",
    iban="NL91ABNA0417164300",
    phone="020 123 4567",
    business_costs=CLUB.business_costs,
)
# Between them every Latin letter the issue names: ĳ, ş, ı, ğ, ł, ő, ø, ß, é, ü.
CONSUMER_NAME = "Şükrü Yılmaz-Doğan van der Ĳssel"
BUSINESS_NAME = "Łukasz Szőke & Søren Weiß Café B.V."
POSTED = date(2026, 12, 8)  # a Tuesday
NOW = datetime(2026, 12, 8, 8, 30, tzinfo=UTC)


def debtor(kind: DebtorType) -> DebtorDetails:
    consumer = kind is DebtorType.CONSUMER
    return DebtorDetails(
        debtor_id="10023" if consumer else "20417",
        name=CONSUMER_NAME if consumer else BUSINESS_NAME,
        debtor_type=kind,
        street="Ĳsselkade 12" if consumer else "Industrieweg 7",
        postcode="7201 HA" if consumer else "3044 AS",
        city="Zutphen" if consumer else "Rotterdam",
    )


def dossier(kind: DebtorType) -> Dossier:
    result = Dossier(client_id=CLIENT.client_id, debtor=debtor(kind), opened_on=date(2026, 11, 20))
    for number, cents, due in (
        ("2026-0388", 125_000, date(2026, 10, 15)),
        ("2026-0431", 42_050, date(2026, 11, 1)),
    ):
        result.invoices[number] = Invoice(number=number, due_date=due, amount_cents=cents, open_cents=cents)
    return result


def text_of(pdf: bytes) -> str:
    """The text as pypdf extracts it, with non-breaking spaces read as spaces; pypdf must read
    the file without complaint (strict mode raises on a broken cross-reference or stream)."""
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


def keep_for_review(name: str, pdf: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    if shutil.which("qpdf"):
        check = subprocess.run(
            ["qpdf", "--check", str(ARTIFACTS / f"{name}.pdf")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "100",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                "-",
                str(ARTIFACTS / name),
            ],
            input=pdf,
            check=True,
        )
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000


def render(kind: DebtorType, template: str, *, term_days: int = 0) -> tuple[Dossier, bytes]:
    file = dossier(kind)
    charge_money_due(file, CLIENT, POSTED, NOW)
    fourteen_day = (
        dunning.fourteen_day_letter(file, CLIENT, POSTED, 3) if template == "fourteen_day_letter" else None
    )
    occasion = LetterOccasion(
        template, 3, POSTED, PAYMENT_URL, fourteen_day=fourteen_day, term_days=term_days
    )
    pdf = PdfLetterRenderer().render(letter_for(CLIENT, file, occasion))
    keep_for_review(f"{template}-{kind.value}", pdf)
    return file, pdf


def assert_business_letter(pdf_text: str, name: str, debtor_id: str) -> None:
    text = " ".join(pdf_text.split())
    # Letterhead, window address, reference line, payment block and footer.
    for part in ("Voetbalvereniging De Zwaluwen", "Sportlaan 1", "KvK 40123456", "IBAN NL91ABNA0417164300"):
        assert part in text
    assert "Tel. 020 123 4567" in text and "penningmeester@dezwaluwen.example" in text
    assert name in text
    assert "Ons kenmerk" in text
    assert f"{debtor_id}-3" in text and "Uw debiteurnummer" in text
    assert "Amsterdam, 8 december 2026" in text
    assert f"onder vermelding van {debtor_id}" in text
    assert "scan de QR-code" in text
    assert "Pagina 1 van " in text


def test_the_consumer_14_day_letter_names_the_term_the_costs_and_how_to_pay() -> None:
    _, pdf = render(DebtorType.CONSUMER, "fourteen_day_letter")
    text = text_of(pdf)

    assert_business_letter(text, CONSUMER_NAME, "10023")
    assert f"Beste {CONSUMER_NAME}," in text
    assert "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd" in " ".join(text.split())
    assert "Totaal open: € 1.670,50" in text
    # BIK scale over the summed claims: 15% of 1,670.50 = 250.58 (BW 6:96 lid 7).
    assert "Die zijn € 250,58" in text
    assert "Ĳsselkade 12" in text and "7201 HA Zutphen" in text


@pytest.mark.parametrize("kind", [DebtorType.CONSUMER, DebtorType.BUSINESS])
def test_the_ordinary_reminder_letter_addresses_each_debtor_as_it_should(kind: DebtorType) -> None:
    file, pdf = render(kind, "reminder_letter")
    text = text_of(pdf)

    assert_business_letter(text, file.debtor.name, file.debtor_id)
    assert "Herinnering: openstaande facturen van Voetbalvereniging De Zwaluwen" in text
    assert "Factuur 2026-0388, vervallen op 15-10-2026: € 1.250,00" in text
    if kind is DebtorType.BUSINESS:
        assert "T.a.v. de administratie" in text
        assert "Geachte heer/mevrouw," in text
    else:
        assert f"Beste {CONSUMER_NAME}," in text
        assert "T.a.v." not in text


def test_the_business_final_demand_states_principal_costs_interest_and_the_last_day() -> None:
    file, pdf = render(DebtorType.BUSINESS, "final_demand", term_days=7)
    text = " ".join(text_of(pdf).split())

    assert_business_letter(text_of(pdf), BUSINESS_NAME, "20417")
    assert "Laatste aanmaning en ingebrekestelling" in text
    assert "Geachte heer/mevrouw," in text
    assert "Hoofdsom: € 1.670,50" in text
    assert file.open_costs_cents > 0 and file.open_interest_cents > 0
    assert f"Incassokosten: € {file.open_costs_cents // 100},{file.open_costs_cents % 100:02d}" in text
    assert "Wettelijke handelsrente tot en met vandaag: €" in text
    # Posted Tue 8 Dec, presumed received Thu 10 Dec, + 7 days = Thu 17 Dec.
    assert "uiterlijk op 17 december 2026" in text
    assert "in gebreke (artikel 6:82 Burgerlijk Wetboek)" in text
    assert "kan Voetbalvereniging De Zwaluwen uw dossier overdragen aan een incassobureau" in text


def test_every_latin_letter_of_the_names_survives() -> None:
    names = CONSUMER_NAME + BUSINESS_NAME
    assert set("ĳşığłőøßéü") <= set(names.lower())
    for kind in (DebtorType.CONSUMER, DebtorType.BUSINESS):
        file, pdf = render(kind, "reminder_letter")
        assert file.debtor.name in text_of(pdf)
        assert "?" not in file.debtor.name and "?" not in text_of(pdf).split("Amsterdam", 1)[0]


def test_an_amount_never_breaks_between_the_euro_sign_and_the_figure() -> None:
    body = "\n".join(f"Regel {n}: {'woord ' * (n % 13)}€ 40,00 en € 1.234,56 open." for n in range(60))
    letter = Letter(
        sender=Letterhead(name="Café De Hoek"),
        recipient_lines=("Zoë Çelik",),
        place_and_date="3 maart 2026",
        subject="Betreft: € 40,00",
        body=body,
    )
    lines = text_of(PdfLetterRenderer().render(letter)).splitlines()
    assert not any(line.rstrip().endswith("€") for line in lines)
    assert sum(line.count("€ 40,00") for line in lines) == 61


def test_a_long_body_flows_onto_more_pages_and_the_same_letter_gives_the_same_bytes() -> None:
    letter = Letter(
        sender=Letterhead(name="Café De Hoek"),
        recipient_lines=("Zoë Çelik", "Kerkstraat 1", "1011 AA Amsterdam"),
        place_and_date="3 maart 2026",
        subject="Betaal nu (kenmerk 10023)",
        body="Totaal open: € 1.234,56\n\n" + "Een lange regel tekst. " * 800,
        page_label="Pagina {page} van {pages}",
    )
    pdf = PdfLetterRenderer().render(letter)
    reader = PdfReader(io.BytesIO(pdf), strict=True)

    assert len(reader.pages) >= 3
    assert "Pagina 3 van" in reader.pages[2].extract_text()
    assert "Betaal nu (kenmerk 10023)" in text_of(pdf)
    assert PdfLetterRenderer().render(letter) == pdf
