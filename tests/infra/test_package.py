"""The deployable package: what is inside the zips, their size, and a template cfn-lint accepts."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra import package

LAYER_SITE_PACKAGES = f"python/lib/{package.LAMBDA_RUNTIME}/site-packages"


def names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_the_function_zip_carries_the_app_its_data_files_and_every_template(package_dir: Path) -> None:
    inside = names(package_dir / "deployment.zip")

    assert {
        "app.py",
        "chalicelib/data/policy_default.json",
        "chalicelib/data/holidays.json",
        "templates/email/nl/reminder_1.html",
    } <= inside
    in_repository = {
        p.relative_to(package.PROJECT).as_posix() for p in package.TEMPLATES.rglob("*") if p.is_file()
    }
    assert in_repository == {n for n in inside if n.startswith("templates/")}


def test_templates_sit_beside_app_py_where_the_renderer_looks(package_dir: Path) -> None:
    from chalicelib.services.templates import TEMPLATES_DIR

    # The renderer resolves templates/ next to app.py; in the zip both sit at the root.
    assert TEMPLATES_DIR == package.PROJECT / "templates"
    assert not any(n.startswith("vendor/") for n in names(package_dir / "deployment.zip"))


def test_dependencies_travel_in_the_layer_and_the_function_zip_stays_tiny(package_dir: Path) -> None:
    function, layer = package_dir / "deployment.zip", package_dir / "layer-deployment.zip"
    layer_names = names(layer)

    assert function.stat().st_size < 1024 * 1024
    for dependency in ("pynamodb", "jinja2", "mollie", "aws_lambda_powertools", "openpyxl", "botocore"):
        assert f"{LAYER_SITE_PACKAGES}/{dependency}/__init__.py" in layer_names, dependency
        assert not any(n.startswith(f"{dependency}/") for n in names(function))
    # Lambda's hard limit for a function and its layers is 250 MB unzipped; ours is 22 MB zipped.
    assert package.zip_size(layer).unzipped + package.zip_size(function).unzipped < 250 * 1024 * 1024
    assert package.zip_size(layer).zipped + package.zip_size(function).zipped <= package.PACKAGE_ZIP_LIMIT
    # The letters' PDF library and QR code travel in the layer, the font in the function.
    for dependency in ("fpdf", "segno", "fontTools", "PIL"):
        assert f"{LAYER_SITE_PACKAGES}/{dependency}/__init__.py" in layer_names, dependency
    assert "chalicelib/fonts/DejaVuSans-Latin.ttf" in names(function)


def test_the_template_uses_the_layer_for_every_function(template: dict[str, Any]) -> None:
    functions = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}

    assert set(functions) == {
        "ImportUpload",
        "ImportChunk",
        "SweepDue",
        "ProcessDossierAction",
        "APIHandler",
        "ReconcilePayments",
        "SesFeedback",
        "MollieWebhook",
        "ClientLogin",
        "SendDailyDigest",
    }
    for function in functions.values():
        assert function["Properties"]["Layers"] == [{"Ref": "ManagedLayer"}]
        assert function["Properties"]["CodeUri"] == "./deployment.zip"


def test_every_function_runs_python_3_13_whose_layer_was_built_for_it(
    template: dict[str, Any], package_dir: Path
) -> None:
    # python3.11 is deprecated on 2027-06-30 and blocked for new functions from 2027-07-31.
    functions = [v for v in template["Resources"].values() if v["Type"] == "AWS::Serverless::Function"]
    assert {f["Properties"]["Runtime"] for f in functions} == {"python3.13"}
    # Compiled dependencies (markupsafe, charset_normalizer...) must be Lambda's CPython 3.13 builds.
    extensions = [n for n in names(package_dir / "layer-deployment.zip") if n.endswith(".so")]
    assert extensions
    for extension in extensions:
        assert extension.startswith("python/lib/python3.13/"), extension
        assert "cpython-313-x86_64-linux-gnu" in extension or ".abi3." in extension, extension


def test_packaging_from_another_python_is_refused_with_the_reason() -> None:
    package.check_python((3, 13))
    with pytest.raises(RuntimeError, match=r"the functions run python3\.13"):
        package.check_python((3, 11))


def test_cfn_lint_finds_nothing_in_the_generated_template(package_dir: Path) -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(package_dir / "sam.json")], capture_output=True, text=True, check=False
    )
    # 0 = no errors and no warnings (2 = errors, 4 = warnings, 8 = informational).
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_layer_keeps_the_api_models_of_exactly_the_services_the_code_calls(package_dir: Path) -> None:
    import re

    called = {"dynamodb", "sts"}  # PynamoDB's DynamoDB, and the SDK's own credential calls
    for path in (package.PROJECT / "chalicelib").rglob("*.py"):
        if path.parent.name == "cli":
            continue  # the operators' tool runs on their machines, with a full botocore
        called |= set(re.findall(r"""\bclient\(["']([a-z0-9-]+)["']""", path.read_text("utf-8")))
    assert called == set(package.AWS_SERVICES_USED)

    models = {
        name.split("/botocore/data/", 1)[1].split("/", 1)[0]
        for name in names(package_dir / "layer-deployment.zip")
        if "/botocore/data/" in name and name.split("/botocore/data/", 1)[1].count("/")
    }
    assert models == set(package.AWS_SERVICES_USED)


def test_every_service_used_builds_a_client_from_the_trimmed_layer(package_dir: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(package_dir / "layer-deployment.zip") as archive:
        archive.extractall(tmp_path)
    site_packages = tmp_path / LAYER_SITE_PACKAGES
    code = (
        "import sys, boto3, botocore; "
        f"assert botocore.__file__.startswith({str(site_packages)!r}), botocore.__file__; "
        f"[boto3.client(s, region_name='eu-west-1') for s in {list(package.AWS_SERVICES_USED)!r}]; "
        "import pynamodb.connection; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site_packages)!r}); {code}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_every_accepted_checkov_finding_sits_on_its_resource_with_its_reason(
    template: dict[str, Any],
) -> None:
    skips = json.loads(package.CHECKOV_SKIPS.read_text())["skips"]
    assert skips, "the list of accepted findings is read"
    for skip in skips:
        assert len(skip["reason"]) >= 80, f"{skip['id']} needs a written reason"
    functions = [n for n, r in template["Resources"].items() if r["Type"] in package.FUNCTION_TYPES]
    assert len(functions) == 10
    for name in functions:
        ids = {s["id"] for s in template["Resources"][name]["Metadata"]["checkov"]["skip"]}
        assert ids == {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"}
    skipped = {s["id"] for s in template["Resources"]["UploadsQueue"]["Metadata"]["checkov"]["skip"]}
    assert skipped == {"CKV_AWS_27"}
    # Nothing else is waved through: the table and the key carry no skip.
    assert "Metadata" not in template["Resources"]["DebtflowTable"]


def test_a_skip_naming_a_resource_the_template_lacks_stops_the_build(tmp_path: Path) -> None:
    sam = tmp_path / "sam.json"
    sam.write_text(json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}))
    skips = tmp_path / "skips.json"
    skips.write_text(json.dumps({"skips": [{"id": "CKV_AWS_27", "resources": ["OldQueue"], "reason": "r"}]}))
    with pytest.raises(RuntimeError, match="OldQueue"):
        package.add_checkov_skips(sam, skips)


def test_every_letter_renders_from_the_pruned_layer_and_the_function_alone(
    package_dir: Path, tmp_path: Path
) -> None:
    """The layer drops what the letters never load (infra/package.py, LAYER_PRUNE); this renders
    each letter type with only the built layer and function on the path, as Lambda would."""
    from pypdf import PdfReader

    layer, function, out = tmp_path / "layer", tmp_path / "function", tmp_path / "letters"
    for archive, folder in (
        (package_dir / "layer-deployment.zip", layer),
        (package_dir / "deployment.zip", function),
    ):
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(folder)
    out.mkdir()
    script = Path(__file__).with_name("render_every_letter.py")
    # -I -S: no virtualenv site-packages, no PYTHONPATH; -W error: a library warning (fpdf2 says
    # when Pillow cannot be imported) fails the run instead of scrolling past.
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-W",
            "error",
            str(script),
            str(function),
            str(layer / LAYER_SITE_PACKAGES),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    modules = json.loads((out / "modules.json").read_text())
    assert modules["outside"] == []
    assert {"fpdf", "fontTools.subset", "PIL._imaging", "segno"} <= set(modules["loaded"])
    assert not {"PIL._avif", "PIL._webp", "PIL._imagingft"} & set(modules["loaded"])
    for name, file in modules["pure"].items():
        assert file.startswith(str(layer)) and file.endswith(".py"), name

    def text(name: str) -> str:
        reader = PdfReader(out / f"{name}.pdf", strict=True)
        return " ".join(" ".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ").split())

    fourteen_day = text("fourteen_day_letter")
    assert "Beste Şükrü Yılmaz-Doğan van der Ĳssel," in fourteen_day
    assert "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd" in fourteen_day
    # BIK scale: 15% of 1,250.00 (BW 6:96 lid 7).
    assert "Totaal open: € 1.250,00" in fourteen_day and "Die zijn € 187,50" in fourteen_day
    reminder = text("reminder_letter")
    assert "Łukasz Szőke & Søren Weiß Café B.V. T.a.v. de administratie" in reminder
    assert "Herinnering: openstaande facturen van Groothandel Peeters B.V." in reminder
    assert "onder vermelding van 20417" in reminder
    demand = text("final_demand")
    assert "Laatste aanmaning en ingebrekestelling" in demand
    assert "Hoofdsom: € 1.250,00 Incassokosten: € 187,50" in demand
    # Posted Tue 8 Dec, presumed received Thu 10 Dec, + 7 days.
    assert "uiterlijk op 17 december 2026" in demand
    summary = text("handover_summary")
    assert "Debiteur: Łukasz Szőke & Søren Weiß Café B.V. (zakelijk), debiteurnummer 20417" in summary
    assert "Hoofdsom open: € 1.250,00" in summary and "Wettelijke rente tot en met 08-12-2026" in summary


def test_a_prune_pattern_that_matches_nothing_stops_the_build(tmp_path: Path) -> None:
    layer = tmp_path / "layer.zip"
    with zipfile.ZipFile(layer, "w") as archive:
        archive.writestr(f"{LAYER_SITE_PACKAGES}/PIL/_imaging.cpython-313-x86_64-linux-gnu.so", b"")
    with pytest.raises(RuntimeError, match=r"PIL/_avif"):
        package.trim_layer(
            layer, prune=(("PIL/_imaging.*.so", "kept in real life"), ("PIL/_avif.*.so", "gone"))
        )
    assert names(layer) == {f"{LAYER_SITE_PACKAGES}/PIL/_imaging.cpython-313-x86_64-linux-gnu.so"}
