"""The e-mail templates for the follow-up rhythm, disputes, invoice copies, arrangements and the
client's decisions: each renders in Dutch and English with the facts the services hand it, says
what the reader needs to know, shows a conditional part only when its flag asks for it, and
escapes an untrusted debtor name in the html."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.services.templates import render_email

LANGUAGES = ["nl", "en"]
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

PAYMENT_URL = "https://pay.example/p/abc123"
FIRST_PAYMENT_URL = "https://pay.example/p/termijn-1"
DECISION_URL = "https://app.example/decide/10023?token=xyz"

DISPUTED = [
    {"number": "F-2026-051", "due_date": "15-10-2026", "open": "€ 75,00"},
    {"number": "F-2026-063", "due_date": "01-11-2026", "open": "€ 30,00"},
]
INSTALLMENTS = [
    {"number": 1, "due_date": "10 december 2026", "amount": "€ 50,00"},
    {"number": 2, "due_date": "10 januari 2027", "amount": "€ 50,00"},
    {"number": 3, "due_date": "10 februari 2027", "amount": "€ 63,12"},
]
COPIES = [
    {
        "number": "F-2026-070",
        "invoice_date": "01-11-2026",
        "due_date": "15-11-2026",
        "amount": "€ 95,00",
        "open": "€ 95,00",
    }
]

# The extra facts each template expects, on top of the standard ones.
DEBTOR_FACING: dict[str, dict[str, Any]] = {
    "reminder_follow_up": {"payment_url": PAYMENT_URL},
    "dispute_received": {
        "disputed_invoices": DISPUTED,
        "reason_text": "het bedrag klopt niet",
        "decide_by": "9 december 2026",
        "still_chased": True,
        "payment_url": PAYMENT_URL,
    },
    "dispute_confirmed_paid": {
        "disputed_invoices": DISPUTED[:1],
        "still_chased": True,
        "payment_url": PAYMENT_URL,
    },
    "invoice_copy": {
        "copy_invoices": COPIES,
        "new_due_date": "9 december 2026",
        "attached": True,
        "payment_url": PAYMENT_URL,
        "still_chased": True,
    },
    "arrangement_confirmation": {
        "installments": INSTALLMENTS,
        "arrangement_total": "€ 163,12",
        "first_payment_url": FIRST_PAYMENT_URL,
        "misses_allowed": 1,
        "grace_days": 3,
    },
}
CLIENT_FACING: dict[str, dict[str, Any]] = {
    "handover_reminder": {"decision_url": DECISION_URL, "asked_on": "25 november 2026", "reminders_left": 2},
    "dispute_for_client": {
        "disputed_invoices": DISPUTED,
        "reason_text": "het bedrag klopt niet",
        "note": "Ik was die maand geen lid meer.",
        "decision_url": DECISION_URL,
        "decide_by": "9 december 2026",
    },
    "dispute_reminder": {
        "disputed_invoices": DISPUTED,
        "reason_text": "het bedrag klopt niet",
        "note": "Ik was die maand geen lid meer.",
        "decision_url": DECISION_URL,
        "decide_by": "9 december 2026",
    },
    "arrangement_broken": {
        "paid": "€ 50,00",
        "total": "€ 113,12",
        "back_to_decision": True,
        "decision_url": DECISION_URL,
    },
}
# The daily digest to the client's owners (services/daily_digest.py): about many dossiers, so
# not among the per-dossier client e-mails above.
DIGEST_FACTS: dict[str, Any] = {
    "day": "7 december 2026",
    "waiting_count": 4,
    "decisions": 2,
    "links": {
        "overview": "https://app.example/clients/club",
        "dossiers": "https://app.example/clients/club/dossiers",
        "uploads": "https://app.example/clients/club/uploads",
    },
    "sections": [
        {
            "kind": "handover_decisions",
            "count": 2,
            "more": 0,
            "entries": [
                {
                    "label": "Jan de Vries",
                    "debtor_id": "10023",
                    "amount": "€ 183,12",
                    "url": "https://app.example/d/10023",
                },
                {
                    "label": "Lotte Bakker",
                    "debtor_id": "10024",
                    "amount": "€ 60,00",
                    "url": "https://app.example/d/10024",
                },
            ],
        },
        {
            "kind": "disputes",
            "count": 1,
            "more": 0,
            "entries": [
                {
                    "label": "Sem Jansen",
                    "debtor_id": "10025",
                    "amount": "€ 15,00",
                    "url": "https://app.example/d/10025",
                }
            ],
        },
        {
            "kind": "held_lists",
            "count": 1,
            "more": 0,
            "entries": [
                {"label": "leden.csv", "debtor_id": None, "amount": "", "url": "https://app.example/u"}
            ],
        },
    ],
}
ALL = {**DEBTOR_FACING, **CLIENT_FACING, "daily_digest": DIGEST_FACTS}

# A few words per language that tell whether a conditional part is shown.
WORDS = {
    "nl": {
        "costs": "Incassokosten",
        "interest": "Wettelijke rente",
        "arrangement": "betalingsregeling",
        "attached": "als bijlage",
        "statement": "Bewaar deze e-mail goed",
        "invoice_date": "Factuurdatum",
        "pdf": "pdf",
        "uphold": "Handhaven",
        "credit": "Crediteren",
        "choice": "altijd uw keuze",
        "last": "laatste herinnering",
        "resume": "gewone herinneringen",
        "note": "De debiteur schreef",
        "grace": "3 dagen",
        "misses": "2 termijnen",
        "no_other": "geen andere facturen",
        "decide_by": "uiterlijk 9 december 2026",
    },
    "en": {
        "costs": "Collection costs",
        "interest": "Statutory interest",
        "arrangement": "payment arrangement",
        "attached": "attached to this e-mail",
        "statement": "Please keep this e-mail",
        "invoice_date": "Invoice date",
        "pdf": "PDF",
        "uphold": "Uphold",
        "credit": "Credit",
        "choice": "always your choice",
        "last": "last reminder",
        "resume": "normal reminders",
        "note": "The debtor wrote",
        "grace": "3 days",
        "misses": "2 instalments",
        "no_other": "no other invoices",
        "decide_by": "decision by 9 december 2026",
    },
}


def facts(template: str, **overrides: Any) -> dict[str, Any]:
    """The standard facts (`message_content.dossier_facts` plus interest) and the template's own."""
    return {
        "client_name": "VV De Meeuwen",
        "debtor_name": "Jan de Vries",
        "reference": "10023",
        "invoices": [
            {"number": "F-2026-041", "due_date": "01-10-2026", "open": "€ 120,00"},
            {"number": "F-2026-044", "due_date": "08-10-2026", "open": "€ 20,00"},
        ],
        "costs": "€ 40,00",
        "interest": "€ 3,12",
        "total": "€ 183,12",
        "reply_to": "penningmeester@demeeuwen.nl",
        "iban": "NL91ABNA0417164300",
        "business": False,
        # What was sent before (message_content.history_facts): one reminder, a week ago.
        "reminders_before": 1,
        "last_sent_on": "26 november 2026",
        "days_since_last": 7,
        "last_kind": "reminder",
        "history": [{"on": "26 november 2026", "kind": "reminder", "channels": ["email", "sms"]}],
        **ALL.get(template, {}),
        **overrides,
    }


