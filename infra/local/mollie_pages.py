"""HTML pages of the Mollie emulator: test-mode checkout, payment-link notices and the admin overview.

Kept apart from the API logic so the emulator module stays about Mollie's API behaviour.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CHECKOUT_CHOICES: tuple[tuple[str, str], ...] = (
    ("paid", "Paid"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
    ("expired", "Expired"),
    ("open", "Open (leave the payment open)"),
)

_STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;background:#f4f5f7;margin:0;color:#0e1521}
.bar{background:#ffb100;color:#0e1521;text-align:center;font-weight:600;padding:6px;font-size:13px}
.card{max-width:440px;margin:40px auto;background:#fff;border-radius:10px;padding:28px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
.wide{max-width:1100px}
.merchant{color:#6b7280;font-size:14px}.amount{font-size:32px;font-weight:700;margin:8px 0}
label{display:block;padding:10px;border:1px solid #e5e7eb;border-radius:6px;margin:6px 0;cursor:pointer}
button{background:#0077ff;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:15px;
cursor:pointer}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #eee;padding:6px;text-align:left}
form.inline{display:inline}form.inline button{padding:3px 8px;font-size:12px;background:#d9363e}
"""


def format_eur_nl(cents: int) -> str:
    """Dutch notation as shown on Mollie's NL checkout: '€ 1.234,56'."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}€ {euros:,}".replace(",", ".") + f",{rest:02d}"


def _document(title: str, body: str, *, test_mode: bool = True) -> str:
    bar = '<div class="bar">TEST MODE</div>' if test_mode else ""
    return (
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{bar}{body}</body></html>"
    )


def checkout_page(
    *, payment_id: str, merchant: str, amount_cents: int, description: str, test_mode: bool
) -> str:
    choices = "".join(
        f"<label><input type='radio' name='status' value='{value}'{' checked' if value == 'paid' else ''}>"
        f" {html.escape(label)}</label>"
        for value, label in CHECKOUT_CHOICES
    )
    body = (
        "<div class='card'>"
        f"<div class='merchant'>{html.escape(merchant)}</div>"
        f"<div class='amount'>{html.escape(format_eur_nl(amount_cents))}</div>"
        f"<p>{html.escape(description)}</p>"
        f"<p class='merchant'>Payment {html.escape(payment_id)} — select the payment status to simulate:</p>"
        f"<form method='post' action='/checkout/{html.escape(payment_id)}'>{choices}"
        "<p><button type='submit'>Continue</button></p></form></div>"
    )
    return _document(f"Checkout {merchant}", body, test_mode=test_mode)


def notice_page(title: str, message: str) -> str:
    body = f"<div class='card'><h2>{html.escape(title)}</h2><p>{html.escape(message)}</p></div>"
    return _document(title, body, test_mode=False)


@dataclass(frozen=True)
class AdminPaymentRow:
    payment_id: str
    created_at: str
    amount_cents: int
    description: str
    status: str
    checkout_href: str | None
    refunded_cents: int
    charged_back_cents: int
    payment_link_id: str | None


@dataclass(frozen=True)
class AdminLinkRow:
    link_id: str
    amount_cents: int
    description: str
    href: str
    paid: bool


@dataclass(frozen=True)
class AdminAccount:
    name: str
    api_key_hint: str
    profile_id: str
    payments: Sequence[AdminPaymentRow]
    links: Sequence[AdminLinkRow]


def _payment_row(row: AdminPaymentRow) -> str:
    pid = html.escape(row.payment_id)
    checkout = f"<a href='{html.escape(row.checkout_href)}'>checkout</a>" if row.checkout_href else ""
    chargeback = (
        f"<form class='inline' method='post' action='/admin/payments/{pid}/chargeback'>"
        "<button type='submit'>chargeback</button></form>"
        if row.status == "paid" and row.charged_back_cents == 0
        else ""
    )
    extra = []
    if row.refunded_cents:
        extra.append(f"refunded {format_eur_nl(row.refunded_cents)}")
    if row.charged_back_cents:
        extra.append(f"charged back {format_eur_nl(row.charged_back_cents)}")
    if row.payment_link_id:
        extra.append(f"via {row.payment_link_id}")
    return (
        f"<tr id='{pid}'><td>{pid}</td><td>{html.escape(row.created_at)}</td>"
        f"<td>{html.escape(format_eur_nl(row.amount_cents))}</td><td>{html.escape(row.description)}</td>"
        f"<td>{html.escape(row.status)}</td><td>{html.escape(', '.join(extra))}</td>"
        f"<td>{checkout} {chargeback}</td></tr>"
    )


def admin_page(accounts: Iterable[AdminAccount], webhook_lines: Sequence[str]) -> str:
    sections = []
    for account in accounts:
        rows = "".join(_payment_row(row) for row in account.payments) or "<tr><td colspan=7>none</td></tr>"
        links = "".join(
            f"<tr><td>{html.escape(link.link_id)}</td><td>{html.escape(format_eur_nl(link.amount_cents))}</td>"
            f"<td>{html.escape(link.description)}</td><td>{'paid' if link.paid else ''}</td>"
            f"<td><a href='{html.escape(link.href)}'>open link</a></td></tr>"
            for link in account.links
        )
        sections.append(
            f"<h2>{html.escape(account.name)}</h2>"
            f"<p class='merchant'>key {html.escape(account.api_key_hint)} · profile "
            f"{html.escape(account.profile_id)}</p>"
            "<table><tr><th>payment</th><th>created</th><th>amount</th><th>description</th>"
            f"<th>status</th><th></th><th></th></tr>{rows}</table>"
            + (f"<h3>Payment links</h3><table>{links}</table>" if links else "")
        )
    hooks = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in webhook_lines[-50:])
    body = (
        "<div class='card wide'><h1>Mollie emulator</h1>"
        "<form class='inline' method='post' action='/admin/expire-open'>"
        "<button type='submit'>expire all open payments</button></form>"
        + ("".join(sections) or "<p>No accounts yet.</p>")
        + f"<h2>Webhook deliveries</h2><ul>{hooks or '<li>none</li>'}</ul></div>"
    )
    return _document("Mollie emulator", body, test_mode=False)
