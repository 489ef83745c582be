"""The client's dashboard as pages: routes of a Chalice Blueprint that app.py registers.

GET  /dashboard/login                              the sign-in form
POST /dashboard/login                              e-mail + password -> Cognito -> login cookie, 303
POST /dashboard/logout                             forget the login cookie, 303 to the sign-in form
POST /dashboard/language                           nl/en, 303 back
GET  /dashboard                                    303 to the signed-in user's own overview
GET  /dashboard/{client_id}                        overview (counters: one read)
GET  /dashboard/{client_id}/dossiers               list: filters, search, pages
GET  /dashboard/{client_id}/dossiers/{debtor_id}   one dossier: money, timeline, audit, decisions
POST /dashboard/{client_id}/dossiers/{debtor_id}/{action}   a decision (owners), 303 back

The client id is in the path so a page can be bookmarked and shared inside the client; it must
be the client of the verified login, otherwise the page answers 404 like an unknown one. The
login is the Cognito ID token itself in an HttpOnly cookie, verified on every request by the
same verifier as the API's Bearer tokens (routes/client_api.py): an expired or forged one sends
the browser back to the sign-in form. Plain forms with a signed CSRF token, post-redirect-get:
no JavaScript.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import jwt
from aws_lambda_powertools import Logger
from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.adapters import metrics
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import (
    ConcurrentChange,
    DebtflowError,
    DossierNotFound,
    InvalidRequest,
    NotAllowed,
    NotSignedIn,
    TransitionNotAllowed,
    UnknownClient,
)
from chalicelib.domain.schedule import local_day
from chalicelib.routes.client_api import LOGIN_COOKIE, caller_of_request, caller_of_token
from chalicelib.web import forms, pages, signing
from chalicelib.web.dashboard_decisions import ACTIONS
from chalicelib.web.dashboard_view import (
    FILTER_NAMES,
    dossier_view,
    list_filters_view,
    list_rows,
    overview_view,
)
from chalicelib.web.responses import cookie, page, redirect

dashboard_pages = Blueprint(__name__)
logger = Logger(service="debtflow")

TEXTS = "dashboard"
CSRF_COOKIE = "dfdc"
LANGUAGE_COOKIE = "dfdl"
YEAR = 365 * 24 * 3600
NOT_FOUND = (UnknownClient, DossierNotFound)
# A decision the dossier cannot take now goes back to the page with a message to correct.
REFUSED = (InvalidRequest, TransitionNotAllowed, ConcurrentChange)


class _SignInAgain(Exception):
    """No valid login on a page: the browser goes to the sign-in form."""


def _request() -> Any:
    return dashboard_pages.current_request


def _cookies() -> dict[str, str]:
    return forms.cookies(_request())


def _lang() -> str:
    return pages.language(_cookies().get(LANGUAGE_COOKIE))


def _texts() -> dict[str, str]:
    return pages.texts(TEXTS)[_lang()]


def _home() -> str:
    return f"{pages.api_root()}/dashboard"


def _csrf() -> tuple[str, list[str]]:
    """The form token for this browser, and the cookie to set when it has none yet."""
    secret = _cookies().get(CSRF_COOKIE)
    set_cookies: list[str] = []
    if not secret:
        secret = signing.new_csrf_secret()
        set_cookies.append(cookie(CSRF_COOKIE, secret, max_age=YEAR, path=_home()))
    return signing.csrf_token(bootstrap.page_signing_key(), secret), set_cookies


def _csrf_ok(fields: dict[str, list[str]]) -> bool:
    return signing.csrf_valid(
        bootstrap.page_signing_key(), _cookies().get(CSRF_COOKIE), forms.first(fields, "csrf")
    )


def _render(template: str, status: int = 200, *, back: str | None = None, **context: Any) -> Response:
    csrf, cookies = _csrf()
    body = pages.render(
        template,
        _lang(),
        TEXTS,
        root=pages.api_root(),
        home=_home(),
        csrf=csrf,
        here=back or _here(),
        **context,
    )
    return page(body, status, cookies)


def _here() -> str:
    """This page's path and query, for the language form to come back to."""
    from urllib.parse import urlencode

    request = _request()
    # Chalice gives the route's template (`/dashboard/{client_id}`) and its parameters apart.
    path = request.path if request is not None else "/dashboard"
    for name, value in (getattr(request, "uri_params", None) or {}).items():
        path = path.replace("{" + name + "}", value)
    params = getattr(request, "query_params", None) or {}
    query = f"?{urlencode(params)}" if params else ""
    return _safe_back(f"{pages.api_root()}{path}{query}")


