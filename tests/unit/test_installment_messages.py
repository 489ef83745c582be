"""Installment messages: their own e-mails with the installment's amount, due date and
link, in plain Dutch (B1) or English; the missed-installment warning names the rule that applies."""

from __future__ import annotations

import re
from dataclasses import replace

from chalicelib.services.dossier_actions import run_due_action
from tests.builders import CLUB, NOW
from tests.unit.test_payments import Payments, _arrangement_world


def _sent_first_and_missed(pay: Payments) -> None:
    deps = _arrangement_world(pay)
    run_due_action(CLUB.client_id, "10023", NOW, deps)  # the plan in writing
    run_due_action(CLUB.client_id, "10023", NOW, deps)  # installment 1's link
    run_due_action(CLUB.client_id, "10023", NOW.replace(month=12, day=14), deps)  # 1 missed


def test_the_installment_email_names_the_amount_the_due_date_and_the_link() -> None:
    pay = Payments()
    _sent_first_and_missed(pay)
    confirmation, due, missed = pay.mailer.sent
    link = pay.file().payment_link
    assert link is not None

    assert due.subject == f"Termijn 1 van uw betalingsregeling met {CLUB.name} (10023)"
    page = re.search(r"https://\S+/p/vv-de-zwaluwen/[A-Za-z0-9_-]{43}", due.text)
    assert page is not None, "the installment e-mail carries the debtor's own page"
    assert due.text == (
        "Beste Jan de Vries,\n\n"
        f"U heeft met {CLUB.name} afgesproken om in 3 termijnen te betalen. "
        "Hieronder staat wat u nu moet betalen.\n\n"
        "Termijn 1 van 3: € 50,00\n"
        "Uiterlijk betalen op: 10 december 2026\n\n"
        "U kunt deze termijn direct en veilig betalen met iDEAL:\n"
        f"{link.checkout_url}\n\n"
        "Lukt het niet om op tijd te betalen? Beantwoord dan deze e-mail vóór 10 december 2026. "
        "Dan zoeken we samen een oplossing.\n\n"
        "Op uw eigen pagina ziet u hoe uw dossier ervoor staat:\n"
        f"{page.group(0)}\n\n"
        f"Met vriendelijke groet,\n{CLUB.name}\n\n"
        f"Deze e-mail is verstuurd namens {CLUB.name}. Ons kenmerk: 10023.\n"
    )
    assert f'href="{link.checkout_url}"' in due.html and "Betaal € 50,00 met iDEAL" in due.html
    assert [m.template for m in pay.file().messages] == [
        "arrangement_confirmation",
        "installment_due",
        "installment_missed",
    ]
    # The written confirmation: the whole schedule, and the same as a PDF kept with the dossier.
    assert "10 december 2026" in confirmation.text and "10 februari 2027" in confirmation.text
    [pdf] = confirmation.attachments
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")

    assert missed.subject == f"Termijn 1 is nog niet betaald ({CLUB.name}, 10023)"
    assert "moest uiterlijk op 10 december 2026 betaald zijn" in missed.text
    assert "Nog te betalen voor deze termijn: € 50,00\n" in missed.text
    # One miss is allowed (ArrangementRules.misses_allowed): the next one really ends the plan.
    warning = "Let op: betaalt u nog een termijn niet, dan stopt de betalingsregeling."
    assert warning in missed.text and warning in missed.html


def test_an_english_speaking_debtor_gets_the_english_installment_email() -> None:
    pay = Payments()
    file = pay.file()
    file.debtor = replace(file.debtor, language="en")
    pay.dossiers.save(file)
    _sent_first_and_missed(pay)
    confirmation, due, missed = pay.mailer.sent

    assert confirmation.subject.startswith("Confirmation of your payment plan")
    assert due.subject == f"Instalment 1 of your payment plan with {CLUB.name} (10023)"
    assert "Instalment 1 of 3: € 50,00\nPlease pay by: 10 December 2026\n" in due.text
    assert missed.subject == f"Instalment 1 has not been paid yet ({CLUB.name}, 10023)"
    assert "Please note: if another instalment is not paid, the payment plan ends." in missed.text
