"""The client's dashboard pages through the real handlers, signed in with an e-mail and password
that moto's Cognito checks (USER_PASSWORD_AUTH): the overview, the list with its filters and
search, one dossier with its money and timeline, and the owner's decisions as forms. Tenancy:
one client's login opens nothing of another client and changes nothing there; no login, a
forged one and an expired one go back to the sign-in form; a viewer sees no buttons and a
viewer's post answers 403."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.domain.dossier import Status
from chalicelib.domain.money import format_eur
from chalicelib.routes.client_api import LOGIN_COOKIE
from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST
from infra.local.login_pool import add_user, id_token
from tests.e2e.conftest import DAY_0, OWNER, Pipeline
from tests.e2e.test_client_login import (
    B_LIST_KEY,
    CLIENT_B,
    OWNER_B,
    VIEWER,
    expired_token,
    forged,
    stored_state,
)
from tests.e2e.test_debtor_page import SECURITY, Browser, text

A = DEMO_CLIENT.client_id


class Dashboard(Browser):
    """A browser on the dashboard: it forgets a cookie the server ends (Max-Age=0)."""

    def _keep(self, response: Any) -> Any:
        raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
        for line in raw if isinstance(raw, list) else ([raw] if raw else []):
            name, _, rest = line.strip().partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0;" in rest:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return response

    def sign_in(self, email: str, password: str) -> Any:
        form = self.get("/dashboard/login")
        return self.post(
            "/dashboard/login", {"csrf": self.csrf(text(form)), "email": email, "password": password}
        )


def signed_in(pipeline: Pipeline, login: tuple[str, str] = OWNER) -> Dashboard:
    browser = Dashboard(pipeline)
    answer = browser.sign_in(*login)
    assert answer.status_code == 303, text(answer)
    return browser


def awaiting_decision(pipeline: Pipeline) -> None:
    """The demo list imported and chased for a month: the bakery (10003, a business) waits for
    the client's decision on handing it over."""
    pipeline.upload()
    pipeline.import_uploads()
    for day in (0, 7, 15, 30):
        pipeline.sweep_and_act(DAY_0 + timedelta(days=day))
    assert pipeline.dossier("10003").status is Status.AWAITING_HANDOVER_DECISION


