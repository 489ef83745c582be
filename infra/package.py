"""Build the deployable package: `chalice package` with infra/resources.json merged in, plus the
message templates inside the function zip.

    python -m infra.package [--stage prod] [--out build/package]

Output (`build/package/`): `sam.json` (a SAM template: `aws cloudformation package/deploy` or
`sam deploy`, see docs/deploy.md), `deployment.zip` (app.py, chalicelib/, templates/) and, because
`.chalice/config.json` sets `automatic_layer`, `layer-deployment.zip` (the requirements).

Why templates/ is added here: Chalice packages only app.py, chalicelib/ and the requirements.
Its `vendor/` folder is no way out with `automatic_layer`: vendor/ files then land in the *layer*
(`/opt/python/lib/python3.13/site-packages/`), not next to app.py where
chalicelib/services/templates.py looks for them (`<dir of app.py>/templates`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
MERGE_TEMPLATE = PROJECT / "infra" / "resources.json"
TEMPLATES = PROJECT / "templates"
CHECKOV_SKIPS = PROJECT / "infra" / "checkov_skips.json"
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
DEFAULT_OUT = PROJECT / "build" / "package"

# The target for what a function deploys. Lambda's own limits are 50 MB zipped for a direct
# upload and 250 MB unzipped for a function and its layers together.
FUNCTION_ZIP_LIMIT = 15 * 1024 * 1024
# What the function and its layers together may weigh zipped (the letters' PDF library and its
# font tooling are the largest addition after botocore).
PACKAGE_ZIP_LIMIT = 22 * 1000 * 1000
UNZIPPED_LIMIT = 250 * 1024 * 1024

# Chalice writes the Lambda runtime of the Python it runs on, and builds the layer for it: packaging
# from any other Python would deploy another runtime than the one the tests ran on.
LAMBDA_RUNTIME = "python3.13"

# botocore ships the API models of every AWS service (~16 MB zipped of the layer's ~22 MB). The
# functions call only these; tests/infra/test_package.py checks the code against this list, and
# that each of them still builds a client from the trimmed layer.
AWS_SERVICES_USED = ("cognito-idp", "dynamodb", "s3", "sesv2", "sns", "socialmessaging", "sqs", "ssm", "sts")
_BOTOCORE_DATA = "/site-packages/botocore/data/"


@dataclass(frozen=True)
class ZipSize:
    name: str
    zipped: int
    unzipped: int

    def line(self) -> str:
        return f"{self.name:24} {self.zipped / 1e6:8.2f} MB zipped {self.unzipped / 1e6:8.2f} MB unzipped"


def zip_size(path: Path) -> ZipSize:
    with zipfile.ZipFile(path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    return ZipSize(path.name, path.stat().st_size, unzipped)


def run_chalice_package(stage: str, out: Path) -> None:
    env = dict(os.environ)
    # Chalice insists on a region even to write a template; the template itself is region-free.
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    chalice = Path(sys.executable).with_name("chalice")
    command = [
        str(chalice),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(MERGE_TEMPLATE.relative_to(PROJECT)),
        str(out),
    ]
    subprocess.run(command, cwd=PROJECT, env=env, check=True)  # noqa: S603 - fixed argv, no shell


def add_templates(deployment_zip: Path, templates: Path = TEMPLATES) -> int:
    """Append templates/ at the zip's root, beside app.py. Returns the number of files added."""
    added = 0
    with zipfile.ZipFile(deployment_zip, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        present = set(archive.namelist())
        for path in sorted(templates.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            name = path.relative_to(templates.parent).as_posix()
            if name in present:
                raise RuntimeError(f"{name} is in the package already: who put it there?")
            # Fixed timestamp and mode, as Chalice writes its own entries: same input, same zip.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
            added += 1
    return added


def trim_botocore_models(layer_zip: Path, keep: tuple[str, ...] = AWS_SERVICES_USED) -> int:
    """Rewrite the layer without the API models of services the functions never call.

    Files directly in botocore/data/ (endpoints, partitions, retry rules) stay. Returns the number
    of entries dropped."""
    trimmed = layer_zip.with_suffix(".trimmed.zip")
    dropped = 0
    with zipfile.ZipFile(layer_zip) as source, zipfile.ZipFile(trimmed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            _, marker, rest = info.filename.partition(_BOTOCORE_DATA)
            service = rest.split("/", 1)[0] if marker and "/" in rest else None
            if service is not None and service not in keep:
                dropped += 1
                continue
            target.writestr(info, source.read(info))
    trimmed.replace(layer_zip)
    return dropped


def add_checkov_skips(template_path: Path, skips_path: Path = CHECKOV_SKIPS) -> int:
    """Write each accepted checkov finding into its resource's `Metadata.checkov.skip` (where
    checkov reads suppressions in a CloudFormation template), with its reason as the comment.
    Returns the number of skips written; a skip naming a resource the template lacks is an error,
    so a renamed resource cannot leave a stale suppression behind."""
    template = json.loads(template_path.read_text())
    resources: dict[str, dict[str, object]] = template["Resources"]
    written = 0
    for skip in json.loads(skips_path.read_text())["skips"]:
        names: list[str] = []
        for name in skip["resources"]:
            if name == "*Function":
                names += [n for n, r in resources.items() if r.get("Type") in FUNCTION_TYPES]
            elif name in resources:
                names.append(name)
            else:
                raise RuntimeError(
                    f"checkov skip {skip['id']} names {name}, which the template does not have"
                )
        for name in names:
            metadata = resources[name].setdefault("Metadata", {})
            assert isinstance(metadata, dict)
            metadata.setdefault("checkov", {}).setdefault("skip", []).append(
                {"id": skip["id"], "comment": skip["reason"]}
            )
            written += 1
    template_path.write_text(json.dumps(template, indent=2) + "\n")
    return written


def check_python(version: tuple[int, int] = sys.version_info[:2]) -> None:
    """Refuse to package from a Python other than the functions' runtime."""
    if f"python{version[0]}.{version[1]}" != LAMBDA_RUNTIME:
        raise RuntimeError(
            f"packaging runs on Python {version[0]}.{version[1]}, but the functions run {LAMBDA_RUNTIME}: "
            "run `make package`, whose virtualenv is built with Python 3.13"
        )


def build(out: Path = DEFAULT_OUT, stage: str = "prod") -> list[ZipSize]:
    """Package the stage into `out` (replaced) and return the sizes of its zips."""
    check_python()
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    run_chalice_package(stage, out)
    add_checkov_skips(out / "sam.json")
    deployment = out / "deployment.zip"
    # Chalice copies its cached zip from .chalice/deployments/ into `out`: the cache stays untouched.
    if add_templates(deployment) == 0:
        raise RuntimeError(f"no templates found under {TEMPLATES}")
    for layer in out.glob("layer-*.zip"):
        trim_botocore_models(layer)
    sizes = [zip_size(path) for path in sorted(out.glob("*.zip"))]
    function = next(s for s in sizes if s.name == "deployment.zip")
    if function.zipped > FUNCTION_ZIP_LIMIT:
        raise RuntimeError(f"the function package is {function.zipped / 1e6:.1f} MB zipped, over 15 MB")
    if sum(s.zipped for s in sizes) > PACKAGE_ZIP_LIMIT:
        raise RuntimeError(
            f"function and layer are {sum(s.zipped for s in sizes) / 1e6:.1f} MB zipped, over 22 MB"
        )
    if sum(s.unzipped for s in sizes) > UNZIPPED_LIMIT:
        raise RuntimeError("function and layer exceed Lambda's 250 MB unzipped limit")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    for size in build(args.out, args.stage):
        print(size.line())
    print(f"template: {args.out / 'sam.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
