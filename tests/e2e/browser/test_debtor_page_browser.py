"""The debtor's page in a real browser (Chromium), at 375 px and 1280 px: from the link in a
sent e-mail to paying, a plan and a dispute, by mouse and by keyboard only, with axe-core
checking WCAG 2.1 A/AA on every page and no request leaving the app."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from chalicelib.domain.dossier import Status
from chalicelib.domain.money import format_eur
from tests.e2e.browser.conftest import Site, axe_violations
from tests.e2e.conftest import DAY_0
from tests.e2e.test_debtor_page import SMIT, content, to

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def reminded(site: Site) -> str:
    """Import the demo list, send day 0's reminders; the link from Bakkerij Smit's e-mail."""
    site.pipeline.upload()
    site.pipeline.import_uploads()
    site.pipeline.sweep_and_act(DAY_0)
    match = re.search(rf"{re.escape(site.base_url)}/p/[a-z0-9-]+/[A-Za-z0-9_-]{{43}}", content(to(SMIT)[-1]))
    assert match, "the reminder carries no link to the page"
    return match.group(0)


def only_the_app(site: Site, *, also: tuple[str, ...] = ()) -> None:
    hosts = {urlparse(url).netloc for url in site.requested}
    assert hosts <= {site.host, *also}, hosts


def accessible(page: Any, axe_source: str) -> None:
    assert axe_violations(page, axe_source) == []


def test_open_the_link_see_the_amount_pay_and_come_back_to_a_paid_page(
    page: Any, site: Site, axe_source: str
) -> None:
    link = reminded(site)
    page.goto(link)
    assert not TOKEN.search(page.url) and page.url.endswith("/p/sportpark-de-zwaluwen")
    due = format_eur(site.pipeline.dossier("10003").due_cents)
    assert page.locator("#total").inner_text() == due
    accessible(page, axe_source)
    only_the_app(site)

    page.get_by_role("button", name=f"Betaal {due} met iDEAL").click()
    mollie = urlparse(site.pipeline.mollie.public_url).netloc
    assert urlparse(page.url).netloc == mollie
    page.get_by_role("button", name="Continue").click()  # "paid" is preselected on the emulator
    page.wait_for_url(re.compile(r"/p/sportpark-de-zwaluwen\?done=paying$"))
    assert page.get_by_role("heading", name="Alles is betaald").is_visible()
    assert site.pipeline.dossier("10003").status is Status.PAID
    accessible(page, axe_source)
    only_the_app(site, also=(mollie,))


def test_propose_three_installments_and_see_the_confirmation(page: Any, site: Site, axe_source: str) -> None:
    page.goto(reminded(site))
    page.get_by_label("Aantal maanden").select_option("3")
    page.get_by_role("button", name="Stel de regeling voor").click()
    assert page.get_by_role("status").inner_text().startswith("Uw regeling staat vast")
    assert page.get_by_text(re.compile(r"^Termijn 3: ")).is_visible()
    accessible(page, axe_source)
    only_the_app(site)


def test_dispute_one_invoice_and_the_other_stays_payable(page: Any, site: Site, axe_source: str) -> None:
    page.goto(reminded(site))
    page.get_by_label("Factuur 2026-0388").check()
    page.get_by_label("Het bedrag klopt niet").check()
    page.get_by_label("Uitleg (mag leeg blijven)").fill("Het bedrag is te hoog.")
    page.get_by_role("button", name="Stuur mijn bezwaar").click()
    assert page.get_by_role("status").inner_text().startswith("Wij hebben uw bezwaar ontvangen")
    table = page.locator("table").inner_text()
    assert "2026-0431" in table and "2026-0388" not in table
    due = format_eur(site.pipeline.dossier("10003").due_cents)
    assert page.get_by_role("button", name=f"Betaal {due} met iDEAL").is_visible()
    accessible(page, axe_source)


def tab_to(page: Any, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's accessible text or label holds `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement;
                       const label = e.id ? document.querySelector(`label[for="${e.id}"]`) : null;
                       return (e.innerText || '') + '|' + (e.getAttribute('aria-label') || '') + '|'
                              + (label ? label.innerText : ''); }"""
        )
        if name in focused:
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def test_the_whole_flow_works_by_keyboard_only(page: Any, site: Site, axe_source: str) -> None:
    page.goto(reminded(site))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "Naar de inhoud"  # the skip link first
    # A plan: choose 3 months and send it, without the mouse.
    tab_to(page, "Aantal maanden")
    page.keyboard.press("3")
    tab_to(page, "Stel de regeling voor")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"done=plan_agreed$"))
    assert page.get_by_role("status").inner_text().startswith("Uw regeling staat vast")
    # The language switch, by keyboard too.
    tab_to(page, "Read this page in English")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/p/sportpark-de-zwaluwen$"))
    assert page.get_by_role("heading", name="Your installments").is_visible()
    accessible(page, axe_source)


def test_switch_to_english_and_back(page: Any, site: Site, axe_source: str) -> None:
    page.goto(reminded(site))
    page.get_by_role("button", name="Read this page in English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="What is open?").is_visible()
    accessible(page, axe_source)
    page.get_by_role("button", name="Lees deze pagina in het Nederlands").click()
    assert page.get_by_role("heading", name="Wat staat er open?").is_visible()


def test_the_answer_pages_are_accessible_too(page: Any, site: Site, axe_source: str) -> None:
    link = reminded(site)
    client = link.rsplit("/", 2)[1]
    assert page.goto(f"{site.base_url}/p/{client}/{'A' * 43}").status == 404
    accessible(page, axe_source)
    site.pipeline.now = DAY_0.replace(year=DAY_0.year + 1)
    assert page.goto(link).status == 410
    accessible(page, axe_source)
    page.get_by_label("Uw e-mailadres").fill(SMIT)
    page.get_by_role("button", name="Stuur mij een nieuwe link").click()
    assert "nieuwe link" in page.get_by_role("status").inner_text()
    accessible(page, axe_source)
    for n in range(6):
        answer = page.goto(f"{site.base_url}/p/{client}/{'B' * 42}{n}")
    assert answer.status == 429
    accessible(page, axe_source)
    only_the_app(site)
