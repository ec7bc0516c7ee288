"""Benchmark for issue 14: ``socprio outcomes`` on 52 weekly runs of 6,000 groups with 20,000
disruptions should take a few seconds. Run by hand: ``python bench/outcomes.py``.

The archive is built once with ``socprio sample --weeks`` (slow: every week is scored and
archived) into ``--dir`` and reused when it is already there; the ledger is the generated
one topped up to ``--disruptions`` lines with random valid disruptions (seeded).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import SOCPRIO, measure

AS_OF = date(2026, 11, 23)


def build(directory: Path, weeks: int, groups: int) -> None:
    """The archive (once) and the generated ledger."""
    if (directory / "disruptions.csv").exists():
        return
    from socprio.config.load import load_config
    from socprio.sample.history import write_history

    start = time.perf_counter()
    write_history(load_config(None), directory, weeks=weeks, groups=groups, seed=14, as_of=AS_OF)
    print(f"built {weeks} runs x {groups} groups in {time.perf_counter() - start:.1f} s")


def topped_up(directory: Path, weeks: int, total: int) -> Path:
    """The generated ledger plus random valid lines, ``total`` lines in all."""
    source = directory / "disruptions.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    with (directory / "latest" / "ranking.csv").open(encoding="utf-8-sig", newline="") as f:
        ids = [r["group_id"] for r in csv.DictReader(f)]
    rng = np.random.default_rng(14)
    n = (total - len(body)) * 2  # twice as many, less any repeats of group, date, tactic
    first = AS_OF - timedelta(weeks=weeks - 1)
    offsets = rng.integers(0, (AS_OF - first).days + 1, size=n)
    pick = rng.integers(0, len(ids), size=n)
    tactics = ["arrest", "charge", "seizure", "asset_recovery", "civil_order", "safeguarding"]
    grades = ["major", "moderate", "minor", "none", "negative"]
    status = ["pending", "verified", "rejected"]
    extra = [
        [
            ids[p],
            (first + timedelta(days=int(o))).isoformat(),
            tactics[i % 6],
            ["pursue", "prepare", "protect", "prevent"][i % 4],
            grades[i % 5],
            "ROCU",
            status[i % 3],
            f"BX-{i:06d}",
            "bench",
        ]
        for i, (p, o) in enumerate(zip(pick, offsets, strict=True))
    ]
    seen = {(r[0], r[1], r[2]) for r in body}
    unique = [
        r for r in extra if (r[0], r[1], r[2]) not in seen and not seen.add((r[0], r[1], r[2]))
    ]
    extra = unique[: total - len(body)]
    out = directory / "bench-disruptions.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(body + extra)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/socprio-bench-outcomes"))
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--groups", type=int, default=6000)
    parser.add_argument("--disruptions", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    build(args.dir, args.weeks, args.groups)
    ledger = topped_up(args.dir, args.weeks, args.disruptions)
    for fmt in ("csv", "json", "table"):
        out = ["-o", str(args.dir / f"out.{fmt}")] if fmt != "table" else []
        cmd = [SOCPRIO, "outcomes", "--archive", str(args.dir), "--disruptions", str(ledger)]
        cmd += ["-f", fmt, *out]
        runs = [measure(cmd) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        print(f"outcomes -f {fmt}: {wall:.2f} s median of {args.repeat}, peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
