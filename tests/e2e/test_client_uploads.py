"""The client's uploads through the real handlers on moto: each import with its report in words,
the errors.csv to download, and an owner confirming a held (short) list, after which the import
closes the debtors it leaves out."""

from __future__ import annotations

import json
from typing import Any

from infra.local.demo_data import DEMO_CLIENT, DEMO_LIST
from infra.local.login_pool import add_user, id_token
from tests.e2e.conftest import LIST_KEY, Pipeline

CLIENT = DEMO_CLIENT.client_id
SHORT_KEY = f"incoming/{CLIENT}/alleen twee.csv"
# Two of the twelve debtors, and a row without an amount: the list is held, one row rejected.
SHORT_LIST = (
    "\n".join(DEMO_LIST.splitlines()[:4])
    + "\n10099;Zonder Bedrag;Particulier;;;2026-0999;01-10-2026;15-10-2026;;\n"
)
VIEWER = ("kijker@zwaluwen.example", "Viewer-Passw0rd-1")


def get(pipeline: Pipeline, path: str, headers: dict[str, str] | None = None) -> Any:
    return pipeline.chalice.http.get(path, headers={**(headers or pipeline.owner), "Accept": "*/*"})


def listed(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    response = get(pipeline, f"/clients/{CLIENT}/uploads")
    assert response.status_code == 200, response.body
    return {u["file"]: u for u in json.loads(response.body)["uploads"]}


def held_list(pipeline: Pipeline) -> dict[str, Any]:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.upload(SHORT_KEY, SHORT_LIST)
    pipeline.import_uploads()
    return listed(pipeline)["alleen twee.csv"]


def test_each_upload_is_listed_with_its_report_in_words_and_what_can_be_done(pipeline: Pipeline) -> None:
    held = held_list(pipeline)
    full = listed(pipeline)[LIST_KEY.rsplit("/", 1)[1]]
    assert (full["status"], full["opened"], full["closed"], full["held"], full["confirm"]) == (
        "imported",
        12,
        0,
        False,
        None,
    )
    assert full["report"].startswith(f"Importverslag van {LIST_KEY}\nStatus: geïmporteerd\n")
    assert (held["status"], held["held"], held["rows"], held["accepted"], held["rejected"]) == (
        "held_for_confirmation",
        True,
        3,
        2,
        1,
    )
    assert held["closed"] == 0
    assert "Status: ingelezen, maar niets gesloten: wacht op bevestiging" in held["report"]
    assert held["confirm"] == f"/clients/{CLIENT}/uploads/{held['upload_id']}/confirm"
    assert held["errors_csv"] == f"/clients/{CLIENT}/uploads/{held['upload_id']}/errors.csv"

    errors = get(pipeline, held["errors_csv"])
    assert errors.status_code == 200
    assert errors.headers["Content-Disposition"] == 'attachment; filename="alleen twee.csv.errors.csv"'
    lines = errors.body.decode("utf-8-sig").splitlines()
    assert lines[0] == "regel;kolom;gevolg;reden"
    assert lines[1].startswith("5;") and "rij niet geïmporteerd" in lines[1]


def test_an_owner_confirms_a_held_list_and_the_import_closes_the_debtors_it_leaves_out(
    pipeline: Pipeline,
) -> None:
    held = held_list(pipeline)
    add_user(pipeline.login, *VIEWER, CLIENT, "viewer")
    viewer = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {id_token(pipeline.login, *VIEWER)}",
    }
    refused = pipeline.chalice.http.post(held["confirm"], headers=viewer, body="{}")
    assert refused.status_code == 403
    assert listed(pipeline)["alleen twee.csv"]["held"] is True

    confirmed = pipeline.chalice.http.post(held["confirm"], headers=pipeline.owner, body="{}")
    assert confirmed.status_code == 202, confirmed.body
    answer = json.loads(confirmed.body)
    assert (answer["status"], answer["confirmation"]) == ("confirming", f"{SHORT_KEY}.bevestigd")
    pipeline.import_uploads()

    after = listed(pipeline)["alleen twee.csv"]
    assert (after["status"], after["confirmed"], after["held"], after["closed"]) == (
        "imported",
        True,
        False,
        10,
    )
    assert pipeline.dossier("10005").status.value == "settled_by_client"
    assert pipeline.dossier("10001").is_active
    again = pipeline.chalice.http.post(held["confirm"], headers=pipeline.owner, body="{}")
    assert again.status_code == 409
    assert "is not waiting for a confirmation" in json.loads(again.body)["message"]


def test_another_clients_uploads_answer_404_and_an_unknown_upload_too(pipeline: Pipeline) -> None:
    held = held_list(pipeline)
    upload = held["upload_id"]
    for method, path in (
        ("GET", "/clients/vv-de-kievit/uploads"),
        ("GET", f"/clients/vv-de-kievit/uploads/{upload}/errors.csv"),
        ("POST", f"/clients/vv-de-kievit/uploads/{upload}/confirm"),
    ):
        response = (
            get(pipeline, path)
            if method == "GET"
            else pipeline.chalice.http.post(path, headers=pipeline.owner, body="{}")
        )
        assert response.status_code == 404, path
    unknown = pipeline.chalice.http.post(
        f"/clients/{CLIENT}/uploads/bm9nIG5pZXQ/confirm", headers=pipeline.owner, body="{}"
    )
    assert unknown.status_code == 404
    assert get(pipeline, f"/clients/{CLIENT}/uploads/%21%21/errors.csv").status_code == 400
    assert listed(pipeline)["alleen twee.csv"]["held"] is True