def render(template: str, lang: str, **overrides: Any) -> tuple[str, str, str]:
    return render_email(template, lang, facts(template, **overrides))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", sorted(DEBTOR_FACING))
def test_a_debtor_email_names_the_client_and_is_signed_in_its_name(template: str, lang: str) -> None:
    subject, text, html = render(template, lang)

    assert "VV De Meeuwen" in subject and "10023" in subject
    assert text.startswith(("Beste " if lang == "nl" else "Dear ") + "Jan de Vries,")
    assert "\nVV De Meeuwen\n" in text  # the signature
    assert "Debtflow" not in text and "Debtflow" not in html
    assert html.startswith("<!doctype html>") and f'<html lang="{lang}">' in html
    assert "{{" not in text and "{%" not in text and "\n\n\n" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", sorted(CLIENT_FACING))
def test_a_client_email_names_the_debtor_and_comes_from_debtflow(template: str, lang: str) -> None:
    subject, text, html = render(template, lang)

    assert "Jan de Vries" in subject and "10023" in subject
    assert text.startswith(("Beste " if lang == "nl" else "Dear ") + "VV De Meeuwen,")
    assert text.rstrip().endswith("Debtflow")
    assert DECISION_URL in text and f'href="{DECISION_URL}"' in html
    assert "{{" not in text and "{%" not in text and "\n\n\n" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
