"""The English final demand states the principal, the collection costs and the interest to date as
amounts the dossier really charges; a line without an amount is left out instead of a "€ 0,00"
written into the template."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from chalicelib.domain.clients import BusinessCosts
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Invoice
from chalicelib.services.templates import TEMPLATES_DIR
from tests.unit.test_dunning_walkthrough import WHOLESALER, Calendar, Sent, local

SHOP = DebtorDetails(
    debtor_id="D-5120",
    name="Smit Construction Ltd",
    debtor_type=DebtorType.BUSINESS,
    email="accounts@smit.example",
    language="en",
    street="Havenweg 12",
    postcode="3011 AB",
    city="Rotterdam",
)


def final_demand(costs: BusinessCosts) -> tuple[Sent, Sent]:
    """The final demand's e-mail and letter on day 15 (17 March) for an invoice due 1 February."""
    client = replace(WHOLESALER, business_costs=costs, iban="NL91ABNA0417164300")
    world = Calendar(client)
    world.open(client, SHOP, date(2026, 3, 2), Invoice("F-2001", date(2026, 2, 1), 100_000, 100_000))
    world.run(local(2026, 3, 2, 8, 0), local(2026, 3, 17, 9, 0))
    email, letter = [s for s in world.log if s.at == local(2026, 3, 17)]
    assert email.subject.startswith("Final demand and notice of default")
    return email, letter


def test_the_english_final_demand_states_costs_and_interest_to_date() -> None:
    email, letter = final_demand(BusinessCosts.MINIMUM)

    # EUR 40 for the one late invoice (BW 6:96 lid 4); commercial interest 10.15% a year over
    # EUR 1,000 from 2 February through 17 March, 44 days: 12.24 (BW 6:119a).
    for text in (email.text, letter.text):
        flat = " ".join(text.split())
        assert "Principal: € 1.000,00" in flat
        assert "Collection costs: € 40,00" in flat
        assert "Statutory commercial interest to date: € 12,24" in flat
        assert "Total to pay: € 1.052,24" in flat
        assert "€ 0,00" not in flat


def test_without_costs_the_english_final_demand_leaves_the_line_out() -> None:
    email, letter = final_demand(BusinessCosts.NONE)

    for text in (email.text, letter.text):
        flat = " ".join(text.split())
        assert "Collection costs" not in flat
        assert "€ 0,00" not in flat
        assert "Statutory commercial interest to date: € 12,24" in flat
        assert "Total to pay: € 1.012,24" in flat


TEMPLATE_FILES = sorted(p for p in TEMPLATES_DIR.rglob("*") if p.suffix in (".txt", ".html"))


@pytest.mark.parametrize(
    "path", TEMPLATE_FILES, ids=[p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATE_FILES]
)
def test_no_template_writes_an_amount_of_its_own(path: Path) -> None:
    """Amounts come from the dossier, formatted by `format_eur`, never typed into a template."""
    text = path.read_text("utf-8")
    assert not re.search(r"€\s*\d", text), path
