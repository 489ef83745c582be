"""The debtor's own page end to end: a reminder goes out through the real handlers, the debtor
opens the personal link from the e-mail, and acts on the page through Chalice's test client."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from chalicelib import bootstrap
from chalicelib.domain.dossier import Status
from chalicelib.domain.money import format_eur
from chalicelib.domain.personal_links import token_digest
from chalicelib.services.personal_links import issue_personal_link
from infra.local.demo_data import DEMO_CLIENT
from infra.local.lambda_events import scheduled_event
from tests.e2e.conftest import DAY_0, OWNER, Capture, Pipeline, sent_emails

CLIENT = DEMO_CLIENT.client_id
SMIT = "boekhouding@bakkerijsmit.example"
LINK = re.compile(r"/p/([a-z0-9-]+)/([A-Za-z0-9_-]{43})")
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
SECURITY = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class Browser:
    """Cookies kept across requests, as a browser keeps them (the test client keeps none)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.jar: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        return headers

    def _keep(self, response: Any) -> Any:
        raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
        for line in raw if isinstance(raw, list) else ([raw] if raw else []):
            for part in re.split(r",(?=\s*\w+=)", line):
                name, _, rest = part.strip().partition("=")
                self.jar[name] = rest.split(";", 1)[0]
        return response

    def get(self, path: str) -> Any:
        return self._keep(self.pipeline.chalice.http.get(path, headers=self._headers()))

    def post(self, path: str, fields: dict[str, Any] | list[tuple[str, str]]) -> Any:
        body = urlencode(fields, doseq=True)
        return self._keep(
            self.pipeline.chalice.http.post(path, headers=self._headers(FORM_HEADERS), body=body)
        )

    def csrf(self, html: str) -> str:
        match = re.search(r'name="csrf" value="([^"]+)"', html)
        assert match, "the page has no form token"
        return match.group(1)


def text(response: Any) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else str(response.body)


def reminded(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)


def to(address: str) -> list[Any]:
    """Sent e-mails to an address: simple ones list their ToAddresses, raw ones (with an
    attachment) their destinations."""
    found = []
    for mail in sent_emails():
        recipients = mail.destinations
        if isinstance(recipients, dict):
            recipients = recipients.get("ToAddresses", [])
        if address in recipients:
            found.append(mail)
    return found


def content(mail: Any) -> str:
    return str(getattr(mail, "raw_data", None) or mail.body)


def link_in_email(address: str) -> str:
    mail = to(address)[-1]
    match = LINK.search(content(mail))
    assert match, "the e-mail carries no personal link"
    return match.group(0)


def opened(pipeline: Pipeline, address: str = SMIT) -> tuple[Browser, str]:
    browser = Browser(pipeline)
    first = browser.get(link_in_email(address))
    assert first.status_code == 303
    page = browser.get(first.headers["Location"])
    assert page.status_code == 200
    return browser, text(page)


def test_the_link_in_the_reminder_opens_the_page_with_what_is_owed_and_no_token_in_the_url(
    pipeline: Pipeline,
) -> None:
    reminded(pipeline)
    link = link_in_email(SMIT)
    browser = Browser(pipeline)
    first = browser.get(link)
    assert first.status_code == 303
    assert first.headers["Location"] == f"/p/{CLIENT}"
    cookies = str(first.headers["Set-Cookie"])
    assert "HttpOnly" in cookies and "Secure" in cookies and "SameSite=Lax" in cookies
    page = browser.get(first.headers["Location"])
    html = text(page)
    dossier = pipeline.dossier("10003")
    assert page.status_code == 200
    assert format_eur(dossier.due_cents) in html
    assert "2026-0388" in html and "2026-0431" in html
    assert "Sportpark De Zwaluwen" in html and "administratie@dezwaluwen.example" in html
    assert "Bakkerij" not in first.headers["Location"] and "10003" not in first.headers["Location"]
    for name, value in SECURITY.items():
        assert page.headers[name] == value
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    # Only the hash of the token is stored.
    token = link.rsplit("/", 1)[1]
    assert bootstrap.personal_link_store().find(token_digest(token)) is not None


def test_the_sms_carries_the_page_link_instead_of_the_bare_payment_link(pipeline: Pipeline) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    reminded(pipeline)
    texts = [m for _, m, *_ in sns_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sms_messages.values()]
    assert texts and all(LINK.search(t) for t in texts)


