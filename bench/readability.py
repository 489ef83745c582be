"""Flesch-Douma scores (textstat's Dutch Flesch Reading Ease) of every Dutch text we show: the
debtor's pages and every message template, rendered with realistic facts. Links are left out
(a URL is not prose)."""

from __future__ import annotations

import html
import re
from typing import Any

from chalicelib.domain.dossier import DisputeReason
from chalicelib.services.templates import TEMPLATES_DIR, render_email, render_text
from chalicelib.web import pages
from chalicelib.web.debtor_view import Creditor, DebtorView, InstallmentLine, InvoiceLine

MINIMUM = 60.0

FACTS: dict[str, Any] = {
    "client_name": "VV De Meeuwen",
    "debtor_name": "Jan de Vries",
    "reference": "10023",
    "invoices": [
        {
            "number": "F-2026-041",
            "invoice_date": "01-09-2026",
            "due_date": "01-10-2026",
            "amount": "€ 120,00",
            "open": "€ 120,00",
        },
        {
            "number": "F-2026-044",
            "invoice_date": "08-09-2026",
            "due_date": "08-10-2026",
            "amount": "€ 20,00",
            "open": "€ 20,00",
        },
    ],
    "costs": "€ 40,00",
    "interest": "€ 3,12",
    "total": "€ 183,12",
    "reply_to": "penningmeester@demeeuwen.nl",
    "iban": "NL91ABNA0417164300",
    "payment_url": "https://pay.example/pl_1",
    "page_url": "https://api.example/p/club/token",
    "decision_url": "https://api.example/clients/club/dossiers/10023",
    "letter_follows": True,
    "costs_reason": "",
    "term_note": "",
    "installments": [{"number": 1, "due_date": "1 december 2026", "amount": "€ 61,04"}],
    "arrangement_total": "€ 183,12",
    "first_payment_url": "",
    "misses_allowed": 1,
    "grace_days": 3,
    "installment_number": 1,
    "installments_total": 3,
    "installment_amount": "€ 61,04",
    "installment_due_date": "1 december 2026",
    "last_chance": False,
    "disputed_invoices": [
        {
            "number": "F-2026-041",
            "invoice_date": "",
            "due_date": "01-10-2026",
            "amount": "€ 120,00",
            "open": "€ 120,00",
        }
    ],
    "reason_text": "het bedrag klopt niet",
    "note": "",
    "decide_by": "9 december 2026",
    "still_chased": True,
    "copy_invoices": [],
    "new_due_date": "16 december 2026",
    "attached": True,
    "paid": "€ 60,00",
    "back_to_decision": False,
    "asked_on": "1 december 2026",
    "reminders_left": 1,
    "installments_asked": 12,
    "monthly": "€ 15,26",
    "rule": "",
    "term_wording": "binnen 14 dagen na de dag van ontvangst van deze brief",
    "letter_invoices": [{"number": "F-2026-041", "due_date": "01-10-2026", "open": "€ 120,00"}],
    "letter_total": "€ 140,00",
    "letter_costs": "€ 40,00",
    "letter_vat": "",
    # A consumer greeted by name, and what was sent before (message_content.history_facts).
    "business": False,
    "reminders_before": 1,
    "last_sent_on": "24 november 2026",
    "days_since_last": 7,
    "last_kind": "reminder",
    "history": [{"on": "24 november 2026", "kind": "reminder", "channels": ["email"]}],
    # A final demand's term (services/dossier_actions.py).
    "principal": "€ 140,00",
    "final_term_last_day": "17 december 2026",
    # One e-mail to a household's payer (message_content.household_email).
    "payer_name": "Marieke de Vries",
    "member_names": "Jan de Vries en Lotte de Vries",
    "members": [
        {
            "line": "Jan de Vries (team JO11-2)",
            "invoices": [{"number": "F-2026-041", "due_date": "01-10-2026", "open": "€ 120,00"}],
            "charges": "",
            "reversal_lines": [],
        }
    ],
    "references": "10023, 10024",
    # The client's daily digest (services/daily_digest.py).
    "day": "7 december 2026",
    "waiting_count": 2,
    "links": {
        "overview": "https://app.example/c",
        "dossiers": "https://app.example/c/d",
        "uploads": "https://app.example/c/u",
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
                    "amount": "€ 140,00",
                    "url": "https://app.example/d",
                },
                {
                    "label": "Lotte de Vries",
                    "debtor_id": "10024",
                    "amount": "€ 60,00",
                    "url": "https://app.example/d",
                },
            ],
        }
    ],
}


