"""Run every benchmark module (`bench/bench_*.py`), or the ones named: `python -m bench import sweep`."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time

import bench


def main(selected: list[str]) -> int:
    # The figures are the output: the handlers' EMF metric lines and INFO logs would bury them.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    failures = 0
    for name in names:
        print(f"\n=== {name.removeprefix('bench_')} ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as error:  # a broken benchmark must not hide the others' figures
            failures += 1
            print(f"FAILED: {type(error).__name__}: {error}", flush=True)
        print(f"({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