# The digest names its debtors in its sections (tests/unit/test_daily_digest.py escapes those).
@pytest.mark.parametrize("template", sorted(set(ALL) - {"daily_digest"}))
def test_a_hostile_debtor_name_is_escaped_in_the_html(template: str, lang: str) -> None:
    _, _, html = render(template, lang, debtor_name=HOSTILE, note=HOSTILE, reason_text=HOSTILE)

    assert "<script>" not in html
    assert ESCAPED in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_follow_up_reminder_shows_costs_and_interest_only_when_charged(lang: str) -> None:
    words = WORDS[lang]
    _, text, html = render("reminder_follow_up", lang)
    assert f"{words['costs']}: € 40,00" in text and words["costs"] in html
    assert "€ 3,12" in text and words["interest"] in text and words["interest"] in html
    assert "F-2026-041" in text and "€ 183,12" in text
    assert PAYMENT_URL in text and f'href="{PAYMENT_URL}"' in html
    assert words["arrangement"] in text and words["arrangement"] in html

    _, text, html = render("reminder_follow_up", lang, costs="", interest="")
    for word in (words["costs"], words["interest"]):
        assert word not in text and word not in html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", ["dispute_received", "dispute_confirmed_paid", "invoice_copy"])
def test_other_open_invoices_and_their_link_show_only_while_they_are_chased(template: str, lang: str) -> None:
    _, text, html = render(template, lang, still_chased=True)
    assert "F-2026-041" in text and "F-2026-041" in html and "€ 183,12" in text
    assert PAYMENT_URL in text and f'href="{PAYMENT_URL}"' in html

    _, text, html = render(template, lang, still_chased=False)
    assert "F-2026-041" not in text and "F-2026-041" not in html
    if template != "invoice_copy":  # the copy has a term of its own, and its own link
        assert PAYMENT_URL not in text and PAYMENT_URL not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_received_dispute_names_the_invoices_on_hold_and_the_reason(lang: str) -> None:
    _, text, html = render("dispute_received", lang)
    for invoice in DISPUTED:
        assert invoice["number"] in text and invoice["number"] in html
    assert "het bedrag klopt niet" in text and "het bedrag klopt niet" in html
    assert WORDS[lang]["decide_by"] in text

    _, text, html = render("dispute_received", lang, decide_by="")
    assert WORDS[lang]["decide_by"] not in text and WORDS[lang]["decide_by"] not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_confirmed_payment_names_the_invoice_and_says_when_nothing_else_is_open(lang: str) -> None:
    _, text, html = render("dispute_confirmed_paid", lang, still_chased=False)
    assert "F-2026-051" in text and "F-2026-051" in html
    assert WORDS[lang]["no_other"] in text and WORDS[lang]["no_other"] in html

    _, text, _ = render("dispute_confirmed_paid", lang, still_chased=True)
    assert WORDS[lang]["no_other"] not in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_invoice_copy_gives_the_invoice_a_new_term_and_says_whether_it_is_attached(lang: str) -> None:
    words = WORDS[lang]
    _, text, html = render("invoice_copy", lang, attached=True)
    assert "F-2026-070" in text and "F-2026-070" in html
    assert "€ 95,00" in text and "01-11-2026" in text and "9 december 2026" in text
    assert PAYMENT_URL in text and f'href="{PAYMENT_URL}"' in html
    assert words["attached"] in text and words["attached"] in html
    assert words["statement"] not in text

    _, text, html = render("invoice_copy", lang, attached=False)
    assert words["attached"] not in text and words["attached"] not in html
    assert words["statement"] in text and words["statement"] in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_invoice_copy_without_an_invoice_date_leaves_that_line_out(lang: str) -> None:
    copy = {**COPIES[0], "invoice_date": ""}
    _, text, _ = render("invoice_copy", lang, copy_invoices=[copy])
    assert WORDS[lang]["invoice_date"] not in text
    assert "F-2026-070" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_arrangement_confirmation_lists_every_installment_and_the_rule_for_missing_one(
    lang: str,
) -> None:
    words = WORDS[lang]
    _, text, html = render("arrangement_confirmation", lang)
    for item in INSTALLMENTS:
        assert item["due_date"] in text and item["due_date"] in html
        assert item["amount"] in text and item["amount"] in html
    assert "€ 163,12" in text
    assert FIRST_PAYMENT_URL in text and f'href="{FIRST_PAYMENT_URL}"' in html
    assert words["pdf"] in text and words["pdf"] in html
    assert words["grace"] in text and words["misses"] in text and words["resume"] in text
    assert words["misses"] in html

    # No miss allowed and no grace: the first late installment ends the plan.
    _, text, _ = render("arrangement_confirmation", lang, misses_allowed=0, grace_days=0)
    assert ("Dan stopt de regeling." if lang == "nl" else "The payment plan then ends.") in text
    assert words["misses"] not in text and words["grace"] not in text and words["resume"] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_handover_reminder_counts_down_and_never_hands_over_by_itself(lang: str) -> None:
    words = WORDS[lang]
    _, text, html = render("handover_reminder", lang)
    assert "25 november 2026" in text and "25 november 2026" in html
    assert words["choice"] in text and words["choice"] in html
    assert words["last"] not in text
    assert ("2 herinneringen" if lang == "nl" else "2 more times") in text

    _, text, html = render("handover_reminder", lang, reminders_left=0)
    assert words["last"] in text and words["last"] in html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", ["dispute_for_client", "dispute_reminder"])
