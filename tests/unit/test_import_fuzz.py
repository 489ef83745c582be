"""Fuzzing the import with damaged copies of real exports: it reports or imports, it never raises.

Byte mutations (flip, delete, insert, truncate, duplicate a range) of every fixture list, CSV and
.xlsx; for a workbook half of the cases damage the sheet XML inside an intact zip, so the XML
parser is reached too, not only the zip checks. Each damaged file goes through the import service
(with the in-memory fakes) and through `debtflow check-list`, and both must agree on whether the
file as a whole was rejected. A seeded generator keeps every failure reproducible: the case
number and seed are in the assertion message.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import time
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from chalicelib.cli import check_list
from chalicelib.services.import_upload import ImportDeps, ImportUpload, import_upload
from tests.builders import CLUB, NOW
from tests.fakes import FakeClientDirectory, FakeDossierRepository, FakeFileStore, FakeUploadLedger

LISTS = Path(__file__).parent.parent / "fixtures" / "lists"
SHEET = "xl/worksheets/sheet1.xml"


def workbook_of(csv_path: Path) -> bytes:
    """The demo club's list as an Excel export (no .xlsx fixture is kept in the repository)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in csv_path.read_text(encoding="utf-8-sig").splitlines():
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fixtures() -> list[tuple[str, bytes]]:
    lists = [(path.name, path.read_bytes()) for path in sorted(LISTS.iterdir()) if path.is_file()]
    return [*lists, ("demo_club.xlsx", workbook_of(LISTS / "demo_club.csv"))]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            out += rng.randbytes(rng.randint(1, 64))
            continue
        start = rng.randrange(len(out))
        end = min(len(out), start + rng.randint(1, 256))
        kind = rng.choice(("flip", "delete", "insert", "truncate", "duplicate"))
        if kind == "flip":
            for position in rng.sample(range(len(out)), min(len(out), rng.randint(1, 8))):
                out[position] ^= 1 << rng.randrange(8)
        elif kind == "delete":
            del out[start:end]
        elif kind == "insert":
            out[start:start] = rng.randbytes(rng.randint(1, 64))
        elif kind == "truncate":
            del out[start:]
        else:
            out[start:start] = out[start:end]
    return bytes(out)


def mutate_sheet_xml(data: bytes, rng: random.Random) -> bytes:
    """A valid zip around damaged sheet XML: what a tool that writes broken XML produces."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            body = source.read(entry)
            target.writestr(entry.filename, mutate_bytes(body, rng) if entry.filename == SHEET else body)
    return out.getvalue()


def mutate(name: str, data: bytes, rng: random.Random) -> bytes:
    if name.endswith(".xlsx") and rng.random() < 0.5:
        return mutate_sheet_xml(data, rng)
    return mutate_bytes(data, rng)


def imported(name: str, data: bytes) -> str:
    """The import service's outcome; its report must be there and say why when it rejects."""
    files = FakeFileStore()
    key = f"incoming/{CLUB.client_id}/{name}"
    files.files[key] = data
    deps = ImportDeps(FakeClientDirectory(CLUB), FakeDossierRepository(), FakeUploadLedger(), files)
    result = import_upload(ImportUpload("uploads", key, "e1"), NOW, deps)
    report = json.loads(files.files[f"reports/{CLUB.client_id}/{name}.result.json"])
    assert report["status"] == result.status
    if result.status == "rejected_file":
        assert isinstance(report["error"], str) and len(report["error"]) > 20
        assert (report["accepted"], report["dossiers_opened"]) == (0, 0)
    else:
        assert result.status in ("imported", "held_for_confirmation")
        assert report["accepted"] + report["rejected_count"] <= report["rows"]
    return result.status


def checked(path: Path) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="debtflow")
    check_list.register(parser.add_subparsers())
    args = parser.parse_args(["check-list", str(path), "--json"])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = args.handler(args, column_mapping={})
    assert isinstance(code, int)
    return code, err.getvalue()


def fuzz(cases: int, seed: int, tmp_path: Path) -> Counter[str]:
    rng = random.Random(seed)
    originals = fixtures()
    figures: Counter[str] = Counter()
    for case in range(cases):
        name, original = originals[case % len(originals)]
        data = mutate(name, original, rng)
        try:
            status = imported(name, data)
            path = tmp_path / name
            path.write_bytes(data)
            code, err = checked(path)
        except Exception as error:  # the property: nothing escapes
            raise AssertionError(f"case {case} (seed {seed}, {name}) raised {error!r}") from error
        whole_file_rejection = status == "rejected_file"
        assert code == (2 if whole_file_rejection else 0), f"case {case} (seed {seed}, {name})"
        if whole_file_rejection:
            assert err.strip() and "Traceback" not in err, f"case {case} (seed {seed}, {name})"
        figures["xlsx" if name.endswith(".xlsx") else "csv"] += 1
        figures["rejected whole" if whole_file_rejection else "imported (rows accepted or rejected)"] += 1
    return figures


def report_figures(cases: int, figures: Counter[str], seconds: float) -> None:
    print(
        f"\nfuzz: {cases} cases in {seconds:.1f} s: "
        + ", ".join(f"{k} {v}" for k, v in sorted(figures.items()))
    )


def test_damaged_copies_of_every_fixture_are_reported_or_imported(tmp_path: Path) -> None:
    started = time.perf_counter()
    figures = fuzz(200, seed=20261126, tmp_path=tmp_path)
    report_figures(200, figures, time.perf_counter() - started)
    # Both outcomes occur, or the mutations are too gentle (or too harsh) to prove anything.
    assert figures["rejected whole"] > 0 and figures["imported (rows accepted or rejected)"] > 0


@pytest.mark.slow
def test_two_thousand_damaged_copies_are_reported_or_imported(tmp_path: Path) -> None:
    started = time.perf_counter()
    figures = fuzz(2000, seed=16, tmp_path=tmp_path)
    report_figures(2000, figures, time.perf_counter() - started)
    assert figures["xlsx"] >= 200
