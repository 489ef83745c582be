"""The client's API: what a signed-in user of a client reads (overview, list, dossier) and decides
(hand-over, arrangement, dispute, pause, resume, withdraw, call outcomes).

Login is a Cognito ID token (`Authorization: Bearer <token>`) verified by the built-in authorizer
below, the same code locally and on AWS (Chalice's CognitoUserPoolAuthorizer is not enforced by
`chalice local` or its test client). The authorizer lets every request through to the function
with either the verified caller or the reason it was refused, so a refused login gets the same
401 with a message everywhere; every route starts with `signed_in_caller()`, which answers 401
unless the token was verified. The client comes only from the verified claims: a path naming any
other client answers 404 exactly like an unknown client or dossier. Viewers read; a viewer's
decision answers 403. Decisions are recorded in the audit trail as the user, never as a name
from the body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import AuthRequest, AuthResponse, Blueprint, Response

from chalicelib import aws_events, bootstrap
from chalicelib.domain.access import Caller, Role
from chalicelib.domain.errors import DossierNotFound, NotAllowed, NotSignedIn, UnknownClient
from chalicelib.routes.errors import answers_domain_errors

client_api = Blueprint(__name__)

JSON = ["application/json"]
# A refused token is cached by API Gateway like an accepted one: both for five minutes.
LOGIN_CACHE_SECONDS = 300
# The dashboard's pages keep the verified Cognito ID token in this cookie (HttpOnly, Secure,
# SameSite=Lax): a browser cannot send the Authorization header on a link or a form.
LOGIN_COOKIE = "dfd"


@client_api.authorizer(ttl_seconds=LOGIN_CACHE_SECONDS)
def client_login(auth_request: AuthRequest) -> AuthResponse:
    from chalicelib.adapters.login_tokens import InvalidLogin

    scheme, _, token = (auth_request.token or "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidLogin('send the ID token as "Authorization: Bearer <token>"')
        caller = bootstrap.login_verifier().caller(token.strip())
    except InvalidLogin as refused:
        return AuthResponse(routes=["*"], principal_id="anonymous", context={"refused": str(refused)})
    return AuthResponse(
        routes=["*"],
        principal_id=caller.user,
        context={"user": caller.user, "client_id": caller.client_id, "role": caller.role.value},
    )


def signed_in_caller() -> Caller:
    """The verified caller of this request, or NotSignedIn (401).

    Behind the gateway's authorizer, its verdict. A route without it (the dashboard's pages, and
    any client route a browser opens from them) verifies here, with the same verifier, the
    `Authorization: Bearer` token or else the dashboard's login cookie."""
    request = client_api.current_request
    context = request.context if request is not None else {}
    verified = context.get("authorizer") if isinstance(context, dict) else None
    if verified is None:
        return caller_of_request(request)
    if not isinstance(verified, dict) or "client_id" not in verified or "refused" in verified:
        reason = verified.get("refused") if isinstance(verified, dict) else None
        raise NotSignedIn(f"sign in first: {reason}" if reason else "sign in first")
    return Caller(user=verified["user"], client_id=verified["client_id"], role=Role(verified["role"]))


def caller_of_request(request: Any) -> Caller:
    """The caller named by the request's Bearer token, or else by its login cookie."""
    from chalicelib.web.forms import cookies

    headers = getattr(request, "headers", None) or {}
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = cookies(request).get(LOGIN_COOKIE, "")
    return caller_of_token(token)


def caller_of_token(token: str) -> Caller:
    """The verified user behind an ID token, or NotSignedIn (401)."""
    from chalicelib.adapters.login_tokens import InvalidLogin

    if not token.strip():
        raise NotSignedIn("sign in first")
    try:
        return bootstrap.login_verifier().caller(token.strip())
    except InvalidLogin as refused:
        raise NotSignedIn(f"sign in first: {refused}") from refused


def own_client(client_id: str, debtor_id: str | None = None) -> Caller:
    """The caller, if the path names their own client. Another client's URL answers exactly as
    an unknown client or dossier would (404), so nobody learns which clients or debtors exist."""
    caller = signed_in_caller()
    if client_id != caller.client_id:
        if debtor_id is None:
            raise UnknownClient(client_id)
        raise DossierNotFound(client_id, debtor_id)
    return caller


