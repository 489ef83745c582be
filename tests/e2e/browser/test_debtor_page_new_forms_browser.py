"""The page's newer forms in Chromium: a call back chosen by keyboard only, a pay button per
installment, and the proof upload posted by the browser itself (a plain multipart form to the
bucket, no JavaScript), each page checked by axe-core."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import requests

from chalicelib.domain.money import format_eur
from tests.e2e.browser.conftest import Site
from tests.e2e.browser.test_debtor_page_browser import accessible, only_the_app, reminded, tab_to

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_ask_for_a_call_back_by_keyboard_only(page: Any, site: Site, axe_source: str) -> None:
    page.goto(reminded(site))
    accessible(page, axe_source)
    tab_to(page, "Wanneer mogen wij bellen?")
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate("document.activeElement.selectedOptions[0].innerText")
    assert chosen.startswith("maandag 30 november 2026 van 12:30")
    tab_to(page, "Bel mij terug")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"done=callback_sent$"))
    assert page.get_by_text(f"Wij bellen u op {chosen}.").is_visible()
    assert len(site.pipeline.dossier("10003").open_call_backs) == 1
    accessible(page, axe_source)
    only_the_app(site)


def test_each_installment_has_its_own_pay_button_reachable_by_keyboard(
    page: Any, site: Site, axe_source: str
) -> None:
    page.goto(reminded(site))
    page.get_by_label("Aantal maanden").select_option("3")
    page.get_by_role("button", name="Stel de regeling voor").click()
    plan = site.pipeline.dossier("10003").arrangement
    assert plan is not None
    for item in plan.installments:
        name = f"Betaal termijn {item.number} ({format_eur(item.amount_cents)})"
        assert page.get_by_role("button", name=name).is_visible()
    tab_to(page, "Betaal termijn 2")
    page.keyboard.press("Enter")
    # The form's redirect to Mollie's checkout is allowed by the page's form-action.
    page.wait_for_url(re.compile("^" + re.escape(site.pipeline.mollie.public_url)))
    page.go_back()
    accessible(page, axe_source)


def test_send_a_proof_of_payment_with_the_plain_form(page: Any, site: Site, axe_source: str) -> None:
    page.goto(reminded(site))
    page.get_by_label("Factuur 2026-0388").check()
    page.get_by_label("Ik heb al betaald").check()
    page.get_by_role("button", name="Stuur mijn bezwaar").click()
    assert page.get_by_role("heading", name="Stuur een bewijs dat u betaalde").is_visible()
    accessible(page, axe_source)
    # Keyboard: the file field and its button are reachable like any other field.
    tab_to(page, "Kies een PDF-bestand")
    tab_to(page, "Stuur dit PDF-bestand")

    action = page.locator("form.proof").first.get_attribute("action")
    bucket = urlparse(action).netloc

    def to_moto(route: Any) -> None:
        """The bucket is moto in this process: hand it the browser's own multipart body."""
        request = route.request
        answer = requests.post(
            request.url,
            data=request.post_data_buffer,
            headers={"Content-Type": request.headers["content-type"]},
            allow_redirects=False,
            timeout=5,
        )
        route.fulfill(status=answer.status_code, headers=dict(answer.headers), body=answer.content)

    page.route(f"{urlparse(action).scheme}://{bucket}/**", to_moto)
    page.get_by_label("Kies een PDF-bestand").set_input_files(
        {"name": "afschrift.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Stuur dit PDF-bestand").click()
    page.wait_for_url(re.compile(r"done=proof_sent$"))
    assert "Wij kijken eerst of uw bestand in orde is" in page.get_by_role("status").inner_text()
    site.pipeline.import_uploads()
    page.reload()
    assert page.get_by_text(re.compile(r"^Wij hebben 1 bewijs ontvangen")).is_visible()
    [proof] = site.pipeline.dossier("10003").disputes[0].proofs
    assert proof.content_type == "application/pdf" and proof.size_bytes == len(PDF)
    accessible(page, axe_source)
    only_the_app(site, also=(bucket,))