def _safe_back(target: str) -> str:
    """Only a path of the dashboard itself: never another site (an open redirect)."""
    home = _home()
    if target == home or (target.startswith(f"{home}/") and "//" not in target and "\\" not in target):
        return target
    return home


def _notice(heading: str, text: str, status: int, caller: Caller | None = None) -> Response:
    t = _texts()
    # The same page whichever address was refused: it tells nothing about what exists there.
    return _render(
        "dashboard_notice.html",
        status,
        back=_home(),
        heading=t[heading],
        text=t[text],
        caller=caller,
        base="",
    )


def shows_pages(view: Callable[..., Response]) -> Callable[..., Response]:
    """Domain errors as pages with the same headers, never a 500 or a JSON body; no login: the
    sign-in form."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            with metrics.published():
                return view(*args, **kwargs)
        except _SignInAgain:
            again = "?again=1" if _cookies().get(LOGIN_COOKIE) else ""
            # The stale cookie goes too, so the sign-in form does not loop.
            return redirect(f"{_home()}/login{again}", [_login_cookie("", 0)])
        except NOT_FOUND:
            return _notice("not_found_title", "not_found_text", 404)
        except NotAllowed:
            return _notice("forbidden_title", "viewer_forbidden", 403)
        except DebtflowError as error:
            logger.info("dashboard page refused", extra={"error": type(error).__name__})
            status = 400 if isinstance(error, InvalidRequest) else 409
            return _notice("error_title", "action_refused", status)

    return wrapped


def _login_cookie(token: str, max_age: int) -> str:
    return cookie(LOGIN_COOKIE, token, max_age=max_age, path=f"{pages.api_root()}/")


def _caller() -> Caller:
    try:
        return caller_of_request(_request())
    except NotSignedIn as error:
        raise _SignInAgain from error


def _own(client_id: str) -> Caller:
    """The signed-in user, if the path names their own client; 404 otherwise, as for an unknown one."""
    caller = _caller()
    if client_id != caller.client_id:
        raise UnknownClient(client_id)
    return caller


# --- signing in and out ------------------------------------------------------------------------


@dashboard_pages.route("/dashboard/login", methods=["GET"])
@shows_pages
def login_form() -> Response:
    params = getattr(_request(), "query_params", None) or {}
    return _render(
        "dashboard_login.html", caller=None, base="", failed=False, again=params.get("again") == "1"
    )


@dashboard_pages.route(
    "/dashboard/login", methods=["POST"], content_types=["application/x-www-form-urlencoded"]
)
@shows_pages
def login() -> Response:
    fields = forms.form_fields(_request())
    if not _csrf_ok(fields):
        return _notice("forbidden_title", "forbidden_text", 403)
    email = forms.first(fields, "email")[:254]
    password = (fields.get("password") or [""])[0][:256]
    token = bootstrap.sign_in().id_token(email, password)
    try:
        # Checked like every later request: a user of no client or role opens nothing.
        caller = caller_of_token(token) if token else None
    except NotSignedIn:
        caller = None
    if token is None or caller is None:
        logger.info("dashboard sign-in refused")
        return _render("dashboard_login.html", 401, caller=None, base="", failed=True, again=False)
    # The cookie lives as long as the token it holds; the token's expiry is checked on every
    # request against the real time, as the verifier does.
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    max_age = max(int(expires - time.time()), 0)
    logger.info("dashboard signed in", extra={"client_id": caller.client_id, "role": caller.role.value})
    return redirect(f"{_home()}/{caller.client_id}", [_login_cookie(token, max_age)])


@dashboard_pages.route(
    "/dashboard/logout", methods=["POST"], content_types=["application/x-www-form-urlencoded"]
)
@shows_pages
def logout() -> Response:
    if not _csrf_ok(forms.form_fields(_request())):
        return _notice("forbidden_title", "forbidden_text", 403)
    return redirect(f"{_home()}/login", [_login_cookie("", 0)])


@dashboard_pages.route(
    "/dashboard/language", methods=["POST"], content_types=["application/x-www-form-urlencoded"]
)
@shows_pages
def switch_language() -> Response:
    fields = forms.form_fields(_request())
    if not _csrf_ok(fields):
        return _notice("forbidden_title", "forbidden_text", 403)
    lang = pages.language(forms.first(fields, "lang"))
    back = _safe_back(forms.first(fields, "back")[:2000])
    return redirect(back, [cookie(LANGUAGE_COOKIE, lang, max_age=YEAR, path=_home())])


@dashboard_pages.route("/dashboard", methods=["GET"])
@shows_pages
def start() -> Response:
    return redirect(f"{_home()}/{_caller().client_id}")


# --- reading -----------------------------------------------------------------------------------


@dashboard_pages.route("/dashboard/{client_id}", methods=["GET"])
@shows_pages
def overview_page(client_id: str) -> Response:
    from chalicelib.services.client_dashboard import overview
    from chalicelib.services.daily_digest import unposted_letters

    caller = _own(client_id)
    summary = overview(client_id, local_day(bootstrap.now()), bootstrap.client_views())
    base = f"{_home()}/{client_id}"
    letters = sorted(unposted_letters(client_id, bootstrap.file_store()), key=lambda u: u.handed_over_on)
    view = overview_view(summary, _texts(), _lang(), base, [u.debtor_id for u in letters])
    return _render("dashboard_overview.html", caller=caller, base=base, view=view)


@dashboard_pages.route("/dashboard/{client_id}/dossiers", methods=["GET"])
@shows_pages
def list_page(client_id: str) -> Response:
    from chalicelib.services.client_dashboard import dossier_list

    caller = _own(client_id)
    given = getattr(_request(), "query_params", None) or {}
    chosen = {name: given[name] for name in FILTER_NAMES if given.get(name)}
    params = {**chosen, **({"page": given["page"]} if given.get("page") else {})}
    found = dossier_list(client_id, params, local_day(bootstrap.now()), bootstrap.client_views())
    base = f"{_home()}/{client_id}"
    t = _texts()
    next_link = ""
    if found["next_page"]:
        from urllib.parse import urlencode

        next_link = f"{base}/dossiers?{urlencode({**chosen, 'page': found['next_page']})}"
    return _render(
        "dashboard_list.html",
        caller=caller,
        base=base,
        query=chosen.get("q", ""),
        filters=list_filters_view(chosen, t),
        rows=list_rows(found["dossiers"], t, _lang(), base),
        next_link=next_link,
        paged="page" in params,
        filtered=bool(chosen),
    )


@dashboard_pages.route("/dashboard/{client_id}/dossiers/{debtor_id}", methods=["GET"])
@shows_pages
def dossier_page(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.client_dashboard import dossier_detail

    caller = _own(client_id)
    detail = dossier_detail(caller, debtor_id, bootstrap.dossier_repository(), bootstrap.file_store())
    t = _texts()
    params = getattr(_request(), "query_params", None) or {}
    view = dossier_view(detail, t, _lang())
    done = t["done"].format(status=view["status"]) if params.get("done") in ACTIONS else ""
    return _render(
        "dashboard_dossier.html",
        caller=caller,
        base=f"{_home()}/{client_id}",
        view=view,
        done=done,
        refused=params.get("refused") == "1",
        today=local_day(bootstrap.now()).isoformat(),
    )


# --- deciding ----------------------------------------------------------------------------------


@dashboard_pages.route(
    "/dashboard/{client_id}/dossiers/{debtor_id}/{action}",
    methods=["POST"],
    content_types=["application/x-www-form-urlencoded"],
)
@shows_pages
def decide(client_id: str, debtor_id: str, action: str) -> Response:
    caller = _own(client_id)
    if action not in ACTIONS:
        raise DossierNotFound(client_id, debtor_id)
    fields = forms.form_fields(_request())
    if not _csrf_ok(fields):
        return _notice("forbidden_title", "forbidden_text", 403, caller)
    if not caller.decides:
        raise NotAllowed("a viewer can read this dossier; only an owner of the client can decide on it")
    page_path = f"{_home()}/{client_id}/dossiers/{debtor_id}"
    try:
        ACTIONS[action](caller, debtor_id, fields)
    except REFUSED as refused:
        logger.info("dashboard decision refused", extra={"action": action, "error": type(refused).__name__})
        return redirect(f"{page_path}?refused=1")
    logger.info("dashboard decision", extra={"client_id": client_id, "action": action})
    return redirect(f"{page_path}?done={action}")
