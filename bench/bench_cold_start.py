"""Cold start: the import time of app.py next to that of boto3 alone (target ratio <= 2.0).

Each figure is the median of fresh interpreters, so caches of one run do not flatter the next.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 15
TARGET_RATIO = 2.0


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    app_times: list[float] = []
    boto3_times: list[float] = []
    for _ in range(RUNS):  # interleaved, so drift in the machine's speed hits both alike
        app_times.append(import_seconds("app"))
        boto3_times.append(import_seconds("boto3"))
    app_median, boto3_median = statistics.median(app_times), statistics.median(boto3_times)
    ratio = app_median / boto3_median
    print(f"import app:    median {app_median * 1000:7.1f} ms over {RUNS} fresh interpreters")
    print(f"import boto3:  median {boto3_median * 1000:7.1f} ms")
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio app/boto3: {ratio:.2f} ({verdict} the target of {TARGET_RATIO:.1f})")


if __name__ == "__main__":
    main()
