"""Which dossier (or household) a payment link belongs to: the fake and the DynamoDB registry keep
the same owner, a household's items with their dates and amounts included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from chalicelib.adapters.dynamodb_repository import DynamoPaymentLinkRegistry
from chalicelib.domain.households import HouseholdItem
from chalicelib.services.ports import LinkOwner, PaymentLinkRegistry
from tests.fakes import FakePaymentLinkRegistry


@pytest.fixture(params=["fake", "dynamodb"])
def registry(request: pytest.FixtureRequest) -> Iterator[PaymentLinkRegistry]:
    if request.param == "fake":
        yield FakePaymentLinkRegistry()
    else:
        request.getfixturevalue("aws")
        yield DynamoPaymentLinkRegistry()


def test_a_dossiers_link_reads_back_its_owner(registry: PaymentLinkRegistry) -> None:
    registry.remember("pl_abc", LinkOwner("vv-de-zwaluwen", "L2001", installment=2))
    assert registry.find("vv-de-zwaluwen", "pl_abc") == LinkOwner("vv-de-zwaluwen", "L2001", installment=2)
    assert registry.find("andere-club", "pl_abc") is None


def test_a_households_link_reads_back_its_items_oldest_first(registry: PaymentLinkRegistry) -> None:
    items = (
        HouseholdItem("L2001", "", date(2026, 9, 1), 4_000),
        HouseholdItem("L2001", "CONTR-2026-09-L2001", date(2026, 9, 1), 1_500),
        HouseholdItem("L2002", "CONTR-2026-10-L2002", date(2026, 10, 1), 1_500),
    )
    owner = LinkOwner("vv-de-zwaluwen", "hh-0123456789abcdef", household=items)
    registry.remember("pl_family", owner)
    assert registry.find("vv-de-zwaluwen", "pl_family") == owner
