"""`debtflow simulate` on the demo club's list for 120 days (target: under 60 s), as a user runs it.

Each run is a fresh `debtflow simulate ... --json` process: the figure includes the interpreter,
the imports, in-process moto and the Mollie emulator, as the wait at the prompt does. Its peak
memory is the child's VmHWM, sampled from /proc while it runs (the high-water mark only grows, and
a finished process no longer has one to read); not ru_maxrss, which a child of this large bench
process may inherit across fork+exec.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = "tests/fixtures/lists/demo_club.csv"
DAYS = 120
TARGET_SECONDS = 60.0
# Three by default so `make bench` stays short (~12 s a run); more: BENCH_SIMULATE_RUNS=10.
RUNS = 3
SAMPLE_SECONDS = 0.05


def debtflow_command() -> list[str]:
    """The installed console script next to this interpreter, as a user calls it."""
    script = Path(sys.executable).with_name("debtflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "chalicelib.cli"]


def high_water_mb(pid: int) -> float | None:
    """VmHWM of a running process in MB; None once it has exited (a zombie has no memory map)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def one_run() -> tuple[float, float | None, Counter[str]]:
    """(seconds, peak MB or None where /proc is missing, messages sent per channel) of one run."""
    command = [*debtflow_command(), "simulate", LIST, "--days", str(DAYS), "--json"]
    # The JSON goes to a file: a pipe that nobody reads while the child writes could stall it.
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.PIPE, text=True)
        peak: float | None = None
        while child.poll() is None:
            sample = high_water_mb(child.pid)
            if sample is not None:
                peak = max(peak or 0.0, sample)
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
        stderr = child.stderr.read() if child.stderr else ""
        if child.returncode != 0:
            raise RuntimeError(f"debtflow simulate exited {child.returncode}: {stderr[-2000:]}")
        out.seek(0)
        report = json.load(out)
    sent = Counter(
        str(entry.get("channel") or "?")
        for debtor in report["debtors"]
        for entry in debtor["timeline"]
        if entry["what"] == "message_sent"
    )
    return seconds, peak, sent


def main() -> None:
    runs = int(os.environ.get("BENCH_SIMULATE_RUNS", RUNS))
    seconds: list[float] = []
    peaks: list[float] = []
    counts: set[tuple[tuple[str, int], ...]] = set()
    for _ in range(runs):
        run_seconds, peak, sent = one_run()
        seconds.append(run_seconds)
        if peak is not None:
            peaks.append(peak)
        counts.add(tuple(sorted(sent.items())))
    slowest = max(seconds)
    verdict = "within" if slowest <= TARGET_SECONDS else "OVER"
    print(f"debtflow simulate {LIST} --days {DAYS} --json, {runs} fresh processes:")
    print(
        f"  min {min(seconds):.1f} s, median {statistics.median(seconds):.1f} s, max {slowest:.1f} s "
        f"({verdict} the target of {TARGET_SECONDS:.0f} s)"
    )
    for sent_per_channel in sorted(counts):
        channels = ", ".join(f"{count} {channel}" for channel, count in sent_per_channel)
        print(f"  messages in the output: {sum(c for _, c in sent_per_channel)} ({channels})")
    if len(counts) > 1:
        # The clock is simulated and the start fixed: every run should send the same messages.
        print("  the runs disagree on what was sent: the simulation is not repeatable")
    if peaks:
        print(f"  peak memory (VmHWM of the child): max {max(peaks):.0f} MB")


if __name__ == "__main__":
    main()
