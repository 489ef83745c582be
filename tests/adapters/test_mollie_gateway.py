"""The Mollie gateway against the emulator, with the real mollie-api-python client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import requests

from chalicelib.adapters.mollie_gateway import MollieGateway
from chalicelib.domain.errors import PaymentProviderUnavailable
from infra.local.mollie_emulator import MollieEmulator
from tests.builders import CLUB

KEY = "test_ZwaluwenKeyAbcdefghijklmnopqrstuvw"


@pytest.fixture
def mollie() -> Iterator[MollieEmulator]:
    with MollieEmulator() as emulator:
        emulator.add_account(KEY, name=CLUB.name)
        yield emulator


@pytest.fixture
def gateway(mollie: MollieEmulator) -> MollieGateway:
    return MollieGateway(lambda name: KEY, api_endpoint=mollie.base_url, timeout=(2, 0.5))


def paid_through_link(mollie: MollieEmulator, gateway: MollieGateway, key: str = "k1") -> tuple[str, str]:
    link = gateway.create_payment_link(
        CLUB,
        amount_cents=12_500,
        description="Voetbalvereniging De Zwaluwen - 2026-0101",
        redirect_url=CLUB.redirect_url,
        webhook_url="http://127.0.0.1:9/webhooks/mollie/vv-de-zwaluwen",
        expires_at=mollie.now() + timedelta(days=30),
        idempotency_key=key,
    )
    page = requests.get(link.checkout_url, allow_redirects=False, timeout=5)
    payment_id = str(page.headers["Location"]).rsplit("/", 1)[-1]
    mollie.set_payment_status(payment_id, "paid")
    return link.payment_id, payment_id


def test_a_link_payment_reports_its_link_amount_and_refunds(
    mollie: MollieEmulator, gateway: MollieGateway
) -> None:
    link_id, payment_id = paid_through_link(mollie, gateway)
    facts = gateway.get_payment(CLUB, payment_id)
    assert facts is not None
    assert (facts.status, facts.amount_cents, facts.link_id, facts.metadata) == ("paid", 12_500, link_id, {})
    mollie.chargeback(payment_id, 2_500)
    facts = gateway.get_payment(CLUB, payment_id)
    assert facts is not None and facts.charged_back_cents == 2_500
    [reversal] = gateway.reversals(CLUB, payment_id)
    assert (reversal.kind, reversal.amount_cents, reversal.reversal_id[:4]) == ("charged_back", 2_500, "chb_")


def test_the_same_idempotency_key_gives_the_same_link(mollie: MollieEmulator, gateway: MollieGateway) -> None:
    first, _ = paid_through_link(mollie, gateway, key="same")
    again = gateway.create_payment_link(
        CLUB,
        amount_cents=12_500,
        description="Voetbalvereniging De Zwaluwen - 2026-0101",
        redirect_url=CLUB.redirect_url,
        webhook_url="http://127.0.0.1:9/webhooks/mollie/vv-de-zwaluwen",
        expires_at=mollie.now() + timedelta(days=30),
        idempotency_key="same",
    )
    assert again.payment_id == first and len(mollie.payment_links_of(KEY)) == 1


def create(gateway: MollieGateway, mollie: MollieEmulator, key: str, until: datetime | None = None) -> str:
    return gateway.create_payment_link(
        CLUB,
        amount_cents=9_250,
        description="Voetbalvereniging De Zwaluwen - 2026-0102",
        redirect_url=CLUB.redirect_url,
        webhook_url="http://127.0.0.1:9/webhooks/mollie/vv-de-zwaluwen",
        expires_at=until or mollie.now() + timedelta(days=30),
        idempotency_key=key,
    ).payment_id


def test_a_retry_that_meets_the_timed_out_request_still_running_gets_its_link(
    mollie: MollieEmulator,
) -> None:
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        time.sleep(seconds)

    gateway = MollieGateway(lambda name: KEY, api_endpoint=mollie.base_url, timeout=(2, 0.3), sleep=sleep)
    mollie.delay_next(1, 0.8)
    # The same request twice, as a redelivered action sends it (a second boundary between the two
    # must not change the body, or Mollie refuses the key as used for other parameters).
    until = mollie.now() + timedelta(days=30)
    with pytest.raises(PaymentProviderUnavailable, match="could not be reached"):
        create(gateway, mollie, "step1", until)
    # The redelivered action asks again at once: Mollie is still making the first link (409).
    link = create(gateway, mollie, "step1", until)
    assert waited  # it waited for the first request instead of failing
    assert [pl["id"] for pl in mollie.payment_links_of(KEY)] == [link]


def test_a_key_that_stays_busy_is_unavailable_after_a_bounded_wait(mollie: MollieEmulator) -> None:
    waited: list[float] = []
    gateway = MollieGateway(lambda name: KEY, api_endpoint=mollie.base_url, sleep=waited.append)
    mollie.fail_next(5, 409)
    with pytest.raises(PaymentProviderUnavailable, match="HTTP 409"):
        create(gateway, mollie, "busy")
    assert sum(waited) < 5 and len(waited) == 4


@pytest.mark.parametrize(
    "payment_id", ["tr_DoesNotExist1", "tr_../../v2/customers", "pl_abc", "tr_x?testmode=true"]
)
def test_unknown_or_malformed_ids_are_none_without_error(gateway: MollieGateway, payment_id: str) -> None:
    assert gateway.get_payment(CLUB, payment_id) is None


def test_5xx_and_timeouts_are_unavailable_never_a_crash(
    mollie: MollieEmulator, gateway: MollieGateway
) -> None:
    _, payment_id = paid_through_link(mollie, gateway)
    mollie.fail_next(1, 503)
    with pytest.raises(PaymentProviderUnavailable, match="HTTP 503"):
        gateway.get_payment(CLUB, payment_id)
    mollie.delay_next(1, 1.5)
    with pytest.raises(PaymentProviderUnavailable, match="could not be reached"):
        gateway.get_payment(CLUB, payment_id)
    assert gateway.get_payment(CLUB, payment_id) is not None


def test_recent_payments_walk_every_page_newest_first(mollie: MollieEmulator, gateway: MollieGateway) -> None:
    import chalicelib.adapters.mollie_gateway as module

    ids = [paid_through_link(mollie, gateway, key=f"k{n}")[1] for n in range(5)]
    module.PAGE_SIZE, saved = 2, module.PAGE_SIZE
    try:
        listed = [p.payment_id for p in gateway.recent_payments(CLUB, mollie.now() - timedelta(hours=1))]
    finally:
        module.PAGE_SIZE = saved
    assert listed == list(reversed(ids))
    assert list(gateway.recent_payments(CLUB, mollie.now() + timedelta(hours=1))) == []