def deciding(client_id: str, debtor_id: str) -> Caller:
    """An owner of the path's client (403 for a viewer of it, 404 for anyone else)."""
    caller = own_client(client_id, debtor_id)
    if not caller.decides:
        raise NotAllowed("a viewer can read this dossier; only an owner of the client can decide on it")
    return caller


def json_body() -> Any:
    request = client_api.current_request
    return request.json_body if request is not None else None


def login_route(
    blueprint: Blueprint, path: str, methods: list[str], *, browser: bool = False
) -> Callable[[Callable[..., Response]], Any]:
    """A route of `blueprint` behind the client login, with domain errors mapped to answers.

    `browser=True` for a GET the dashboard's pages link to (a download): API Gateway refuses a
    request without the Authorization header before any authorizer runs, so such a route has no
    gateway authorizer and `signed_in_caller()` verifies the Bearer token or the login cookie
    itself. Decisions keep the gateway authorizer; the pages post their own forms."""

    def register(view: Callable[..., Response]) -> Any:
        kwargs: dict[str, Any] = {"methods": methods}
        if not browser:
            kwargs["authorizer"] = client_login
        if "POST" in methods or "PUT" in methods:
            kwargs["content_types"] = JSON
        return blueprint.route(path, **kwargs)(answers_domain_errors(view))

    return register


def client_route(
    path: str, methods: list[str], *, browser: bool = False
) -> Callable[[Callable[..., Response]], Any]:
    return login_route(client_api, path, methods, browser=browser)


# --- reading ---------------------------------------------------------------------------------------


@client_route("/clients/{client_id}/summary", ["GET"])
def summary(client_id: str) -> Response:
    from chalicelib.domain.schedule import local_day
    from chalicelib.services.client_dashboard import overview

    own_client(client_id)
    return Response(body=overview(client_id, local_day(bootstrap.now()), bootstrap.client_views()))


@client_route("/clients/{client_id}/dossiers", ["GET"])
def dossiers(client_id: str) -> Response:
    from chalicelib.domain.schedule import local_day
    from chalicelib.services.client_dashboard import dossier_list

    own_client(client_id)
    request = client_api.current_request
    params = dict(request.query_params or {}) if request is not None else {}
    return Response(
        body=dossier_list(client_id, params, local_day(bootstrap.now()), bootstrap.client_views())
    )


