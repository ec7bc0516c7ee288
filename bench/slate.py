"""Benchmark the tasking slate: 6,000 groups and 50 owners in about a second.

Run: ``.venv/bin/python bench/slate.py``. The groups are a 6,000-group sample
(``socprio sample --groups 6000 --seed 7``) as assessed: their scores, ranks, bands, act-now
and override flags and lead officers; each is given one of 50 owners at random (seeded), each
owner 40 slots (and, in the second case, an effort of 1-3 per group within 80 units: a
knapsack). Reports the median of 5 solves of ``core.slate.slate`` (the MILP and every reason),
then the whole ``socprio slate`` command on the same file (5 owners) in a fresh process.
"""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from socprio.config.capacity import OwnerCapacity
from socprio.config.load import load_config
from socprio.core.slate import SlateProblem, slate
from socprio.pipeline.assess import assess
from socprio.pipeline.slate import slate_problem

BIN = Path(sys.executable).parent
AS_OF = date(2026, 11, 23)
OWNERS, SLOTS, EFFORT = 50, 40, 80.0


def problem(path: Path, *, effort: bool) -> SlateProblem:
    base = slate_problem(assess(path, load_config(None), as_of=AS_OF))
    rng = np.random.default_rng(7)
    names = [f"F{i:02d}" for i in range(OWNERS)]
    owner = np.array(names, dtype=object)[rng.integers(0, OWNERS, len(base))]
    cap = OwnerCapacity(slots=SLOTS, effort=EFFORT if effort else None)
    return dataclasses.replace(
        base,
        owner=owner,
        effort=rng.integers(1, 4, len(base)).astype(np.float64) if effort else base.effort,
        capacity=tuple((n, cap) for n in names),
    )


def timed(p: SlateProblem, runs: int = 5) -> tuple[float, int]:
    walls, taken = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        taken = int(slate(p).take.sum())
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), taken


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ocgs.csv"
        cmd = [str(BIN / "socprio"), "sample", "--groups", "6000", "--seed", "7"]
        subprocess.run([*cmd, "--output", str(path)], check=True, capture_output=True)
        for effort in (False, True):
            p = problem(path, effort=effort)
            wall, taken = timed(p)
            what = "slots and effort" if effort else "slots only"
            print(f"slate, {len(p)} groups, {OWNERS} owners, {what}: {wall:.3f} s "
                  f"(median of 5), {taken} adopted")  # fmt: skip
        start = time.perf_counter()
        slate_cmd = [str(BIN / "socprio"), "slate", str(path), "--as-of", AS_OF.isoformat()]
        subprocess.run([*slate_cmd, "-f", "csv", "-q"], check=True, capture_output=True)
        print(f"socprio slate, 6,000 groups to csv (fresh process): "
              f"{time.perf_counter() - start:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
