"""The debtor's own page: routes of a Chalice Blueprint that app.py registers.

GET  /p/<client>/<token>          the personal link: swapped for a session cookie, then 303 to the page
POST /p/<client>/<token>          an expired link's form: a fresh link to the address on file
GET  /p/<client>                  the page (needs the session cookie)
POST /p/<client>/do/<action>      pay, plan, dispute, language (CSRF token required), then 303
GET  /assets/page.css             the stylesheet

Every answer carries the security headers (web/responses.py). Plain forms and redirects: the page
works without JavaScript. The token is never logged and never in a URL after the first visit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from aws_lambda_powertools import Logger
from chalice.app import Blueprint, Response

from chalicelib import aws_events, bootstrap
from chalicelib.adapters import metrics
from chalicelib.domain.call_backs import call_back_rules, call_back_slots
from chalicelib.domain.contact_window import default_window
from chalicelib.domain.errors import (
    ConcurrentChange,
    DebtflowError,
    DossierNotFound,
    InvalidRequest,
    PaymentProviderUnavailable,
    TransitionNotAllowed,
    UnknownClient,
)
from chalicelib.domain.personal_links import PersonalLink
from chalicelib.domain.proofs import proof_rules
from chalicelib.services import debtor_page, dispute_proofs
from chalicelib.services.call_tasks import CallBackRefused, request_call_back
from chalicelib.services.personal_links import Visit, session_link, visit_with_token
from chalicelib.web import forms, pages, signing
from chalicelib.web.debtor_view import REASONS, call_back_view, creditor_of, debtor_view
from chalicelib.web.responses import asset, cookie, page, redirect

debtor_pages = Blueprint(__name__)
# The same logger as app.py (powertools shares one per service): one format, one level.
logger = Logger(service="debtflow")

TEXTS = "debtor"
SESSION_COOKIE = "dfs"
CSRF_COOKIE = "dfc"
LANGUAGE_COOKIE = "dfl"
SESSION_LENGTH = timedelta(hours=8)
YEAR = 365 * 24 * 3600
NOTICES = ("paying", "plan_agreed", "plan_sent", "dispute_sent", "proof_sent", "callback_sent")
# Where Mollie's hosted checkout lives (the pay form is redirected there).
MOLLIE_CHECKOUT = "https://www.mollie.com"
ERROR_PAGE_STATUS: dict[type[DebtflowError], int] = {
    UnknownClient: 404,
    DossierNotFound: 404,
    TransitionNotAllowed: 409,
    ConcurrentChange: 503,
    PaymentProviderUnavailable: 503,
    InvalidRequest: 400,
}


def _root() -> str:
    return pages.api_root()


def _request() -> Any:
    return debtor_pages.current_request


def _cookies() -> dict[str, str]:
    return forms.cookies(_request())


def _language() -> str:
    return pages.language(_cookies().get(LANGUAGE_COOKIE))


def _source() -> str:
    context = getattr(_request(), "context", None) or {}
    identity = context.get("identity") if isinstance(context, dict) else None
    return str((identity or {}).get("sourceIp") or "unknown")


def _client_path(client_id: str) -> str:
    return f"{_root()}/p/{client_id}"


def _public_page_url(client_id: str, query: str) -> str:
    public = urlparse(bootstrap.settings().public_api_url)
    return f"{public.scheme}://{public.netloc}{_client_path(client_id)}?{query}"


def _origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _checkout_origin() -> str:
    """Mollie's checkout; on the local stack and in tests the emulator's own address."""
    endpoint = bootstrap.settings().mollie_api_endpoint
    return _origin(endpoint) if endpoint else MOLLIE_CHECKOUT


def _csrf(client_id: str) -> tuple[str, list[str]]:
    """The form token for this visitor, and the cookie to set when the visitor has none yet."""
    secret = _cookies().get(CSRF_COOKIE)
    set_cookies: list[str] = []
    if not secret:
        secret = signing.new_csrf_secret()
        set_cookies.append(cookie(CSRF_COOKIE, secret, max_age=YEAR, path=_client_path(client_id)))
    return signing.csrf_token(bootstrap.page_signing_key(), secret), set_cookies


def _notice_page(heading: str, text: str, status: int) -> Response:
    lang = _language()
    t = pages.texts(TEXTS)[pages.language(lang)]
    return page(
        pages.render("notice.html", lang, TEXTS, root=_root(), heading=t[heading], text=t[text]), status
    )


def not_found() -> Response:
    return _notice_page("not_found_title", "not_found_text", 404)


def answers_with_pages(view: Callable[..., Response]) -> Callable[..., Response]:
    """Domain errors become a page with the same headers, never a 500 or a JSON body."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            with metrics.published():
                return view(*args, **kwargs)
        except DebtflowError as error:
            status = next((ERROR_PAGE_STATUS[t] for t in type(error).__mro__ if t in ERROR_PAGE_STATUS), 400)
            if status == 404:
                return not_found()
            logger.info("debtor page refused", extra={"status": status, "error": type(error).__name__})
            return _notice_page("forbidden_title", "error", status)

    return wrapped


