"""A club's messages speak of contributie and lidmaatschap, name the member and the team, and never
promise to block the member's participation (that option is the club's, DOMAIN.md §8: no threats
that will not be carried out). A business's messages keep speaking of invoices."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.dossier import FourteenDayLetter
from chalicelib.services.letter_content import fourteen_day_letter_for
from chalicelib.services.message_content import (
    email_for_client,
    email_for_debtor,
    history_facts,
    sms_for_debtor,
)
from chalicelib.services.templates import TEMPLATES_DIR, render_email, render_text, wording
from tests.builders import CLUB, dossier, invoice
from tests.unit.test_new_templates import facts

SPORTS_CLUB = replace(CLUB, club=True)
# Words that would promise (or threaten) to keep a member from playing or training.
BLOCKING = ("deelname", "deelnemen", "speelgerechtigd", "geschorst", "schorsing", "uitgesloten",
            "blokkeren", "geblokkeerd", "niet meer spelen", "participation", "suspend", "blocked", "not play")  # fmt: skip
LANGUAGES = ("nl", "en")
# The facts of the templates test_new_templates does not cover (reminders, notices, installments).
OTHER_FACTS = {
    "payment_url": "https://pay.example/p/1",
    "decision_url": "https://app.example/d/1",
    "costs_reason": "",
    "term_note": "",
    "letter_follows": False,
    "asked_on": "25 november 2026",
    "installment_amount": "€ 50,00",
    "installment_due_date": "10 december 2026",
    "installment_number": 1,
    "installments_total": 3,
    "last_chance": False,
    "installments": [],
    "arrangement_total": "€ 150,00",
    "first_payment_url": "https://pay.example/p/2",
    "misses_allowed": 1,
    "grace_days": 3,
    "page_url": "https://api.example/p/club",
    "payer_name": "Marieke Jansen",
    "member_names": "Sem Jansen en Lotte Jansen",
    "members": [
        {
            "line": "Sem Jansen (team JO11-2)",
            "invoices": [{"number": "C-1", "due_date": "01-10-2026", "open": "€ 15,00"}],
            "charges": "",
            "reversal_lines": [],
        }
    ],
    "references": "L2001, L2002",
    # A plan outside the client's rules, for the client to decide (services/debtor_page.py).
    "installments_asked": 3,
    "monthly": "€ 50,00",
    "rule": "at most 2 installments",
    # A final demand's own facts (services/dossier_actions.py, _final_term_facts).
    "principal": "€ 30,00",
    "final_term_last_day": "17 december 2026",
}


def member() -> object:
    file = dossier(
        invoice("CONTR-2026-10", 1_500, date(2026, 10, 1)), invoice("CONTR-2026-11", 1_500, date(2026, 11, 1))
    )
    file.debtor = replace(file.debtor, name="Sem de Vries", team="JO11-2", mobile_e164="+31612345678")
    return file


def _templates(kind: str, lang: str) -> list[str]:
    return sorted(p.stem for p in (TEMPLATES_DIR / kind / lang).glob("[a-z]*.txt"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_email_template_of_a_club_speaks_of_contributie_never_of_invoices(lang: str) -> None:
    words = wording(lang, club=True)
    unwanted = ("factuur", "facturen") if lang == "nl" else ("invoice",)
    for template in _templates("email", lang):
        context = {**OTHER_FACTS, **facts(template), "words": words}
        subject, text, html = render_email(template, lang, context)
        for written in (subject, text, html):
            lowered = written.casefold()
            assert not any(word in lowered for word in unwanted), (template, written)
        for written in (subject, text):
            assert not any(word in written.casefold() for word in BLOCKING), (template, written)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_reminder_to_a_member_names_the_member_the_team_and_the_lidmaatschap(lang: str) -> None:
    file = member()
    file.debtor = replace(file.debtor, language=lang)
    email = email_for_debtor(SPORTS_CLUB, file, "reminder_1", "https://pay.example/p/1")
    assert "Sem de Vries (team JO11-2)" in email.text and "Sem de Vries (team JO11-2)" in email.html
    if lang == "nl":
        assert "contributie voor het lidmaatschap van Sem de Vries" in email.text
        assert "- Contributie CONTR-2026-10, vervallen op 01-10-2026: € 15,00" in email.text
        assert "factuur" not in email.text.casefold()
    else:
        assert "membership fee (contributie) for Sem de Vries" in email.text
        assert "- Membership fee CONTR-2026-10" in email.text
    assert not any(word in email.text.casefold() for word in BLOCKING)


def test_without_a_team_the_member_is_named_alone() -> None:
    file = member()
    file.debtor = replace(file.debtor, team=None)
    # What was sent before is part of every step's facts (services/dossier_actions.py).
    history = history_facts(file, date(2026, 11, 20), "nl")
    email = email_for_debtor(SPORTS_CLUB, file, "reminder_2", "https://pay.example/p/1", **history)
    assert "lidmaatschap van Sem de Vries bij Voetbalvereniging De Zwaluwen." in email.text
    assert "team" not in email.text


def test_a_business_keeps_its_invoices_and_no_member_line() -> None:
    email = email_for_debtor(CLUB, member(), "reminder_1", "https://pay.example/p/1")
    assert "- Factuur CONTR-2026-10" in email.text
    assert "lidmaatschap" not in email.text and "contributie" not in email.text.casefold()


def test_a_club_sms_and_14_day_letter_speak_of_contributie() -> None:
    file = member()
    sms = sms_for_debtor(SPORTS_CLUB, file, "reminder", "https://pay.example/p/1")
    assert "er staat nog contributie voor u open" in sms.text
    assert "€" not in sms.text  # amounts stay behind the link (DOMAIN.md §8)
    letter = FourteenDayLetter(
        posted_on=date(2026, 11, 10),
        presumed_receipt=date(2026, 11, 12),
        last_day=date(2026, 11, 26),
        costs_due_from=date(2026, 11, 27),
        principal_cents=3_000,
        costs_cents=4_000,
        invoices=("CONTR-2026-10", "CONTR-2026-11"),
        step=2,
    )
    printed = fourteen_day_letter_for(
        SPORTS_CLUB, file, letter, "fourteen_day_letter", "https://pay.example/p/1"
    )
    assert "- Contributie CONTR-2026-10" in printed.body
    assert "lidmaatschap van Sem de Vries (team JO11-2)" in printed.body
    assert "factuur" not in printed.body.casefold()
    assert not any(word in printed.body.casefold() for word in BLOCKING)


def test_the_treasurer_reads_contributie_in_its_own_language() -> None:
    file = member()
    file.debtor = replace(file.debtor, language="en")
    email = email_for_client(
        SPORTS_CLUB,
        file,
        "handover_request",
        "https://app.example/d/1",
        asked_on="",
        term_note="",
        **history_facts(file, date(2026, 11, 20), "en"),
    )
    assert "Contributie CONTR-2026-10" in email.text or "contributie" in email.text.casefold()
    assert "membership fee" not in email.text
    assert "lidmaatschap van" not in email.text  # the member line is for the member


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plain_text_templates_render_for_a_club(lang: str) -> None:
    for template in _templates("sms", lang):
        _, text = render_text(
            "sms",
            template,
            lang,
            {"client_name": "VV", "reference": "1", "payment_url": "u", "words": wording(lang, club=True)},
        )
        assert "contribut" in text.casefold() or "membership fee" in text
