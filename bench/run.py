"""Benchmarks for the issue targets. Run by hand: ``make bench`` (or ``python bench/run.py``).

Each command runs in a fresh process; wall time is the median of several runs, and peak
memory is the child's own max RSS (``os.wait4``), so nothing else on the machine is counted.

Targets (issue 11):
  startup  socprio rank sample_data/ocgs.csv --format csv   <= 1.15x
           python -c "import typer, pydantic, yaml, rich, pandas"
  help     socprio --help  <= 1.5x  python -c "import typer"
  large    200,000 records ranked to CSV                    <= 2x wall and <= 1.5x peak memory
           of a plain pandas script (read_csv + weighted sum + sort + to_csv) on the same file

Children run as an installed tool runs: with bytecode caching on, even where the caller's
environment sets PYTHONDONTWRITEBYTECODE (this workplace does), because compiling socprio's
modules from source on every run would be measured as start-up otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SOCPRIO = str(BIN / "socprio")
PY = sys.executable
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of ``cmd`` in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024


def median_of(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and max peak RSS over ``runs`` runs (after one warm-up run)."""
    measure(cmd)
    results = [measure(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def report(
    name: str,
    ours: tuple[float, float],
    base: tuple[float, float],
    wall_target: float,
    mem_target: float | None = None,
) -> None:
    ratio = ours[0] / base[0]
    line = (
        f"{name:8s} socprio {ours[0]:7.3f} s {ours[1]:7.1f} MiB | baseline {base[0]:7.3f} s "
        f"{base[1]:7.1f} MiB | wall {ratio:4.2f}x (target <= {wall_target}x)"
    )
    if mem_target is not None:
        line += f" | memory {ours[1] / base[1]:4.2f}x (target <= {mem_target}x)"
    print(line, flush=True)


PANDAS_BASELINE = """
import sys
import pandas as pd
df = pd.read_csv(sys.argv[1])
weights = {w}
cols = list(weights)
num = df[cols].apply(pd.to_numeric, errors="coerce").fillna(2)
df["score"] = (num * pd.Series(weights)).sum(axis=1)
df.sort_values("score", ascending=False).to_csv(sys.argv[2], index=False)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--large-groups", type=int, default=200_000)
    parser.add_argument("--large-runs", type=int, default=3)
    parser.add_argument("--only", choices=["startup", "help", "large"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["startup", "help", "large"])
    sample = str(ROOT / "sample_data" / "ocgs.csv")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    if "startup" in only:
        ours = median_of(
            [SOCPRIO, "rank", sample, "--format", "csv", "--as-of", "2026-11-23", "-q"], args.runs
        )
        base = median_of([PY, "-c", "import typer, pydantic, yaml, rich, pandas"], args.runs)
        report("startup", ours, base, 1.15)
    if "help" in only:
        ours = median_of([SOCPRIO, "--help"], args.runs)
        base = median_of([PY, "-c", "import typer"], args.runs)
        report("help", ours, base, 1.5)
    if "large" in only:
        with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
            data = Path(tmp) / "large.csv"
            subprocess.run(
                [SOCPRIO, "sample", "--groups", str(args.large_groups), "--output", str(data)],
                check=True,
            )
            script = Path(tmp) / "baseline.py"
            factors = [
                "violence",
                "weapons_access",
                "exploitation",
                "community_impact",
                "intent",
                "capability",
                "corruption",
                "legal_business_use",
                "financial_band",
                "geographic_reach",
                "countermeasures",
            ]
            script.write_text(PANDAS_BASELINE.format(w=dict.fromkeys(factors, 1.0)))
            ours = median_of(
                [
                    SOCPRIO,
                    "rank",
                    str(data),
                    "--format",
                    "csv",
                    "--as-of",
                    "2026-11-23",
                    "-q",
                    "--output",
                    str(Path(tmp) / "ours.csv"),
                ],
                args.large_runs,
            )
            base = median_of(
                [PY, str(script), str(data), str(Path(tmp) / "base.csv")], args.large_runs
            )
            report("large", ours, base, 2.0, 1.5)


if __name__ == "__main__":
    main()
