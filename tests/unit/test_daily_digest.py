"""The daily digest: what waits for a client (a pure selection) and the one e-mail a day that
lists it, in the client's language, to its owners, once."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.arrangements import Arrangement
from chalicelib.domain.digest import (
    HeldList,
    UnpostedLetter,
    Waits,
    asks_for_arrangement,
    digest_due,
    what_waits,
)
from chalicelib.domain.dossier import Dispute, DisputeReason, DisputeState, Dossier, SentMessage, Status
from chalicelib.domain.policies import AMSTERDAM
from chalicelib.domain.uploads import file_name_of, upload_id
from chalicelib.services.daily_digest import DigestDeps, send_daily_digests
from tests.builders import CLUB, NOW, dossier, invoice
from tests.fakes import FakeClientDirectory, FakeDossierRepository, FakeFileStore, FakeMailer

TODAY = date(2026, 12, 7)
# Monday 7 December 2026, 08:00 in Amsterdam (UTC+1).
MORNING = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def awaiting(debtor_id: str, cents: int) -> Dossier:
    file = dossier(invoice(open_cents=cents), debtor_id=debtor_id)
    file.status = Status.AWAITING_HANDOVER_DECISION
    return file


def disputing(debtor_id: str, *numbers: str) -> Dossier:
    file = dossier(*(invoice(n, 10_000) for n in numbers), invoice("2026-9999", 5_000), debtor_id=debtor_id)
    file.status = Status.REMINDED
    file.disputes = (
        Dispute("d-1", numbers, DisputeReason.AMOUNT_WRONG, NOW, DisputeState.WITH_CLIENT),
        Dispute("d-0", ("2026-9999",), DisputeReason.OTHER, NOW, DisputeState.UPHELD),
    )
    return file


def asking(debtor_id: str, asked_at: datetime = NOW) -> Dossier:
    file = dossier(debtor_id=debtor_id)
    file.status = Status.REMINDED
    file.messages = (SentMessage(1, "email-client", "arrangement_request", asked_at, 12_500, None),)
    return file


def test_nothing_waiting_is_an_empty_digest() -> None:
    calm = dossier(debtor_id="10001")
    calm.status = Status.REMINDED
    digest = what_waits(CLUB.client_id, TODAY, [calm])
    assert digest.empty and digest.sections == ()


def test_each_kind_is_counted_and_the_largest_amounts_come_first() -> None:
    files = [awaiting(f"1000{i}", 10_000 * i) for i in range(1, 8)]
    digest = what_waits(CLUB.client_id, TODAY, files)
    (section,) = digest.sections
    assert (section.kind, section.count, section.more) == (Waits.HANDOVER_DECISIONS, 7, 2)
    assert [(i.debtor_id, i.amount_cents) for i in section.items] == [
        ("10007", 70_000),
        ("10006", 60_000),
        ("10005", 50_000),
        ("10004", 40_000),
        ("10003", 30_000),
    ]


def test_disputes_count_the_ones_with_the_client_and_the_amount_they_hold_back() -> None:
    digest = what_waits(CLUB.client_id, TODAY, [disputing("10002", "2026-0001", "2026-0002")])
    (section,) = digest.sections
    assert (section.kind, section.count) == (Waits.DISPUTES, 1)
    assert (section.items[0].debtor_id, section.items[0].amount_cents) == ("10002", 20_000)


def test_a_plan_request_waits_until_a_plan_is_agreed_after_it() -> None:
    asked = asking("10003")
    assert asks_for_arrangement(asked)
    agreed = dataclasses.replace(asked, arrangement=Arrangement(NOW.date() + timedelta(days=1), ()))
    assert not asks_for_arrangement(agreed)
    closed = dataclasses.replace(asked, status=Status.PAID)
    assert not asks_for_arrangement(closed)
    again = dataclasses.replace(
        agreed,
        messages=(
            *agreed.messages,
            SentMessage(2, "email-client", "arrangement_request", NOW + timedelta(days=9), 1, None),
        ),
    )
    assert asks_for_arrangement(again)


def test_held_lists_and_unposted_letters_and_another_clients_files_are_left_out() -> None:
    other = awaiting("20001", 99_000)
    other.client_id = "other-club"
    digest = what_waits(
        CLUB.client_id,
        TODAY,
        [other, asking("10003")],
        [HeldList(upload_id("leden.csv"), "leden.csv")],
        [UnpostedLetter("10009", 3, date(2026, 12, 1))],
    )
    assert [(s.kind, s.count) for s in digest.sections] == [
        (Waits.ARRANGEMENT_REQUESTS, 1),
        (Waits.HELD_LISTS, 1),
        (Waits.LETTERS_NOT_POSTED, 1),
    ]
    assert digest.count(Waits.HANDOVER_DECISIONS) == 0


def test_the_digest_goes_from_eight_in_the_morning_amsterdam_time() -> None:
    assert not digest_due(datetime(2026, 12, 7, 6, 0, tzinfo=UTC).astimezone(AMSTERDAM))  # 07:00
    assert digest_due(datetime(2026, 12, 7, 7, 0, tzinfo=UTC).astimezone(AMSTERDAM))  # 08:00
    assert digest_due(datetime(2026, 7, 6, 6, 0, tzinfo=UTC).astimezone(AMSTERDAM))  # 08:00 summer


def test_an_upload_id_names_any_file_name_and_refuses_what_is_not_one() -> None:
    from chalicelib.domain.errors import InvalidRequest

    for name in ("leden 2026.csv", "map/ledenlijst é.xlsx"):
        assert file_name_of(upload_id(name)) == name
    for bad in ("", "!!", upload_id("../x"), upload_id("a\nb")):
        with pytest.raises(InvalidRequest):
            file_name_of(bad)


# --- the service, with fakes ---------------------------------------------------------------


class Waiting:
    def __init__(self, ids: list[str]) -> None:
        self.ids = ids

    def waiting_debtor_ids(self, client_id: str) -> list[str]:
        return list(self.ids)


class Owners:
    def __init__(self, owners: dict[str, list[str]]) -> None:
        self.owners = owners

    def owner_emails(self, client_id: str) -> list[str]:
        return self.owners.get(client_id, [])


class Ledger:
    def __init__(self) -> None:
        self.days: set[tuple[str, date]] = set()

    def claim(self, client_id: str, day: date, now: datetime) -> bool:
        if (client_id, day) in self.days:
            return False
        self.days.add((client_id, day))
        return True

    def release(self, client_id: str, day: date) -> None:
        self.days.discard((client_id, day))


class Reports:
    def __init__(self, reports: list[tuple[str, dict[str, object]]]) -> None:
        self.reports = reports

    def recent(self, client_id: str, limit: int) -> list[tuple[str, dict[str, object]]]:
        return self.reports[:limit]


def deps_with(
    files_: list[Dossier], owners: dict[str, list[str]], language: str = "nl"
) -> tuple[DigestDeps, FakeMailer, Ledger]:
    repository = FakeDossierRepository()
    for file in files_:
        repository.save(file)
    mailer, ledger = FakeMailer(), Ledger()
    store = FakeFileStore()
    store.put(
        f"state/{CLUB.client_id}/letters-not-posted.json",
        json.dumps(
            {"letters": [{"letter_id": f"{CLUB.client_id}/10009/3", "handed_over_on": "2026-12-01"}]}
        ).encode(),
        "application/json",
    )
    deps = DigestDeps(
        clients=FakeClientDirectory(dataclasses.replace(CLUB, language=language)),
        dossiers=repository,
        waiting=Waiting([f.debtor_id for f in files_]),
        owners=Owners(owners),
        ledger=ledger,
        reports=Reports(
            [("leden.csv", {"status": "held_for_confirmation"}), ("oud.csv", {"status": "imported"})]
        ),
        files=store,
        mailer=mailer,
        dashboard_url="https://app.debtflow.example/",
    )
    return deps, mailer, ledger


def test_one_email_per_owner_lists_what_waits_with_links_and_a_second_run_sends_nothing() -> None:
    deps, mailer, _ = deps_with(
        [awaiting("10001", 42_050), disputing("10002", "2026-0001")],
        {CLUB.client_id: ["Penningmeester@DeZwaluwen.example", "voorzitter@dezwaluwen.example"]},
    )
    run = send_daily_digests(MORNING, deps)
    assert run.sent == {CLUB.client_id: 2}
    assert sorted(m.to for m in mailer.sent) == [
        "penningmeester@dezwaluwen.example",
        "voorzitter@dezwaluwen.example",
    ]
    mail = mailer.sent[0]
    assert mail.subject == "Debtflow: 4 punten wachten op u (7 december 2026)"
    assert "Beslissingen over overdracht aan incasso: 1\n- Jan de Vries (10001): € 420,50" in mail.text
    assert "https://app.debtflow.example/clients/vv-de-zwaluwen/dossiers/10001" in mail.text
    assert "Betwiste facturen: 1\n- Jan de Vries (10002): € 100,00" in mail.text
    assert "Lijsten die op uw bevestiging wachten: 1\n- leden.csv\n" in mail.text
    assert "oud.csv" not in mail.text
    assert "Brieven die niet als verstuurd zijn gemeld: 1" in mail.text
    assert (
        '<a href="https://app.debtflow.example/clients/vv-de-zwaluwen/dossiers/10001">Jan de Vries</a>'
        in mail.html
    )

    again = send_daily_digests(MORNING + timedelta(hours=1), deps)
    assert again.already_sent == [CLUB.client_id] and len(mailer.sent) == 2


def test_without_owners_the_profile_address_gets_it_in_english_for_an_english_client() -> None:
    deps, mailer, _ = deps_with([awaiting("10001", 10_000)], {}, language="en")
    send_daily_digests(MORNING, deps)
    (mail,) = mailer.sent
    assert mail.to == CLUB.reply_to_email
    assert mail.subject == "Debtflow: 3 items wait for you (7 December 2026)"
    assert "Decisions on handing over to collection: 1" in mail.text


def test_before_eight_or_with_nothing_waiting_no_email_goes() -> None:
    deps, mailer, ledger = deps_with([], {CLUB.client_id: ["p@x.example"]})
    deps = dataclasses.replace(deps, reports=Reports([]), files=FakeFileStore())
    assert send_daily_digests(MORNING, deps).nothing_waiting == [CLUB.client_id]
    deps2, mailer2, _ = deps_with([awaiting("10001", 10_000)], {})
    assert send_daily_digests(MORNING - timedelta(hours=1), deps2).not_yet
    assert mailer.sent == [] and mailer2.sent == [] and ledger.days == set()


def test_a_failed_send_gives_the_day_back_for_the_retry() -> None:
    deps, mailer, ledger = deps_with([awaiting("10001", 10_000)], {})

    class Down:
        def send(self, email: object) -> str:
            raise ConnectionError("SES unreachable")

    with pytest.raises(ConnectionError):
        send_daily_digests(MORNING, dataclasses.replace(deps, mailer=Down()))
    assert ledger.days == set() and mailer.sent == []
    assert send_daily_digests(MORNING, deps).sent == {CLUB.client_id: 1}
    assert len(mailer.sent) == 1


def test_a_hostile_debtor_name_is_escaped_in_the_digests_html() -> None:
    from dataclasses import replace as changed

    hostile = awaiting("10001", 10_000)
    hostile.debtor = changed(hostile.debtor, name="<script>alert(1)</script>")
    deps, mailer, _ = deps_with([hostile], {})
    send_daily_digests(MORNING, deps)
    (mail,) = mailer.sent
    assert "<script>" not in mail.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "- <script>alert(1)</script> (10001): € 100,00" in mail.text