@debtor_pages.route("/assets/page.css", methods=["GET"])
def stylesheet() -> Response:
    return asset(pages.stylesheet(), "text/css; charset=utf-8")


def _valid_client(client_id: str) -> bool:
    try:
        aws_events.valid_client_id(client_id)
    except InvalidRequest:
        return False
    return True


@debtor_pages.route("/p/{client_id}/{token}", methods=["GET"])
@answers_with_pages
def open_personal_link(client_id: str, token: str) -> Response:
    if not _valid_client(client_id):
        return not_found()
    now = bootstrap.now()
    result = visit_with_token(
        client_id,
        token,
        _source(),
        now,
        store=bootstrap.personal_link_store(),
        counter=bootstrap.bad_token_counter(),
    )
    # The outcome and the client only: never the token, its hash or the source address.
    logger.info("personal link visit", extra={"client_id": client_id, "outcome": result.outcome.value})
    if result.outcome is Visit.THROTTLED:
        return _notice_page("too_many_title", "too_many_text", 429)
    if result.outcome is Visit.NOT_FOUND or result.link is None:
        return not_found()
    if result.outcome is Visit.EXPIRED:
        return _expired_page(client_id, token, sent=False, status=410)
    expires = min(result.link.expires_at, now + SESSION_LENGTH)
    session = signing.sign(bootstrap.page_signing_key(), f"session:{client_id}", result.digest, expires)
    path = _client_path(client_id)
    cookies = [cookie(SESSION_COOKIE, session, max_age=int((expires - now).total_seconds()), path=path)]
    if not _cookies().get(CSRF_COOKIE):
        cookies.append(cookie(CSRF_COOKIE, signing.new_csrf_secret(), max_age=YEAR, path=path))
    return redirect(path, cookies)


def _expired_page(client_id: str, token: str, *, sent: bool, status: int) -> Response:
    csrf, cookies = _csrf(client_id)
    lang = _language()
    body = pages.render(
        "expired.html",
        lang,
        TEXTS,
        root=_root(),
        sent=sent,
        csrf=csrf,
        action=f"{_client_path(client_id)}/{token}",
    )
    return page(body, status, cookies)


@debtor_pages.route(
    "/p/{client_id}/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"]
)
@answers_with_pages
def ask_fresh_link(client_id: str, token: str) -> Response:
    if not _valid_client(client_id):
        return not_found()
    now = bootstrap.now()
    if bootstrap.bad_token_counter().current(_source(), now) >= 5:
        return _notice_page("too_many_title", "too_many_text", 429)
    fields = forms.form_fields(_request())
    if not signing.csrf_valid(
        bootstrap.page_signing_key(), _cookies().get(CSRF_COOKIE), forms.first(fields, "csrf")
    ):
        return _notice_page("forbidden_title", "forbidden_text", 403)
    email = forms.first(fields, "email")[:254]
    sent = debtor_page.send_fresh_link(client_id, token, email, now, bootstrap.action_deps())
    if not sent:
        # Counted as a failed try, so the form cannot be used to test addresses quickly.
        bootstrap.bad_token_counter().add(_source(), now)
    logger.info("fresh link asked", extra={"client_id": client_id})
    # The same answer whether or not a message went out.
    return _expired_page(client_id, token, sent=True, status=200)