def test_the_client_sees_the_dispute_and_its_two_choices(template: str, lang: str) -> None:
    words = WORDS[lang]
    _, text, html = render(template, lang)
    for invoice in DISPUTED:
        assert invoice["number"] in text and invoice["number"] in html
    assert "het bedrag klopt niet" in text
    assert "Ik was die maand geen lid meer." in text and "Ik was die maand geen lid meer." in html
    assert "9 december 2026" in text and "9 december 2026" in html
    assert words["uphold"] in text and words["credit"] in text
    assert words["uphold"] in html and words["credit"] in html

    _, text, html = render(template, lang, note="")
    assert words["note"] not in text and words["note"] not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_broken_arrangement_goes_back_to_the_decision_or_to_the_reminders(lang: str) -> None:
    words = WORDS[lang]
    _, text, html = render("arrangement_broken", lang, back_to_decision=True)
    assert "€ 50,00" in text and "€ 113,12" in text and "€ 50,00" in html
    assert words["choice"] in text and words["resume"] not in text

    _, text, html = render("arrangement_broken", lang, back_to_decision=False)
    assert words["resume"] in text and words["resume"] in html
    assert DECISION_URL not in text and DECISION_URL not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_handover_request_shows_the_term_note_only_when_given(lang: str) -> None:
    note = (
        "De debiteur is een consument. De termijn van 14 dagen loopt tot 2 december 2026; "
        "pas daarna mogen incassokosten worden gerekend."
    )
    base = facts("handover_request", decision_url=DECISION_URL)
    _, without, html_without = render_email("handover_request", lang, base)
    _, empty, _ = render_email("handover_request", lang, {**base, "term_note": ""})
    _, with_note, html_with = render_email("handover_request", lang, {**base, "term_note": note})

    assert without == empty and note not in html_without
    assert "€ 183,12\n\n" in without and "\n\n\n" not in without
    assert f"€ 183,12\n\n{note}\n\n" in with_note
    assert f"<p>{note}</p>" in html_with


# --- the escalation as it really happened, the business greeting, our reference, bank transfer ---

