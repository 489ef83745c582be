"""Small builders for realistic test data: a club, its members, their invoices."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.domain.clients import Client
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Dossier, Invoice

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

CLUB = Client(
    client_id="vv-de-zwaluwen",
    name="Voetbalvereniging De Zwaluwen",
    sender_email="noreply@debtflow.example",
    reply_to_email="penningmeester@dezwaluwen.example",
    redirect_url="https://dezwaluwen.example/bedankt",
    mollie_key_parameter="/debtflow/clients/vv-de-zwaluwen/mollie-api-key",
    default_debtor_type=DebtorType.CONSUMER,
)


def debtor(
    debtor_id: str = "10023", name: str = "Jan de Vries", email: str | None = "jan@example.nl"
) -> DebtorDetails:
    return DebtorDetails(debtor_id=debtor_id, name=name, debtor_type=DebtorType.CONSUMER, email=email)


def invoice(number: str = "2026-0101", open_cents: int = 12_500, due: date = date(2026, 10, 31)) -> Invoice:
    return Invoice(number=number, due_date=due, amount_cents=open_cents, open_cents=open_cents)


def dossier(*invoices: Invoice, debtor_id: str = "10023", client_id: str = CLUB.client_id) -> Dossier:
    result = Dossier(client_id=client_id, debtor=debtor(debtor_id), opened_on=NOW.date())
    for item in invoices or (invoice(),):
        result.invoices[item.number] = item
    return result
