"""Installments paid from the debtor's page, and the page link in the arrangement, installment
and dispute e-mails."""

from __future__ import annotations

import re
from email import message_from_string, policy
from typing import Any

from chalicelib.domain.money import format_eur
from tests.e2e.conftest import DAY_0, Pipeline
from tests.e2e.test_debtor_page import CLIENT, LINK, SMIT, Browser, opened, reminded, text, to


def readable(mail: Any) -> str:
    """The text parts of a sent e-mail as the debtor reads them (a raw one with a PDF is MIME)."""
    raw = getattr(mail, "raw_data", None)
    if not raw:
        return str(mail.body)
    message = message_from_string(raw, policy=policy.default)
    return "\n".join(
        str(part.get_content()) for part in message.walk() if part.get_content_type() == "text/plain"
    )


PAY_INSTALLMENT = re.compile(r'name="installment" value="(\d+)"><button type="submit">([^<]+)</button>')


def agreed(pipeline: Pipeline) -> tuple[Browser, str]:
    reminded(pipeline)
    browser, html = opened(pipeline)
    answer = browser.post(f"/p/{CLIENT}/do/plan", {"csrf": browser.csrf(html), "installments": "3"})
    assert answer.headers["Location"] == f"/p/{CLIENT}?done=plan_agreed"
    return browser, text(browser.get(f"/p/{CLIENT}"))


def test_each_open_installment_has_a_pay_button_and_paying_one_marks_it_paid(pipeline: Pipeline) -> None:
    browser, html = agreed(pipeline)
    plan = pipeline.dossier("10003").arrangement
    assert plan is not None
    first, second, third = plan.installments
    buttons = PAY_INSTALLMENT.findall(html)
    assert buttons == [
        (str(i.number), f"Betaal termijn {i.number} ({format_eur(i.amount_cents)})")
        for i in (first, second, third)
    ]
    answer = browser.post(f"/p/{CLIENT}/do/pay-installment", {"csrf": browser.csrf(html), "installment": "2"})
    assert answer.status_code == 303
    checkout = answer.headers["Location"]
    assert checkout.startswith(pipeline.mollie.public_url)
    payment_id = pipeline.pay_link(checkout)
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    after = pipeline.dossier("10003").arrangement
    assert after is not None
    assert [i.is_paid for i in after.installments] == [False, True, False]
    page = text(browser.get(f"/p/{CLIENT}?done=paying"))
    assert f"Termijn 2: {format_eur(second.amount_cents)}" in page and "(betaald)" in page
    assert [n for n, _ in PAY_INSTALLMENT.findall(page)] == ["1", "3"]


def test_an_installment_that_does_not_exist_or_is_paid_is_refused_with_a_message(pipeline: Pipeline) -> None:
    browser, html = agreed(pipeline)
    for number in ("9", "x", ""):
        answer = browser.post(
            f"/p/{CLIENT}/do/pay-installment", {"csrf": browser.csrf(html), "installment": number}
        )
        assert answer.headers["Location"] == f"/p/{CLIENT}?error=1"


def test_the_confirmation_and_installment_emails_carry_the_page_link_that_opens_the_page(
    pipeline: Pipeline,
) -> None:
    agreed(pipeline)
    dossier = pipeline.dossier("10003")
    pipeline.sweep_and_act(dossier.next_action_at or DAY_0)
    confirmation = readable(to(SMIT)[-1])
    assert "betalingsregeling" in confirmation.lower()
    assert "Op uw eigen pagina ziet u hoe uw dossier ervoor staat" in confirmation
    link = LINK.search(confirmation)
    assert link and Browser(pipeline).get(link.group(0)).status_code == 303
    count = len(to(SMIT))
    while len(to(SMIT)) == count:
        due = pipeline.dossier("10003").next_action_at
        assert due is not None
        pipeline.sweep_and_act(due)
    installment = readable(to(SMIT)[-1])
    assert "Termijn 1 van 3" in installment
    assert LINK.search(installment)


def test_the_dispute_email_carries_the_page_link(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    browser.post(
        f"/p/{CLIENT}/do/dispute",
        [("csrf", browser.csrf(html)), ("invoice", "2026-0388"), ("reason", "amount_wrong")],
    )
    received = readable(to(SMIT)[-1])
    assert "bezwaar" in received.lower()
    link = LINK.search(received)
    assert link and Browser(pipeline).get(link.group(0)).status_code == 303
