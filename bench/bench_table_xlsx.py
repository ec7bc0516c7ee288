"""Benchmark the terminal table and the workbook: wall time, rows per second and peak RSS.

Run: ``.venv/bin/python bench/bench_table_xlsx.py`` (each case runs in a fresh subprocess, so
its peak RSS is its own; the assessment is built first and its cost and memory are printed
apart). Cases: the full table listing (``rank --all``: every row, streamed) and the default
terminal view (the first rows and the act-now groups) at 170, 6,000, 20,000 and 200,000
groups; the workbook at 170, 6,000 and 20,000 groups (add ``--big`` for 200,000).

Targets (issue 11): the table lists thousands of rows per second (200,000 rows must not take
minutes); the workbook costs at most a few seconds at 20,000 groups (it was 15 s).
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import time
from datetime import date

AS_OF = date(2026, 11, 23)
TABLE_SIZES = (170, 6_000, 20_000, 200_000)
XLSX_SIZES = (170, 6_000, 20_000)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def assessed(groups: int) -> object:
    """The seeded synthetic sample of ``groups`` active groups, assessed."""
    from socprio import assess, load_config
    from socprio.sample.generate import generate_rows, write_csv

    loaded = load_config(None)
    out = io.StringIO()
    write_csv(generate_rows(loaded.config, groups=groups, seed=1, as_of=AS_OF), out)
    return assess(out.getvalue().encode("utf-8"), loaded, as_of=AS_OF)


def run_case(kind: str, groups: int) -> None:
    """Time one case in this process and print one line."""
    start = time.perf_counter()
    a = assessed(groups)
    built, base = time.perf_counter() - start, peak_rss_mb()
    start = time.perf_counter()
    if kind == "xlsx":
        from socprio.present.xlsx import workbook_bytes

        size = len(workbook_bytes(a))  # type: ignore[arg-type]
    else:
        from socprio.present.table import table_chunks

        limit = 40 if kind == "screen" else None
        size = sum(len(c) for c in table_chunks(a, width=100, limit=limit))  # type: ignore[arg-type]
    took = time.perf_counter() - start
    rate = f"{groups / took:>10,.0f} rows/s" if kind != "screen" else " " * 17
    print(
        f"{kind:<6} {groups:>8,} groups  {took:7.2f} s {rate}  {size / 1e6:7.1f} MB out  "
        f"peak RSS {peak_rss_mb():6.0f} MiB (assessment {base:.0f} MiB, {built:.1f} s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--case", nargs=2, metavar=("KIND", "GROUPS"), help=argparse.SUPPRESS)
    parser.add_argument("--big", action="store_true", help="also the workbook at 200,000")
    parser.add_argument("--only", choices=("table", "screen", "xlsx"), help="one kind only")
    args = parser.parse_args()
    if args.case:
        run_case(args.case[0], int(args.case[1]))
        return
    cases = [("table", n) for n in TABLE_SIZES] + [("screen", n) for n in TABLE_SIZES]
    cases += [("xlsx", n) for n in (*XLSX_SIZES, *((200_000,) if args.big else ()))]
    for kind, groups in cases:
        if args.only in (None, kind):
            cmd = [sys.executable, __file__, "--case", kind, str(groups)]
            subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