def prose(text: str) -> str:
    """What a reader reads: no tags, no links, no e-mail addresses."""
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"https?://\S+|\S+@\S+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def flesch_douma(text: str) -> float:
    import textstat

    textstat.set_lang("nl")
    return float(textstat.flesch_reading_ease(prose(text)))


def _sample_view() -> DebtorView:
    return DebtorView(
        reference="10023",
        invoices=(
            InvoiceLine("F-2026-041", "1 oktober 2026", "€ 120,00"),
            InvoiceLine("F-2026-044", "8 oktober 2026", "€ 20,00"),
        ),
        disputed=(InvoiceLine("F-2026-039", "20 september 2026", "€ 35,00"),),
        costs="€ 40,00",
        interest="€ 3,12",
        total="€ 183,12",
        nothing_due=False,
        next_text=pages.texts("debtor")["nl"]["next_reminder"].format(date="9 december 2026"),
        may_plan=True,
        plan_choices=(2, 3, 4),
        installments=(InstallmentLine(1, "1 december 2026", "€ 61,04", False),),
    )


def page_texts() -> dict[str, str]:
    t = pages.texts("debtor")["nl"]
    creditor = Creditor("VV De Meeuwen", "penningmeester@demeeuwen.nl", ("Sportlaan 1", "1234 AB Utrecht"))
    rendered = {
        "page:debtor": pages.render(
            "debtor.html",
            "nl",
            "debtor",
            base="/p/club",
            csrf="x",
            creditor=creditor,
            view=_sample_view(),
            reasons=tuple(r.value for r in DisputeReason),
            notice=t["plan_agreed"],
            error=False,
            root="",
        ),
        "page:expired": pages.render(
            "expired.html", "nl", "debtor", root="", sent=False, csrf="x", action="/"
        ),
        "page:fresh_link_sent": pages.render(
            "expired.html", "nl", "debtor", root="", sent=True, csrf="x", action="/"
        ),
    }
    for heading, text in (
        ("not_found_title", "not_found_text"),
        ("too_many_title", "too_many_text"),
        ("forbidden_title", "forbidden_text"),
    ):
        rendered[f"page:{heading.removesuffix('_title')}"] = pages.render(
            "notice.html", "nl", "debtor", root="", heading=t[heading], text=t[text]
        )
    # The client's dashboard: its sentences (what a treasurer reads as text, not the table labels).
    dashboard = pages.texts("dashboard")["nl"]
    rendered["page:dashboard"] = " ".join(
        text.format(status="Betaald", date="9 december 2026", role="eigenaar", days=30, count=5)
        for text in dashboard.values()
        if text.endswith(".")
    )
    return rendered


def message_texts() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((TEMPLATES_DIR / "email" / "nl").glob("*.txt")):
        subject, text, _ = render_email(path.stem, "nl", FACTS)
        found[f"email:{path.stem}"] = f"{subject}. {text}"
    for kind in ("sms", "letter"):
        for path in sorted((TEMPLATES_DIR / kind / "nl").glob("*.txt")):
            subject, text = render_text(kind, path.stem, "nl", FACTS)
            found[f"{kind}:{path.stem}"] = f"{subject}. {text}" if subject else text
    return found


def dutch_scores() -> dict[str, float]:
    return {name: flesch_douma(text) for name, text in {**page_texts(), **message_texts()}.items()}


def main() -> None:
    scores = dutch_scores()
    print(f"Flesch-Douma (B1 needs >= {MINIMUM:.0f}):")
    for name, score in sorted(scores.items()):
        print(f"  {name:36} {score:6.1f}{'' if score >= MINIMUM else '  < minimum'}")


if __name__ == "__main__":
    main()
