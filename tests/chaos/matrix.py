"""The fault matrix: each fault test writes its row to build/chaos/, and `python -m
tests.chaos.matrix` (run by `make chaos`) prints the table: ok = the fault fired at that step and
the story still ended as a clean run; FAIL = it fired and something was lost or sent twice;
- = the step makes no call the fault could hit."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from tests.chaos.story import FAULTS, STEPS

OUT = Path(__file__).resolve().parents[2] / "build" / "chaos"


def record_row(fault: str, fired: dict[str, bool], differences: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", fault.lower()).strip("-")
    (OUT / f"{name}.json").write_text(
        json.dumps({"fault": fault, "fired": fired, "differences": differences})
    )


def table() -> tuple[str, bool]:
    rows = {}
    for path in OUT.glob("*.json"):
        row = json.loads(path.read_text())
        rows[row["fault"]] = row
    width = max(len(f.name) for f in FAULTS)
    lines = [" " * width + " | " + " | ".join(STEPS)]
    passed = True
    for fault in FAULTS:
        row = rows.get(fault.name)
        if row is None:
            lines.append(f"{fault.name:{width}} | (not run)")
            passed = False
            continue
        ok = not row["differences"]
        passed &= ok
        cells = []
        for step in STEPS:
            mark = ("ok" if ok else "FAIL") if row["fired"].get(step) else "-"
            cells.append(f"{mark:^{len(step)}}")
        lines.append(f"{fault.name:{width}} | " + " | ".join(cells))
        lines += [f"{'':{width}}   ! {difference}" for difference in row["differences"]]
    return "\n".join(lines), passed


def main() -> int:
    text, passed = table()
    print(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