def test_signing_in_sets_an_httponly_secure_cookie_and_opens_the_clients_own_overview(
    pipeline: Pipeline,
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    browser = Dashboard(pipeline)
    form = browser.get("/dashboard/login")
    assert form.status_code == 200
    for name, value in SECURITY.items():
        assert form.headers[name] == value

    answer = browser.post(
        "/dashboard/login", {"csrf": browser.csrf(text(form)), "email": OWNER[0], "password": OWNER[1]}
    )

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/dashboard/{A}"
    login = next(c for c in answer.headers["Set-Cookie"] if c.startswith(f"{LOGIN_COOKIE}="))
    assert "HttpOnly" in login and "Secure" in login and "SameSite=Lax" in login and "Path=/;" in login
    overview = browser.get(f"/dashboard/{A}")
    assert overview.status_code == 200
    open_cents = sum(d.open_cents for d in bootstrap.dossier_repository().list_for_client(A))
    assert re.search(rf'id="total-open">{re.escape(format_eur(open_cents))}<', text(overview))
    # The start address sends a signed-in user to their own overview.
    assert browser.get("/dashboard").headers["Location"] == f"/dashboard/{A}"


def test_a_wrong_password_or_a_missing_form_token_signs_nobody_in(pipeline: Pipeline) -> None:
    browser = Dashboard(pipeline)
    form = browser.get("/dashboard/login")

    wrong = browser.post(
        "/dashboard/login", {"csrf": browser.csrf(text(form)), "email": OWNER[0], "password": "nope-Nope-1"}
    )
    unknown = browser.post(
        "/dashboard/login", {"csrf": browser.csrf(text(form)), "email": "x@y.example", "password": OWNER[1]}
    )
    no_token = browser.post("/dashboard/login", {"email": OWNER[0], "password": OWNER[1]})

    assert (wrong.status_code, unknown.status_code, no_token.status_code) == (401, 401, 403)
    assert "passen niet bij elkaar" in text(wrong) and text(wrong) == text(unknown).replace(
        "x@y.example", OWNER[0]
    )
    assert LOGIN_COOKIE not in browser.jar


def test_the_overview_shows_what_waits_with_links_to_the_list(pipeline: Pipeline) -> None:
    awaiting_decision(pipeline)
    browser = signed_in(pipeline)

    html = text(browser.get(f"/dashboard/{A}"))

    waiting = sum(
        1
        for d in bootstrap.dossier_repository().list_for_client(A)
        if d.status is Status.AWAITING_HANDOVER_DECISION
    )
    assert (
        f'href="/dashboard/{A}/dossiers?status=awaiting_handover_decision">Besluiten over overdracht aan het incassobureau: {waiting}<'
        in html
    )
    assert "gemiddelde aantal dagen na de vervaldatum" in html  # which DSO method
    assert re.search(r"<strong>\d+,\d dagen</strong>", html)  # a Dutch decimal comma
    for heading in (
        "Hoe lang te laat",
        "Ontvangen",
        "Betaald per maand van vervallen",
        "Betalingsregelingen nagekomen",
    ):
        assert f"<h2>{heading}</h2>" in html


def test_the_list_searches_by_name_and_number_and_filters_by_status(pipeline: Pipeline) -> None:
    awaiting_decision(pipeline)
    browser = signed_in(pipeline)

    by_name = text(browser.get(f"/dashboard/{A}/dossiers?q=bakkerij"))
    by_number = text(browser.get(f"/dashboard/{A}/dossiers?q=10003"))
    by_status = text(browser.get(f"/dashboard/{A}/dossiers?status=awaiting_handover_decision"))
    everything = text(browser.get(f"/dashboard/{A}/dossiers"))

    rows = re.compile(rf'<tr><td><a href="/dashboard/{A}/dossiers/(\d+)">')
    assert rows.findall(by_name) == ["10003"] == rows.findall(by_number)
    assert "10003" in rows.findall(by_status)
    assert len(rows.findall(everything)) == len(bootstrap.dossier_repository().list_for_client(A))
    assert 'value="bakkerij"' in by_name  # the search stays in its field
    bad = browser.get(f"/dashboard/{A}/dossiers?status=nonsense")
    assert bad.status_code == 400


def test_the_list_pages_on_with_the_filters_kept(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    browser = signed_in(pipeline)
    from chalicelib.services import client_dashboard

    original = client_dashboard.PAGE_SIZE
    client_dashboard.PAGE_SIZE = 5
    try:
        first = text(browser.get(f"/dashboard/{A}/dossiers?dispute=no"))
        link = re.search(r'href="([^"]+)" rel="next"', first)
        assert link, "a next page link"
        second = text(browser.get(link.group(1).replace("&amp;", "&")))
    finally:
        client_dashboard.PAGE_SIZE = original
    rows = re.compile(r'<tr><td><a href="[^"]+/dossiers/(\d+)">')
    assert "dispute=no" in link.group(1)
    assert len(rows.findall(first)) == 5 and not set(rows.findall(first)) & set(rows.findall(second))


def test_the_dossier_shows_invoices_money_messages_and_the_audit_trail(pipeline: Pipeline) -> None:
    awaiting_decision(pipeline)
    browser = signed_in(pipeline)

    html = text(browser.get(f"/dashboard/{A}/dossiers/10003"))

    dossier = pipeline.dossier("10003")
    for invoice in dossier.invoices.values():
        assert f"<td>{invoice.number}" in html
        assert format_eur(invoice.amount_cents) in html
    assert f'id="owed">{format_eur(dossier.owed_cents)}<' in html
    assert "Incassokosten" in html and "Rente" in html
    assert html.count("<details>") == len(dossier.messages)
    assert "<pre" in html  # an e-mail's copy as it was sent
    events = bootstrap.dossier_repository().events(A, "10003")
    assert html.count("<tr><td>") >= len(events)
    assert "Overdragen aan het incassobureau" in html


def test_the_owner_approves_a_handover_and_sees_the_new_status(pipeline: Pipeline) -> None:
    awaiting_decision(pipeline)
    browser = signed_in(pipeline)
    page = text(browser.get(f"/dashboard/{A}/dossiers/10003"))

    answer = browser.post(
        f"/dashboard/{A}/dossiers/10003/handover", {"csrf": browser.csrf(page), "decision": "approve"}
    )

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/dashboard/{A}/dossiers/10003?done=handover"
    assert pipeline.dossier("10003").status is Status.HANDED_OVER
    after = text(browser.get(answer.headers["Location"]))
    assert 'id="status">Overgedragen aan incassobureau<' in after
    assert "Gedaan. De nieuwe status is: Overgedragen aan incassobureau." in after
    assert "Overdragen aan het incassobureau</button>" not in after
    # Recorded as the signed-in user.
    assert any(
        e.actor.startswith("user:") and e.what == "client_approved_handover"
        for e in bootstrap.dossier_repository().events(A, "10003")
    )


def test_the_owner_pauses_and_withdraws_and_a_refused_decision_comes_back_with_a_message(
    pipeline: Pipeline,
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    browser = signed_in(pipeline)
    csrf = browser.csrf(text(browser.get(f"/dashboard/{A}/dossiers/10001")))

    past = browser.post(f"/dashboard/{A}/dossiers/10001/pause", {"csrf": csrf, "until": "2026-01-01"})
    paused = browser.post(f"/dashboard/{A}/dossiers/10001/pause", {"csrf": csrf, "until": "2026-12-21"})
    withdrawn = browser.post(f"/dashboard/{A}/dossiers/10010/withdraw", {"csrf": csrf, "reason": "betaald"})

    assert past.headers["Location"].endswith("?refused=1")
    assert "Dat kan nu niet" in text(browser.get(past.headers["Location"]))
    assert paused.headers["Location"].endswith("?done=pause")
    assert pipeline.dossier("10001").status is Status.PAUSED
    assert withdrawn.headers["Location"].endswith("?done=withdraw")
    assert pipeline.dossier("10010").status is Status.WITHDRAWN


def test_a_viewer_sees_no_buttons_and_a_viewers_post_answers_403_and_changes_nothing(
    pipeline: Pipeline,
) -> None:
    awaiting_decision(pipeline)
    add_user(pipeline.login, *VIEWER, A, "viewer")
    browser = signed_in(pipeline, VIEWER)
    before = stored_state(A)

    html = text(browser.get(f"/dashboard/{A}/dossiers/10003"))
    answer = browser.post(
        f"/dashboard/{A}/dossiers/10003/handover", {"csrf": browser.csrf(html), "decision": "approve"}
    )

    assert "<button" not in html.split("<main", 1)[1]
    assert "Alleen een eigenaar" in html
    assert answer.status_code == 403
    assert stored_state(A) == before


PAGES = [
    "/dashboard/{c}",
    "/dashboard/{c}/dossiers",
    "/dashboard/{c}/dossiers?q=smit",
    "/dashboard/{c}/dossiers/10003",
]
ACTIONS = [
    ("handover", {"decision": "approve"}),
    ("dispute", {"invoice": "2026-0431", "decision": "uphold"}),
    ("arrangement", {"installments": "3"}),
    ("pause", {"until": "2026-12-21"}),
    ("resume", {}),
    ("withdraw", {"reason": "betaald"}),
]


def two_clients(pipeline: Pipeline) -> None:
    """Client A and client B with the same debtor numbers, both imported and chased."""
    bootstrap.client_directory().save(CLIENT_B)
    add_user(pipeline.login, *OWNER_B, CLIENT_B.client_id, "owner")
    pipeline.upload()
    pipeline.upload(B_LIST_KEY, DEMO_LIST)
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)


def test_client_a_on_client_b_pages_and_actions_gets_404_like_an_unknown_client_and_nothing_changes(
    pipeline: Pipeline,
) -> None:
    two_clients(pipeline)
    browser = signed_in(pipeline)
    csrf = browser.csrf(text(browser.get(f"/dashboard/{A}")))
    before = stored_state(CLIENT_B.client_id)

    for template in PAGES:
        other = browser.get(template.format(c=CLIENT_B.client_id))
        unknown = browser.get(template.format(c="nobody-here"))
        assert (other.status_code, unknown.status_code) == (404, 404), template
        assert text(other) == text(unknown)
    for action, fields in ACTIONS:
        answer = browser.post(
            f"/dashboard/{CLIENT_B.client_id}/dossiers/10003/{action}", {"csrf": csrf, **fields}
        )
        assert answer.status_code == 404, action

    assert stored_state(CLIENT_B.client_id) == before
    # B's own owner opens the same pages.
    b = signed_in(pipeline, OWNER_B)
    for template in PAGES:
        assert b.get(template.format(c=CLIENT_B.client_id)).status_code == 200, template


@pytest.mark.parametrize("kind", ["none", "forged", "expired", "garbage"])
def test_without_a_valid_login_every_page_and_action_goes_to_the_sign_in_form(
    pipeline: Pipeline, kind: str
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    browser = Dashboard(pipeline)
    good = id_token(pipeline.login, *OWNER)
    token = {
        "none": "",
        "forged": forged(good),
        "expired": expired_token(pipeline),
        "garbage": "not.a.token",
    }[kind]
    if token:
        browser.jar[LOGIN_COOKIE] = token
    before = stored_state(A)

    for path in ["/dashboard", *(p.format(c=A) for p in PAGES)]:
        answer = browser.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["Location"] == ("/dashboard/login?again=1" if token else "/dashboard/login")
        if token:
            browser.jar[LOGIN_COOKIE] = token
    csrf = browser.csrf(text(browser.get("/dashboard/login")))
    if token:
        browser.jar[LOGIN_COOKIE] = token
    answer = browser.post(f"/dashboard/{A}/dossiers/10010/withdraw", {"csrf": csrf, "reason": "x"})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/dashboard/login")
    assert stored_state(A) == before


def test_signing_out_ends_the_session(pipeline: Pipeline) -> None:
    browser = signed_in(pipeline)
    csrf = browser.csrf(text(browser.get(f"/dashboard/{A}")))

    answer = browser.post("/dashboard/logout", {"csrf": csrf})

    assert answer.headers["Location"] == "/dashboard/login"
    assert LOGIN_COOKIE not in browser.jar
    assert browser.get(f"/dashboard/{A}").headers["Location"] == "/dashboard/login"


def test_the_login_cookie_or_a_bearer_token_names_the_caller_where_no_gateway_authorizer_ran(
    pipeline: Pipeline,
) -> None:
    """What a client route without the gateway's authorizer (a download the pages link to) checks
    in the function: the Bearer token, or else the login cookie, with the same verifier."""
    from types import SimpleNamespace

    from chalicelib.domain.errors import NotSignedIn
    from chalicelib.routes.client_api import caller_of_request

    token = id_token(pipeline.login, *OWNER)
    by_cookie = caller_of_request(SimpleNamespace(headers={"cookie": f"other=1; {LOGIN_COOKIE}={token}"}))
    by_bearer = caller_of_request(SimpleNamespace(headers={"authorization": f"Bearer {token}"}))

    assert by_cookie == by_bearer and by_cookie.client_id == A
    for headers in ({}, {"cookie": f"{LOGIN_COOKIE}={forged(token)}"}, {"authorization": "Bearer x.y.z"}):
        with pytest.raises(NotSignedIn):
            caller_of_request(SimpleNamespace(headers=headers))


def test_the_owner_settles_a_dispute_from_the_form_on_the_dossier_page(pipeline: Pipeline) -> None:
    from tests.e2e.test_management_routes import dispute_smits_second_invoice

    dispute_smits_second_invoice(pipeline)
    pipeline.now = DAY_0 + timedelta(days=2)
    browser = signed_in(pipeline)
    html = text(browser.get(f"/dashboard/{A}/dossiers/10003"))
    assert 'name="invoice" value="2026-0431" checked' in html

    answer = browser.post(
        f"/dashboard/{A}/dossiers/10003/dispute",
        [("csrf", browser.csrf(html)), ("invoice", "2026-0431"), ("decision", "credit"), ("note", "klopt")],
    )

    assert answer.headers["Location"].endswith("?done=dispute")
    smit = pipeline.dossier("10003")
    assert smit.invoices["2026-0431"].open_cents == 0 and not smit.open_disputes
    assert "Bezwaar afhandelen</button>" not in text(browser.get(f"/dashboard/{A}/dossiers/10003"))


def test_the_owner_agrees_an_arrangement_and_sees_its_schedule(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    browser = signed_in(pipeline)
    csrf = browser.csrf(text(browser.get(f"/dashboard/{A}/dossiers/10003")))

    answer = browser.post(f"/dashboard/{A}/dossiers/10003/arrangement", {"csrf": csrf, "installments": "3"})

    assert answer.headers["Location"].endswith("?done=arrangement")
    smit = pipeline.dossier("10003")
    assert smit.status is Status.IN_ARRANGEMENT and smit.arrangement is not None
    html = text(browser.get(answer.headers["Location"]))
    assert "<h2>Schema van de regeling</h2>" in html
    for installment in smit.arrangement.installments:
        assert format_eur(installment.amount_cents) in html


def test_a_user_of_no_client_cannot_sign_in(pipeline: Pipeline) -> None:
    import boto3

    cognito = boto3.client("cognito-idp", region_name="eu-west-1")
    cognito.admin_create_user(
        UserPoolId=pipeline.login.pool_id, Username="los@nergens.example", MessageAction="SUPPRESS"
    )
    cognito.admin_set_user_password(
        UserPoolId=pipeline.login.pool_id,
        Username="los@nergens.example",
        Password="Los-Passw0rd-1",
        Permanent=True,
    )
    browser = Dashboard(pipeline)

    answer = browser.sign_in("los@nergens.example", "Los-Passw0rd-1")

    assert answer.status_code == 401
    assert LOGIN_COOKIE not in browser.jar


def test_the_overviews_export_links_download_with_the_login_cookie_alone(pipeline: Pipeline) -> None:
    two_clients(pipeline)
    browser = signed_in(pipeline)
    overview = text(browser.get(f"/dashboard/{A}"))
    links = re.findall(r'href="[^"]*(/clients/[^"]+/exports/[^"]+)"', overview)
    assert sorted(link.rsplit("/", 1)[1] for link in links) == [
        "dossiers.csv",
        "dossiers.xlsx",
        "payments.csv",
        "payments.xlsx",
    ]

    dossiers = browser.get(f"/clients/{A}/exports/dossiers.csv")
    assert dossiers.status_code == 200
    assert "Bakkerij Smit" in dossiers.body.decode("utf-8-sig")
    # The same cookie on another client's export answers like an unknown client; none signs in nobody.
    other = browser.get(f"/clients/{CLIENT_B.client_id}/exports/dossiers.csv")
    assert other.status_code == 404
    assert Dashboard(pipeline).get(f"/clients/{A}/exports/dossiers.csv").status_code == 401


def test_the_overview_names_letters_the_print_partner_has_not_reported_posted(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    browser = signed_in(pipeline)
    assert "nog niet als verstuurd" not in text(browser.get(f"/dashboard/{A}"))
    # What the daily posting check writes when letters wait too long for their posting report.
    letters = [
        {"letter_id": f"{A}/10004/3", "template": "fourteen_day_letter", "handed_over_on": "2026-11-20"},
        {"letter_id": f"{A}/10001/3", "template": "fourteen_day_letter", "handed_over_on": "2026-11-18"},
    ]
    bootstrap.file_store().put(
        f"state/{A}/letters-not-posted.json",
        json.dumps({"as_of": "2026-11-25", "letters": letters}).encode(),
        "application/json",
    )

    overview = text(browser.get(f"/dashboard/{A}"))

    assert "Brieven die de drukker nog niet als verstuurd heeft gemeld: 2" in overview
    assert f'href="/dashboard/{A}/dossiers/10001"' in overview  # the oldest first