@client_route("/clients/{client_id}/dossiers/{debtor_id}", ["GET"])
def dossier(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.client_dashboard import dossier_detail

    caller = own_client(client_id, debtor_id)
    return Response(
        body=dossier_detail(caller, debtor_id, bootstrap.dossier_repository(), bootstrap.file_store())
    )


@client_route("/clients/{client_id}/calls", ["GET"])
def call_worklist(client_id: str) -> Response:
    from chalicelib.services.call_tasks import worklist

    own_client(client_id)
    return Response(body={"calls": worklist(client_id, bootstrap.now(), bootstrap.dossier_repository())})


# --- deciding --------------------------------------------------------------------------------------


@client_route("/clients/{client_id}/dossiers/{debtor_id}/arrangement", ["POST"])
def create_arrangement(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.arrangements import create_arrangement as agree

    caller = deciding(client_id, debtor_id)
    command = aws_events.arrangement_request(json_body())
    dossier = agree(
        client_id, debtor_id, command, bootstrap.now(), bootstrap.action_deps(), actor=caller.actor
    )
    assert dossier.arrangement is not None
    return Response(
        body={
            "status": dossier.status.value,
            "installments": [
                {"number": i.number, "due_date": i.due_date.isoformat(), "amount_cents": i.amount_cents}
                for i in dossier.arrangement.installments
            ],
        },
        status_code=201,
    )


@client_route("/clients/{client_id}/dossiers/{debtor_id}/handover", ["POST"])
def handover_decision(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.handover import HandoverDecision, decide_handover

    caller = deciding(client_id, debtor_id)
    decision = HandoverDecision.from_json(json_body())
    result = decide_handover(
        client_id, debtor_id, decision, bootstrap.now(), bootstrap.action_deps(), actor=caller.actor
    )
    return Response(
        body={"status": result.status, "export": result.export_key, "summary": result.summary_key}
    )


@client_route("/clients/{client_id}/dossiers/{debtor_id}/calls/{task_id}", ["POST"])
def call_outcome(client_id: str, debtor_id: str, task_id: str) -> Response:
    from chalicelib.services.call_tasks import CallReport, record_call_outcome

    caller = deciding(client_id, debtor_id)
    report = CallReport.from_json(json_body())
    task = record_call_outcome(
        client_id, debtor_id, task_id, report, bootstrap.now(), bootstrap.action_deps(), actor=caller.actor
    )
    return Response(body={"task_id": task.task_id, "outcome": report.outcome.value})


@client_route("/clients/{client_id}/dossiers/{debtor_id}/disputes", ["POST"])
def dispute(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.disputes import DisputeRequest, file_dispute

    caller = deciding(client_id, debtor_id)
    request = DisputeRequest.from_json(json_body())
    filed = file_dispute(
        client_id, debtor_id, request, bootstrap.now(), bootstrap.action_deps(), actor=caller.actor
    )
    return Response(
        body={"dispute": filed.dispute_id, "state": filed.state.value, "invoices": list(filed.invoices)},
        status_code=201,
    )


@client_route("/clients/{client_id}/dossiers/{debtor_id}/disputes/resolution", ["POST"])
def dispute_resolution(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.disputes import DisputeDecision, decide_dispute

    caller = deciding(client_id, debtor_id)
    decision = DisputeDecision.from_json(json_body())
    decided = decide_dispute(
        client_id, debtor_id, decision, bootstrap.now(), bootstrap.action_deps(), actor=caller.actor
    )
    return Response(
        body={"decided": [{"dispute": d.dispute_id, "invoices": list(d.invoices)} for d in decided]}
    )


@client_route("/clients/{client_id}/dossiers/{debtor_id}/pause", ["POST"])
def pause(client_id: str, debtor_id: str) -> Response:
    from chalicelib.domain.schedule import local_day
    from chalicelib.services.client_decisions import PauseRequest, pause_dunning

    caller = deciding(client_id, debtor_id)
    now = bootstrap.now()
    request = PauseRequest.from_json(json_body(), local_day(now))
    dossier = pause_dunning(
        client_id, debtor_id, request.until, now, bootstrap.action_deps(), actor=caller.actor
    )
    return dossier_answer(dossier)


@client_route("/clients/{client_id}/dossiers/{debtor_id}/resume", ["POST"])
def resume(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.client_decisions import reason_from_json, resume_dunning

    caller = deciding(client_id, debtor_id)
    reason_from_json(json_body())
    dossier = resume_dunning(
        client_id, debtor_id, bootstrap.now(), bootstrap.action_deps(), actor=caller.actor
    )
    return dossier_answer(dossier)


@client_route("/clients/{client_id}/dossiers/{debtor_id}/withdraw", ["POST"])
def withdraw(client_id: str, debtor_id: str) -> Response:
    from chalicelib.services.client_decisions import reason_from_json, withdraw_dossier

    caller = deciding(client_id, debtor_id)
    reason = reason_from_json(json_body())
    dossier = withdraw_dossier(
        client_id, debtor_id, reason, bootstrap.now(), bootstrap.action_deps(), actor=caller.actor
    )
    return dossier_answer(dossier)


def dossier_answer(dossier: Any) -> Response:
    """Where a dossier stands after a decision: its status, next action and whom it waits on."""
    waiting = dossier.waiting_for
    return Response(
        body={
            "status": dossier.status.value,
            "next_action_at": dossier.next_action_at.isoformat() if dossier.next_action_at else None,
            "waiting_for": {
                "who": waiting.who.value,
                "until": waiting.until.isoformat(),
                "about": waiting.about,
            }
            if waiting
            else None,
        }
    )