def test_paying_one_invoice_goes_to_mollie_and_the_page_shows_the_rest(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    before = pipeline.dossier("10003").due_cents
    answer = browser.post(f"/p/{CLIENT}/do/pay", {"csrf": browser.csrf(html), "invoice": "2026-0431"})
    assert answer.status_code == 303
    checkout = answer.headers["Location"]
    assert checkout.startswith(pipeline.mollie.public_url)
    payment_id = pipeline.pay_link(checkout)
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    after = pipeline.dossier("10003")
    assert after.due_cents == before - 42050
    # What is left after costs and interest (BW 6:44) goes to the invoice the debtor chose
    # (BW 6:43), not to the oldest.
    assert after.invoices["2026-0388"].open_cents == 125_000
    principal = after.payments[payment_id].amount_cents - after.payments[payment_id].costs_cents
    principal -= after.payments[payment_id].interest_cents
    assert principal > 0 and after.invoices["2026-0431"].open_cents == 42050 - principal
    page = text(browser.get(f"/p/{CLIENT}?done=paying"))
    assert format_eur(after.due_cents) in page


def test_paying_the_total_closes_the_file_and_the_page_says_so(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    answer = browser.post(f"/p/{CLIENT}/do/pay", {"csrf": browser.csrf(html)})
    payment_id = pipeline.pay_link(answer.headers["Location"])
    pipeline.webhook(f"id={payment_id}")
    assert pipeline.dossier("10003").status is Status.PAID
    assert "Alles is betaald" in text(browser.get(f"/p/{CLIENT}?done=paying"))


def test_three_installments_are_agreed_at_once_and_confirmed_in_writing(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    answer = browser.post(f"/p/{CLIENT}/do/plan", {"csrf": browser.csrf(html), "installments": "3"})
    assert answer.headers["Location"] == f"/p/{CLIENT}?done=plan_agreed"
    dossier = pipeline.dossier("10003")
    assert dossier.status is Status.IN_ARRANGEMENT
    assert dossier.arrangement is not None and len(dossier.arrangement.installments) == 3
    page = text(browser.get(answer.headers["Location"]))
    assert "Uw regeling staat vast" in page and "Termijn 3:" in page
    pipeline.sweep_and_act(dossier.next_action_at or DAY_0)
    confirmation = content(to(SMIT)[-1])
    assert "betalingsregeling" in confirmation.lower()
    assert "application/pdf" in confirmation


def test_a_plan_outside_the_clients_rules_goes_to_the_client_as_a_request(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    answer = browser.post(f"/p/{CLIENT}/do/plan", {"csrf": browser.csrf(html), "monthly": "50"})
    assert answer.headers["Location"] == f"/p/{CLIENT}?done=plan_sent"
    assert pipeline.dossier("10003").status is not Status.IN_ARRANGEMENT
    [request] = [m for m in to(DEMO_CLIENT.reply_to_email) if "Verzoek om betalingsregeling" in content(m)]
    dossier = pipeline.dossier("10003")
    months = -(-dossier.due_cents // 5000)
    assert f"{months} termijnen" in content(request)
    # The request waits for the client: its daily digest lists it until a plan is agreed.
    morning = datetime.combine(pipeline.now.date(), time(7, 0), tzinfo=UTC) + timedelta(days=1)
    pipeline.now = morning
    pipeline.chalice.lambda_.invoke(
        "send_daily_digest", scheduled_event("debtflow-send_daily_digest", morning)
    )
    [digest] = [m for m in to(OWNER[0]) if str(m.subject).startswith("Debtflow: ")]
    assert "Verzoeken om een betalingsregeling: 1</h2>" in content(digest)
    assert f'/clients/{CLIENT}/dossiers/10003">Bakkerij Smit B.V.</a>' in content(digest)


def test_disputing_one_invoice_leaves_the_other_payable(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    answer = browser.post(
        f"/p/{CLIENT}/do/dispute",
        [
            ("csrf", browser.csrf(html)),
            ("invoice", "2026-0388"),
            ("reason", "amount_wrong"),
            ("note", "te hoog"),
        ],
    )
    assert answer.headers["Location"] == f"/p/{CLIENT}?done=dispute_sent"
    dossier = pipeline.dossier("10003")
    assert dossier.disputed_invoice_numbers == {"2026-0388"}
    page = text(browser.get(answer.headers["Location"]))
    payable = page.split("Hier heeft u bezwaar tegen gemaakt")[0]
    assert "2026-0431" in payable and "2026-0388" not in payable
    assert format_eur(dossier.due_cents) in page


def test_a_form_without_its_token_is_refused_and_changes_nothing(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, _ = opened(pipeline)
    answer = browser.post(f"/p/{CLIENT}/do/plan", {"installments": "3"})
    assert answer.status_code == 403
    forged = browser.post(f"/p/{CLIENT}/do/plan", {"csrf": "0" * 64, "installments": "3"})
    assert forged.status_code == 403
    assert pipeline.dossier("10003").status is not Status.IN_ARRANGEMENT


def test_the_debtor_switches_to_english(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    answer = browser.post(f"/p/{CLIENT}/do/language", {"csrf": browser.csrf(html), "lang": "en"})
    page = text(browser.get(answer.headers["Location"]))
    assert '<html lang="en">' in page and "What is open?" in page


def test_a_wrong_choice_comes_back_to_the_page_with_a_message(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    answer = browser.post(f"/p/{CLIENT}/do/dispute", {"csrf": browser.csrf(html), "reason": "amount_wrong"})
    assert answer.headers["Location"] == f"/p/{CLIENT}?error=1"
    assert 'role="alert"' in text(browser.get(answer.headers["Location"]))


# --- token probes ---------------------------------------------------------------------------------


def test_unknown_forged_revoked_and_other_clients_tokens_get_the_same_404(pipeline: Pipeline) -> None:
    reminded(pipeline)
    real = link_in_email(SMIT)
    token = real.rsplit("/", 1)[1]
    other = replace(DEMO_CLIENT, client_id="andere-club", name="Andere Club")
    bootstrap.client_directory().save(other)
    dossier = replace(pipeline.dossier("10003"), client_id="andere-club")
    other_link = issue_personal_link(dossier, pipeline.now, bootstrap.personal_link_store(), "")
    revoked = link_in_email("jan.devries@example.nl")
    bootstrap.personal_link_store().revoke(token_digest(revoked.rsplit("/", 1)[1]))
    probes = {
        "unknown": f"/p/{CLIENT}/{'A' * 43}",
        "forged": f"/p/{CLIENT}/{token[:-1]}{'B' if token[-1] != 'B' else 'C'}",
        "other client's": f"/p/{CLIENT}/{other_link.rsplit('/', 1)[1]}",
        "revoked": revoked,
    }
    bodies = set()
    for name, path in probes.items():
        answer = Browser(pipeline).get(path)
        assert answer.status_code == 404, name
        assert "Set-Cookie" not in answer.headers, name
        bodies.add(text(answer))
    assert len(bodies) == 1
    # The real one still opens.
    assert Browser(pipeline).get(real).status_code == 303


def test_an_expired_link_answers_410_with_a_form_that_sends_a_fresh_link_only_to_the_address_on_file(
    pipeline: Pipeline,
) -> None:
    reminded(pipeline)
    path = link_in_email(SMIT)
    link = bootstrap.personal_link_store().find(token_digest(path.rsplit("/", 1)[1]))
    assert link is not None
    assert link.expires_at - DAY_0 <= timedelta(days=120)
    pipeline.now = link.expires_at + timedelta(minutes=1)
    browser = Browser(pipeline)
    expired = browser.get(path)
    assert expired.status_code == 410
    csrf = browser.csrf(text(expired))
    count = len(sent_emails())
    wrong = browser.post(path, {"csrf": csrf, "email": "someone@else.example"})
    assert len(sent_emails()) == count
    right = browser.post(path, {"csrf": csrf, "email": SMIT.upper()})
    assert text(wrong) == text(right) and right.status_code == wrong.status_code == 200
    assert len(sent_emails()) == count + 1
    fresh = link_in_email(SMIT)
    assert fresh != path and Browser(pipeline).get(fresh).status_code == 303


def test_more_than_five_bad_tokens_a_minute_get_429_even_for_a_good_one(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser = Browser(pipeline)
    answers = [browser.get(f"/p/{CLIENT}/{'x' * 42}{n}").status_code for n in range(6)]
    assert answers == [404] * 5 + [429]
    assert browser.get(link_in_email(SMIT)).status_code == 429
    pipeline.now = pipeline.now + timedelta(minutes=1)
    assert browser.get(link_in_email(SMIT)).status_code == 303


def test_no_token_reaches_the_logs(pipeline: Pipeline, captured: Capture) -> None:
    reminded(pipeline)
    path = link_in_email(SMIT)
    token = path.rsplit("/", 1)[1]
    browser, html = opened(pipeline)
    browser.post(f"/p/{CLIENT}/do/plan", {"csrf": browser.csrf(html), "installments": "3"})
    Browser(pipeline).get(f"/p/{CLIENT}/{token[:-2]}zz")
    pipeline.now = pipeline.now + timedelta(days=200)
    Browser(pipeline).get(path)
    everything = "\n".join(captured.lines)
    assert "personal link visit" in everything
    assert token not in everything and token_digest(token) not in everything