PAYING_TEMPLATES = sorted(
    [*DEBTOR_FACING, "reminder_1", "reminder_2", "precollection_notice", "final_demand"],
)
STEP_FACTS = {
    "payment_url": PAYMENT_URL,
    "letter_follows": False,
    "costs_reason": "",
    "final_term_last_day": "17 december 2026",
    "principal": "€ 140,00",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", PAYING_TEMPLATES)
def test_every_debtor_email_offers_a_bank_transfer_and_labels_the_reference_as_ours(
    template: str, lang: str
) -> None:
    _, text, html = render(template, lang, **{**STEP_FACTS, **ALL.get(template, {})})
    transfer = "NL91ABNA0417164300 ten name van VV De Meeuwen, onder vermelding van 10023"
    if lang == "en":
        transfer = "NL91ABNA0417164300 in the name of VV De Meeuwen, quoting 10023"
    assert transfer in text and "NL91ABNA0417164300" in html
    assert ("Ons kenmerk: 10023" if lang == "nl" else "Our reference: 10023") in text
    assert "Uw kenmerk" not in text + html and "Your reference" not in text + html
    # Without an IBAN on file the sentence is left out, not printed half.
    _, text, html = render(template, lang, **{**STEP_FACTS, **ALL.get(template, {})}, iban="")
    assert "NL91" not in text and "overmaken" not in text and "bank transfer" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", PAYING_TEMPLATES)
def test_a_business_is_greeted_as_a_company_and_a_consumer_by_name(template: str, lang: str) -> None:
    extra = {**STEP_FACTS, **ALL.get(template, {})}
    _, text, html = render(template, lang, business=True, debtor_name="Bakkerij Smit B.V.", **extra)
    greeting = "Geachte heer/mevrouw," if lang == "nl" else "Dear Sir or Madam,"
    assert text.startswith(greeting) and f"<p>{greeting}</p>" in html
    assert "Beste Bakkerij" not in text and "Dear Bakkerij" not in text
    _, text, _ = render(template, lang, **extra)
    assert text.startswith("Beste Jan de Vries," if lang == "nl" else "Dear Jan de Vries,")


def test_the_second_message_counts_what_was_really_sent_and_the_real_days() -> None:
    # After the pre-collection notice (the client's first step), ten days before: no
    # "second reminder" and no "a week ago".
    after_notice = {**STEP_FACTS, "last_kind": "precollection_notice", "days_since_last": 10}
    subject, text, html = render("reminder_2", "nl", **after_notice, last_sent_on="18 december 2026")
    assert subject.startswith("Herinnering: ")
    assert "Op 18 december 2026, 10 dagen geleden, stuurden wij u een vooraankondiging van incasso." in text
    assert "Een week geleden" not in text and "Tweede" not in text + html
    # After one ordinary reminder it is the second one.
    subject, text, _ = render("reminder_2", "nl", **STEP_FACTS)
    assert subject.startswith("Tweede herinnering: ")
    assert "Op 26 november 2026, 7 dagen geleden, stuurden wij u een herinnering." in text
    subject, text, _ = render("reminder_2", "en", **after_notice, last_sent_on="18 December 2026")
    assert subject.startswith("Reminder: ")
    assert "On 18 December 2026, 10 days ago, we sent you a notice of collection." in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_reminder_sent_with_the_14_day_letter_follows_the_letters_term(lang: str) -> None:
    _, text, html = render("reminder_2", lang, **{**STEP_FACTS, "letter_follows": True})
    assert ("nu te betalen" if lang == "nl" else "pay this amount now") not in text + html
    assert ("brief per post" if lang == "nl" else "letter by post") in text and PAYMENT_URL in text
    _, text, _ = render("reminder_2", lang, **STEP_FACTS)
    assert ("nu te betalen" if lang == "nl" else "pay this amount now") in text


def test_the_handover_request_says_what_the_debtor_really_got() -> None:
    history = [
        {"on": "7 december 2026", "kind": "precollection_notice", "channels": ["email", "letter"]},
        {"on": "14 december 2026", "kind": "reminder", "channels": ["sms"]},
        {"on": "22 december 2026", "kind": "final_demand", "channels": ["letter"]},
    ]
    base = facts("handover_request", decision_url=DECISION_URL, term_note="", history=history)
    _, text, html = render_email("handover_request", "nl", base)
    assert "twee herinneringen" not in text
    assert "- 7 december 2026: een vooraankondiging van incasso per e-mail en brief\n" in text
    assert "- 14 december 2026: een herinnering per sms\n" in text
    assert "- 22 december 2026: een laatste aanmaning per brief\n" in text
    assert "<li>22 december 2026: een laatste aanmaning per brief</li>" in html
    _, text, _ = render_email("handover_request", "en", {**base, "history": []})
    assert "We could not send this debtor anything yet" in text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", sorted(DEBTOR_FACING))
def test_a_client_name_ending_in_a_full_stop_gets_no_second_one(template: str, lang: str) -> None:
    _, text, html = render(template, lang, client_name="Groothandel Peeters B.V.")

    assert "Groothandel Peeters B.V." in text
    assert "B.V.." not in text and "B.V.." not in html