def _session(client_id: str) -> PersonalLink | None:
    if not _valid_client(client_id):
        return None
    now = bootstrap.now()
    value = _cookies().get(SESSION_COOKIE)
    if not value:
        return None
    digest = signing.unsign(bootstrap.page_signing_key(), f"session:{client_id}", value, now)
    if digest is None:
        return None
    return session_link(client_id, digest, now, bootstrap.personal_link_store())


@debtor_pages.route("/p/{client_id}", methods=["GET"])
@answers_with_pages
def show_page(client_id: str) -> Response:
    link = _session(client_id)
    if link is None:
        return not_found()
    client = bootstrap.page_clients().get(client_id)
    dossier = bootstrap.dossier_repository().get(client_id, link.debtor_id)
    if client is None or dossier is None:
        return not_found()
    params = getattr(_request(), "query_params", None) or {}
    if "key" in params or "bucket" in params:
        # S3 sends the browser back with the bucket and the file's key appended: drop them.
        return redirect(f"{_client_path(client_id)}?done=proof_sent")
    lang = _language()
    texts = pages.texts(TEXTS)[lang]
    done = params.get("done")
    notice = texts[done].format(client=client.name) if done in NOTICES and done != "paying" else ""
    if done == "paying" and dossier.due_cents > 0:
        notice = texts["paying_text"]
    error = params.get("error") == "1"
    slot_refused = params.get("error") == "slot"
    csrf, cookies = _csrf(client_id)
    window = default_window()
    slots = call_back_slots(bootstrap.now(), window, call_back_rules())
    proof_forms = dispute_proofs.proof_forms(
        dossier, bootstrap.proof_uploads(), _public_page_url(client_id, "done=proof_sent")
    )
    form_targets = (_checkout_origin(), *(_origin(f.upload.url) for f in proof_forms[:1]))
    body = pages.render(
        "debtor.html",
        lang,
        TEXTS,
        root=_root(),
        base=_client_path(client_id),
        csrf=csrf,
        creditor=creditor_of(client),
        view=debtor_view(
            client, dossier, texts, lang, proof_forms, call_back_view(dossier, slots, window, texts, lang)
        ),
        reasons=REASONS,
        notice=notice,
        error=error,
        slot_refused=slot_refused,
        proof_size=format_megabytes(proof_rules().max_bytes),
    )
    return page(body, 200, cookies, form_targets)


def format_megabytes(size_bytes: int) -> str:
    return f"{size_bytes // (1024 * 1024)} MB"


@debtor_pages.route(
    "/p/{client_id}/do/{action}", methods=["POST"], content_types=["application/x-www-form-urlencoded"]
)
@answers_with_pages
def act(client_id: str, action: str) -> Response:
    link = _session(client_id)
    if link is None or action not in ACTIONS:
        return not_found()
    fields = forms.form_fields(_request())
    if not signing.csrf_valid(
        bootstrap.page_signing_key(), _cookies().get(CSRF_COOKIE), forms.first(fields, "csrf")
    ):
        return _notice_page("forbidden_title", "forbidden_text", 403)
    page_path = _client_path(client_id)
    try:
        return ACTIONS[action](client_id, link.debtor_id, fields, page_path)
    except InvalidRequest:
        # Back to the page with a message: a wrong choice is the visitor's to correct.
        return redirect(f"{page_path}?error=1")


def _pay(client_id: str, debtor_id: str, fields: dict[str, list[str]], page_path: str) -> Response:
    invoice = forms.first(fields, "invoice")[:100] or None
    public = urlparse(bootstrap.settings().public_api_url)
    return_url = f"{public.scheme}://{public.netloc}{page_path}?done=paying"
    checkout = debtor_page.checkout_for(
        client_id, debtor_id, invoice, bootstrap.now(), bootstrap.action_deps(), return_url=return_url
    )
    logger.info(
        "debtor page payment started", extra={"client_id": client_id, "one_invoice": invoice is not None}
    )
    return redirect(checkout)


