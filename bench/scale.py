"""Every command at 170, 6,000, 200,000 and 1,000,000 groups: time, peak memory and the growth
exponent between sizes. Run by hand (``python bench/scale.py``; figures go in the notes).

The exponent between two sizes is log(t2 / t1) / log(n2 / n1): about 1 for a linear command,
a little more for n log n; anything near 2 is a regression. At the smallest sizes start-up
dominates, so read the exponent between 6,000 and the larger sizes. The two largest sizes run
only the commands the issue names for them (rank, validate, csv and json export) unless `--every`
is given (a quadratic step that is small at 6,000 groups shows only there). `--only NAME`
skips the rest: replay, decide and log verify read the archive the `archive` command writes.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from run import SOCPRIO, measure

AS_OF = "2026-11-23"
SMALL = (170, 6_000)
LARGE = (200_000, 1_000_000)


def top_group(data: Path) -> str:
    """The group ranked first in ``data`` (a fixed id may be dormant at some sizes, and only a
    ranked group can be decided on)."""
    cmd = [SOCPRIO, "rank", str(data), "--as-of", AS_OF, "-q", "-f", "csv", "--top", "1"]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    header, first = list(csv.reader(io.StringIO(text)))[:2]
    return first[header.index("group_id")]


def commands(data: Path, out: Path, n: int, *, every: bool = False) -> dict[str, list[str]]:
    """The commands to time on ``data`` (``n`` groups), by name, in the order they run (the
    archive is written before the commands that read it: replay, decide, log verify)."""
    rank = [SOCPRIO, "rank", str(data), "--as-of", AS_OF, "-q"]
    archive, log, history = out / f"archive-{n}", out / f"log-{n}.jsonl", out / f"history-{n}"
    on_archive = ["--archive", str(archive), "--as-of", AS_OF]
    named = {
        "validate": [SOCPRIO, "validate", str(data), "--as-of", AS_OF, "-q"],
        "rank csv": [*rank, "-f", "csv", "-o", str(out / "r.csv")],
        "rank json": [*rank, "-f", "json", "-o", str(out / "r.json")],
    }
    if n in LARGE and not every:
        return named
    top = top_group(data)
    return named | {
        "rank table": [SOCPRIO, "rank", str(data), "--as-of", AS_OF, "--all"],
        "rank markdown": [*rank, "-f", "markdown", "-o", str(out / "r.md")],
        "rank xlsx": [*rank, "-f", "xlsx", "-o", str(out / "r.xlsx")],
        "archive": [*rank, "--archive", str(archive), "--replace"],
        "replay": [SOCPRIO, "replay", *on_archive, "-q"],
        "decide": [
            *[SOCPRIO, "decide", top, "adopt", "--log", str(log), *on_archive, "-q"],
            *["--by", "bench", "--rationale", "timing"],
        ],
        "log verify": [SOCPRIO, "log", "verify", str(log)],
        "report": [SOCPRIO, "report", str(data), "--as-of", AS_OF, "-q", "-o", str(out / "p.html")],
        "explain": [SOCPRIO, "explain", top, str(data), "--as-of", AS_OF],
        "stability 1000": [
            *[SOCPRIO, "stability", str(data), "--as-of", AS_OF, "--draws", "1000"],
        ],
        "gaps": [SOCPRIO, "gaps", str(data), "--as-of", AS_OF, "-f", "csv"],
        "quality": [SOCPRIO, "quality", str(data), "--as-of", AS_OF, "-f", "csv"],
        "diff": [SOCPRIO, "diff", str(out / "r.json"), str(out / "r.json")],
        # two files read (diff reads a file given twice once): the CSV and JSON exports
        "diff csv json": [SOCPRIO, "diff", str(out / "r.csv"), str(out / "r.json")],
        "slate": [SOCPRIO, "slate", str(data), "--as-of", AS_OF, "-f", "csv", "-q"],
        "sample": [SOCPRIO, "sample", "--groups", str(n), "-o", str(out / "s.csv")],
        "sample 4 weeks": [
            *[SOCPRIO, "sample", "--groups", str(n), "--weeks", "4", "--archive", str(history)],
        ],
        "outcomes": [
            *[SOCPRIO, "outcomes", "--archive", str(history), "-f", "csv"],
            *["--disruptions", str(history / "disruptions.csv"), "-o", str(out / "o.csv")],
        ],
        "schema": [SOCPRIO, "schema"],
        "config show": [SOCPRIO, "config", "show"],
        "config check": [SOCPRIO, "config", "check"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[*SMALL, *LARGE])
    parser.add_argument("--runs", type=int, default=1, help="median of this many runs")
    parser.add_argument("--only", nargs="+", help="time only these commands (by name)")
    parser.add_argument(
        "--every", action="store_true", help="every command at the large sizes too (slow)"
    )
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    seen: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for n in args.sizes:
            data = out / f"groups-{n}.csv"
            subprocess.run(
                [SOCPRIO, "sample", "--groups", str(n), "--seed", "3", "-o", str(data)],
                check=True,
            )
            for name, cmd in commands(data, out, n, every=args.every).items():
                if args.only and name not in args.only:
                    continue
                runs = [measure(cmd) for _ in range(args.runs)]
                wall, peak = statistics.median(r[0] for r in runs), max(r[1] for r in runs)
                growth = ""
                if name in seen:
                    n0, t0 = seen[name]
                    growth = f"  exponent {math.log(wall / t0) / math.log(n / n0):5.2f}"
                seen[name] = (n, wall)
                print(f"{n:>9,} {name:15s} {wall:8.2f} s {peak:8.1f} MiB{growth}", flush=True)


if __name__ == "__main__":
    main()
