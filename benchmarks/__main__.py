"""Run every benchmark: ``python -m benchmarks [--quick]``; prints one table each.

Figures of full runs are recorded in ``benchmarks/RESULTS.md`` with the machine and the date.
"""

from __future__ import annotations

import argparse
import importlib

MODULES = ("bench_geometry", "bench_contacts", "bench_physics", "bench_simulation",
           "bench_coverage", "bench_economics", "bench_routes")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small cases (a smoke run)")
    parser.add_argument("only", nargs="*", help="benchmark names, e.g. geometry physics")
    args = parser.parse_args(argv)
    for name in MODULES:
        short = name.removeprefix("bench_")
        if args.only and short not in args.only:
            continue
        print(f"\n## {short}\n")
        module = importlib.import_module(f"benchmarks.{name}")
        module.main(["--quick"] if args.quick else [])


if __name__ == "__main__":
    main()
