"""A call back asked for on the debtor's page: a time inside the contact window becomes a call
task on the client's worklist; any other time is refused with a message and changes nothing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from tests.e2e.conftest import Pipeline
from tests.e2e.test_debtor_page import CLIENT, opened, reminded, text

OPTION = re.compile(r'<option value="(\d{8}T\d{4}Z)">([^<]+)</option>')


def test_a_time_from_the_list_becomes_a_call_on_the_clients_worklist_and_the_page_confirms_it(
    pipeline: Pipeline,
) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    assert "Wilt u dat wij u bellen?" in html and "van 08:30 tot 20:00 uur" in html
    options = OPTION.findall(html)
    # DAY_0 is Monday 30 November, 10:15 in Amsterdam: the first time starts at 12:30.
    assert options[0] == ("20261130T1130Z", "maandag 30 november 2026 van 12:30 tot 14:30 uur")
    value, label = options[5]
    answer = browser.post(f"/p/{CLIENT}/do/call-back", {"csrf": browser.csrf(html), "slot": value})
    assert answer.headers["Location"] == f"/p/{CLIENT}?done=callback_sent"
    page = text(browser.get(answer.headers["Location"]))
    assert "Wij bellen u zoals u vroeg" in page
    assert f"Wij bellen u op {label}." in page
    [task] = pipeline.dossier("10003").open_call_backs
    assert task.call_from == datetime.strptime(value, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    # Not before the chosen time; then on the worklist with the debtor and the amount.
    calls = f"/clients/{CLIENT}/calls"
    assert json.loads(pipeline.chalice.http.get(calls, headers=pipeline.owner).body)["calls"] == []
    pipeline.now = task.call_from
    [call] = json.loads(pipeline.chalice.http.get(calls, headers=pipeline.owner).body)["calls"]
    assert call["debtor_id"] == "10003" and call["call_until"] == task.call_until.isoformat()  # type: ignore[union-attr]


def test_a_time_outside_the_contact_window_is_refused_with_a_message(pipeline: Pipeline) -> None:
    reminded(pipeline)
    browser, html = opened(pipeline)
    # Sunday morning, Monday 20:00 (the window closes) and a Monday already past.
    for outside in ("20261206T0930Z", "20261130T1900Z", "20261123T1130Z"):
        answer = browser.post(f"/p/{CLIENT}/do/call-back", {"csrf": browser.csrf(html), "slot": outside})
        assert answer.headers["Location"] == f"/p/{CLIENT}?error=slot#call-back"
    page = text(browser.get(f"/p/{CLIENT}?error=slot"))
    assert "Op die tijd bellen wij niet. Kies een tijd uit de lijst." in page
    assert pipeline.dossier("10003").open_call_backs == ()
