"""Benchmark ``socprio gaps`` and ``socprio quality``, and measure the consistency check's rates.

Run: ``.venv/bin/python bench/bench_gaps.py`` (or ``--case timing`` / ``--case rates``).

- timing: a 200,000-group file (``socprio sample --groups 200000 --seed 7``); ``rank``, ``gaps``
  and ``quality``, each to a CSV file in a fresh process: median wall time of 3 runs and peak
  RSS (the child's own, from ``os.wait4``). Target: each within a few times ``rank``.
- rates: at the sample's size (170 active groups), the share of seeds in which a planted bias
  of one level (``--bias FORCE:violence:+1``) is flagged for that force and factor, per force;
  the share in which anything else is flagged as well; and the share of unbiased seeds with
  any flag at all (the family-wise false-alarm rate, designed to be at most 5%).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BIN = Path(sys.executable).parent
SOCPRIO = str(BIN / "socprio")
AS_OF = date(2026, 11, 23)


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of ``cmd`` in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024


def timing(groups: int, runs: int) -> None:
    """Time rank, gaps and quality on one generated file."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "ocgs.csv"
        subprocess.run(
            [SOCPRIO, "sample", "--groups", str(groups), "--seed", "7", "-o", str(data)],
            check=True,
        )
        base: tuple[float, float] | None = None
        for command in ("rank", "gaps", "quality"):
            out = Path(tmp) / f"{command}.csv"
            cmd = [SOCPRIO, command, str(data), "--as-of", AS_OF.isoformat(), "-f", "csv"]
            results = [measure([*cmd, "-o", str(out)]) for _ in range(runs)]
            wall = statistics.median(r[0] for r in results)
            peak = max(r[1] for r in results)
            base = base or (wall, peak)
            print(
                f"{command:8s} {groups:,} groups: {wall:7.2f} s (median of {runs}), "
                f"peak {peak:7.1f} MiB | {wall / base[0]:4.2f}x rank wall, "
                f"{peak / base[1]:4.2f}x rank memory"
            )


def rates(seeds: int) -> None:
    """Detection per force and false alarms over ``seeds`` seeds at 170 groups."""
    import numpy as np

    from socprio.config.load import load_config
    from socprio.core.quality import input_factors
    from socprio.pipeline.quality import assess_quality
    from socprio.sample.bias import Bias
    from socprio.sample.generate import generate_csv

    loaded = load_config(None)
    cfg = loaded.config
    names = input_factors(cfg)

    def flagged(seed: int, biases: list[Bias]) -> set[tuple[str, str]]:
        text = "".join(generate_csv(cfg, groups=170, seed=seed, as_of=AS_OF, biases=biases))
        c = assess_quality(text.encode(), loaded, as_of=AS_OF).consistency
        return {
            (cfg.record.forces[c.force[i]], names[c.factor[i]]) for i in np.flatnonzero(c.flagged)
        }

    start = time.perf_counter()
    for force in cfg.record.forces:
        hits = [flagged(seed, [Bias(force, "violence", 1)]) for seed in range(seeds)]
        found = sum((force, "violence") in h for h in hits)
        other = sum(bool(h - {(force, "violence")}) for h in hits)
        print(
            f"bias {force}:violence:+1 over {seeds} seeds: found {found / seeds:5.1%}, "
            f"another pair flagged too {other / seeds:5.1%}"
        )
    alarms = sum(bool(flagged(10_000 + seed, [])) for seed in range(seeds))
    print(
        f"unbiased over {seeds} seeds: any flag {alarms / seeds:5.1%} "
        f"({time.perf_counter() - start:.0f} s)"
    )


def main() -> None:
    """Run both cases (or the one named by --case)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=["timing", "rates"])
    parser.add_argument("--groups", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    if args.case in (None, "timing"):
        timing(args.groups, args.runs)
    if args.case in (None, "rates"):
        rates(args.seeds)


if __name__ == "__main__":
    main()