def _pay_installment(
    client_id: str, debtor_id: str, fields: dict[str, list[str]], page_path: str
) -> Response:
    number = forms.first(fields, "installment")[:3]
    if not number.isdigit():
        raise InvalidRequest("choose an installment")
    checkout = debtor_page.checkout_for_installment(
        client_id,
        debtor_id,
        int(number),
        bootstrap.now(),
        bootstrap.action_deps(),
        return_url=_public_page_url(client_id, "done=paying"),
    )
    logger.info("debtor page installment payment started", extra={"client_id": client_id})
    return redirect(checkout)


AMOUNT = re.compile(r"(\d{1,6})(?:[.,](\d{1,2}))?")


def euros_to_cents(text: str) -> int | None:
    """`50`, `50,00`, `€ 49.50` -> cents; empty -> None; anything else is refused."""
    cleaned = text.replace("€", "").replace(" ", "")
    if not cleaned:
        return None
    match = AMOUNT.fullmatch(cleaned)
    if match is None:
        raise InvalidRequest("the monthly amount is not an amount in euros")
    euros, cents = match.group(1), (match.group(2) or "0").ljust(2, "0")
    return int(euros) * 100 + int(cents)


def _plan(client_id: str, debtor_id: str, fields: dict[str, list[str]], page_path: str) -> Response:
    count_text = forms.first(fields, "installments")
    monthly = euros_to_cents(forms.first(fields, "monthly")[:12])
    if count_text:
        if not count_text.isdigit():
            raise InvalidRequest("the number of installments is not a number")
        proposal = debtor_page.PlanProposal(installments=int(count_text))
    else:
        proposal = debtor_page.PlanProposal(monthly_cents=monthly)
    outcome = debtor_page.propose_arrangement(
        client_id, debtor_id, proposal, bootstrap.now(), bootstrap.action_deps()
    )
    logger.info("debtor proposed a plan", extra={"client_id": client_id, "outcome": outcome.value})
    done = "plan_agreed" if outcome is debtor_page.Proposal.AGREED else "plan_sent"
    return redirect(f"{page_path}?done={done}")


def _dispute(client_id: str, debtor_id: str, fields: dict[str, list[str]], page_path: str) -> Response:
    invoices = tuple(dict.fromkeys(n.strip()[:100] for n in fields.get("invoice", []) if n.strip()))
    debtor_page.dispute_invoices(
        client_id,
        debtor_id,
        invoices[:100],
        forms.first(fields, "reason"),
        forms.first(fields, "note"),
        bootstrap.now(),
        bootstrap.action_deps(),
    )
    logger.info("debtor disputed", extra={"client_id": client_id, "invoices": len(invoices)})
    return redirect(f"{page_path}?done=dispute_sent")


def _call_back(client_id: str, debtor_id: str, fields: dict[str, list[str]], page_path: str) -> Response:
    try:
        request_call_back(
            client_id, debtor_id, forms.first(fields, "slot")[:40], bootstrap.now(), bootstrap.action_deps()
        )
    except CallBackRefused:
        return redirect(f"{page_path}?error=slot#call-back")
    logger.info("debtor asked for a call back", extra={"client_id": client_id})
    return redirect(f"{page_path}?done=callback_sent")


def _switch_language(
    client_id: str, debtor_id: str, fields: dict[str, list[str]], page_path: str
) -> Response:
    lang = pages.language(forms.first(fields, "lang"))
    return redirect(page_path, [cookie(LANGUAGE_COOKIE, lang, max_age=YEAR, path=page_path)])


ACTIONS: dict[str, Callable[[str, str, dict[str, list[str]], str], Response]] = {
    "pay": _pay,
    "pay-installment": _pay_installment,
    "plan": _plan,
    "dispute": _dispute,
    "call-back": _call_back,
    "language": _switch_language,
}
