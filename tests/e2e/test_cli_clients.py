"""`debtflow client ...` against moto: the profile, the directory entry the daily jobs read, the
Mollie key in SSM; every refusal is one line; `--stage` reads a deployed stack's outputs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.cli import main
from chalicelib.domain.clients import BusinessCosts
from infra.local.provision import Provisioned
from tests.conftest import NAMES

REGION = "eu-west-1"
CLUB = [
    "client",
    "create",
    "vv-de-meeuwen",
    "--name",
    "VV De Meeuwen",
    "--sender-email",
    "noreply@mail.debtflow.example",
    "--reply-to-email",
    "penningmeester@demeeuwen.example",
    "--redirect-url",
    "https://demeeuwen.example/bedankt",
]


def test_a_client_created_by_command_is_in_the_directory_the_daily_jobs_read(
    aws: Provisioned, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = main(
        [
            *CLUB,
            "--iban",
            "NL91 ABNA 0417 1643 00",
            "--kvk-number",
            "12345678",
            "--phone",
            "020-1234567",
            "--set",
            "club=yes",
        ]
    )

    assert exit_code == 0, capsys.readouterr().err
    assert "client vv-de-meeuwen created" in capsys.readouterr().out
    client = bootstrap.client_directory().get("vv-de-meeuwen")
    assert client is not None
    assert (client.name, client.iban, client.kvk_number, client.phone) == (
        "VV De Meeuwen",
        "NL91ABNA0417164300",
        "12345678",
        "+31201234567",
    )
    assert client.club is True
    assert client.mollie_key_parameter == "/debtflow/clients/vv-de-meeuwen/mollie-api-key"
    assert [c.client_id for c in bootstrap.client_directory().all()] == ["vv-de-meeuwen"]


def test_update_changes_only_the_named_settings_and_show_prints_them(
    aws: Provisioned, capsys: pytest.CaptureFixture[str]
) -> None:
    main(CLUB)
    capsys.readouterr()

    assert (
        main(["client", "update", "vv-de-meeuwen", "--set", "business_costs=minimum", "--language", "en"])
        == 0
    )
    assert capsys.readouterr().out == "client vv-de-meeuwen updated: language, business_costs\n"
    assert main(["client", "show", "vv-de-meeuwen"]) == 0

    shown = capsys.readouterr().out
    assert "business_costs                           minimum" in shown
    assert "reply_to_email                           penningmeester@demeeuwen.example" in shown
    assert "Mollie key                               NOT SET: debtflow client set-mollie-key" in shown
    client = bootstrap.client_directory().get("vv-de-meeuwen")
    assert (
        client is not None
        and client.business_costs is BusinessCosts.MINIMUM
        and client.name == "VV De Meeuwen"
    )


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (
            ["--iban", "NL91ABNA0417164301"],
            "iban: 'NL91ABNA0417164301' is not a valid IBAN (the check digits do not match)",
        ),
        (["--kvk-number", "1234"], "kvk_number: '1234' is not a KvK number (8 digits)"),
        (["--sender-email", "noreply@"], "sender_email: 'noreply@' is not a valid e-mail address"),
        (["--policy", "harsh"], "policy: no policy called 'harsh'; choose one of default, wait_for_term"),
        (["--phone", "12"], "phone: '12' is not a valid phone number"),
        (
            ["--redirect-url", "http://x.example"],
            "redirect_url: 'http://x.example' is not an https:// address",
        ),
        (["--default-debtor-type", "member"], "default_debtor_type: choose one of consumer, business"),
        (["--set", "colour=blue"], "'colour' is not a client setting; known settings: name, "),
        (["--set", "decision_days=soon"], "decision_days: 'soon' is not a whole number of 0 or more"),
    ],
)
def test_an_invalid_field_is_refused_in_one_line_and_nothing_is_saved(
    aws: Provisioned, capsys: pytest.CaptureFixture[str], extra: list[str], reason: str
) -> None:
    assert main([*CLUB, *extra]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"debtflow client create: {reason}")
    assert err.count("\n") == 1
    assert bootstrap.client_directory().get("vv-de-meeuwen") is None


def test_a_second_create_and_an_update_of_an_unknown_client_are_refused(
    aws: Provisioned, capsys: pytest.CaptureFixture[str]
) -> None:
    main(CLUB)
    capsys.readouterr()

    assert main(CLUB) == 1
    assert "exists already: change it with `debtflow client update`" in capsys.readouterr().err
    assert main(["client", "update", "nobody", "--language", "en"]) == 1
    assert capsys.readouterr().err == "debtflow client update: no client is registered as 'nobody'\n"
    assert main([*CLUB[:2], "Bad Id", *CLUB[3:]]) == 1
    assert "client id 'Bad Id': use 1-63 lower-case letters" in capsys.readouterr().err


def test_the_mollie_key_goes_to_ssm_as_a_secure_string_and_is_never_printed(
    aws: Provisioned, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main(CLUB)
    key = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
    monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))

    assert main(["client", "set-mollie-key", "vv-de-meeuwen"]) == 0

    out = capsys.readouterr().out
    assert key not in out
    assert (
        "Mollie test key of vv-de-meeuwen stored in SSM as /debtflow/clients/vv-de-meeuwen/mollie-api-key"
        in out
    )
    parameter = boto3.client("ssm", region_name=REGION).get_parameter(
        Name="/debtflow/clients/vv-de-meeuwen/mollie-api-key", WithDecryption=True
    )["Parameter"]
    assert (parameter["Type"], parameter["Value"]) == ("SecureString", key)
    assert main(["client", "show", "vv-de-meeuwen", "--json"]) == 0
    shown = capsys.readouterr().out
    assert json.loads(shown)["mollie_key_stored"] is True and key not in shown


def test_a_mistyped_mollie_key_is_refused_without_repeating_it(
    aws: Provisioned, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main(CLUB)
    monkeypatch.setattr(sys, "stdin", io.StringIO("live-Abc123secret\n"))

    assert main(["client", "set-mollie-key", "vv-de-meeuwen"]) == 1

    err = capsys.readouterr().err
    assert "not a Mollie API key" in err and "Abc123secret" not in err


def test_the_column_mapping_names_known_fields_only(
    aws: Provisioned, capsys: pytest.CaptureFixture[str]
) -> None:
    main(CLUB)
    capsys.readouterr()

    assert main(["client", "set-mapping", "vv-de-meeuwen", "debtor_id=Lidnummer", "name=Naam lid"]) == 0
    client = bootstrap.client_directory().get("vv-de-meeuwen")
    assert client is not None and client.column_mapping == {"debtor_id": "Lidnummer", "name": "Naam lid"}
    capsys.readouterr()
    assert main(["client", "set-mapping", "vv-de-meeuwen", "member=Lidnummer"]) == 1
    assert "'member' is not a list field; known fields: debtor_id" in capsys.readouterr().err


def test_stage_reads_the_table_from_the_deployed_stack_s_outputs(
    aws: Provisioned, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"TableName": {"Value": NAMES.table}, "UploadsBucketName": {"Value": NAMES.bucket}},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="debtflow-acc", TemplateBody=json.dumps(template)
    )
    monkeypatch.setenv("TABLE_NAME", "some-other-table")
    bootstrap.reset()

    assert main([*CLUB, "--stage", "acc"]) == 0, capsys.readouterr().err

    assert os.environ["TABLE_NAME"] == NAMES.table
    assert bootstrap.client_directory().get("vv-de-meeuwen") is not None
    capsys.readouterr()
    assert main(["client", "show", "vv-de-meeuwen", "--stage", "prod"]) == 3
    assert capsys.readouterr().err == (
        "debtflow client show: there is no stack debtflow-prod in eu-west-1: deploy it first "
        "(docs/deploy.md) or check AWS_DEFAULT_REGION and the account\n"
    )


def test_a_missing_table_is_one_line_with_what_to_do(
    aws: Provisioned, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLE_NAME", "debtflow-nowhere")
    bootstrap.reset()

    assert main(["client", "show", "vv-de-meeuwen"]) == 3

    assert capsys.readouterr().err == (
        "debtflow client show: the table 'debtflow-nowhere' does not exist in this account and region: "
        "pass --stage NAME for a deployed stage, or set TABLE_NAME\n"
    )


def test_a_command_without_any_aws_settings_ends_in_one_line_not_a_traceback(tmp_path: object) -> None:
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true"}

    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "handover", "club-42", "10001", "--approve"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 3
    assert done.stderr == (
        "debtflow handover: no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY) for the account the stage runs in\n"
    )
