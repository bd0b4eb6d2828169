"""Run every benchmark module (`benchmarks/bench_*.py`, each with `run() -> list[Figure]`).

    python -m benchmarks              all figures as a table
    python -m benchmarks --json       the same as JSON
    python -m benchmarks --only core  only modules whose name contains "core"
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback

import benchmarks
from benchmarks._harness import Figure, dump


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    parser.add_argument("--only", default="", help="run only modules whose name contains this")
    args = parser.parse_args(argv)
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_") and args.only in m.name
    )
    figures: list[Figure] = []
    failed = 0
    for name in names:
        if not args.json:
            print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            results = module.run()
        except Exception:
            failed += 1
            print(f"benchmark {name} failed:\n{traceback.format_exc()}", file=sys.stderr)
            continue
        figures.extend(results)
        if not args.json:
            for f in results:
                print(f.row(), flush=True)
    if args.json:
        print(dump(figures))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
