"""Benchmark ``socprio.core.stability``: wall time and peak RSS of the stability run alone.

Run: ``.venv/bin/python bench/bench_stability.py`` (each case runs in a fresh subprocess so that
its peak RSS is its own). Cases: 10,000 draws over the 170-group synthetic sample, and 1,000
draws over 100,000 synthetic groups built directly as a FactorMatrix (no CSV, no records).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from datetime import date

import numpy as np

from socprio.config.load import load_config
from socprio.config.models import Config, FactorType
from socprio.core.matrix import FactorMatrix, build_matrix
from socprio.core.ranking import rank
from socprio.core.scoring import score
from socprio.core.stability import default_batch, second_opinion, stability
from socprio.sample.generate import generate_rows
from socprio.validate.records import build_record_model

AS_OF = date(2026, 11, 23)
CASES = {"small": (10_000, 170), "large": (1_000, 100_000)}


def sample_matrix(cfg: Config, groups: int) -> FactorMatrix:
    """The seeded synthetic sample, through the real record model."""
    rows = generate_rows(cfg, groups=groups, seed=1, as_of=AS_OF)
    header = next(rows)
    model = build_record_model(cfg)
    records = [
        model.model_validate(dict(zip(header, row, strict=True)), context={"as_of": AS_OF})
        for row in rows
    ]
    return build_matrix(records, cfg)


def synthetic_matrix(cfg: Config, groups: int, seed: int = 1) -> FactorMatrix:
    """A FactorMatrix of random valid values (about 10% unknown), built without records."""
    rng = np.random.default_rng(seed)
    raw = np.full((groups, len(cfg.factors)), np.nan)
    for j, factor in enumerate(cfg.factors.values()):
        if factor.type is not FactorType.CRIME_TYPE:
            raw[:, j] = rng.integers(0, factor.max + 1, groups)
            if factor.has_column:
                raw[rng.random(groups) < 0.1, j] = np.nan
    crimes = len(cfg.crime_types)
    principal = rng.integers(0, crimes, groups)
    secondary = rng.random((groups, crimes)) < 0.1
    secondary[np.arange(groups), principal] = False
    today = np.datetime64(AS_OF, "D")
    return FactorMatrix(
        group_id=np.array([f"OCG-{i:07d}" for i in range(groups)]),
        raw=raw,
        principal=principal,
        secondary=secondary,
        status=rng.choice(["active", "dormant", "archived"], groups, p=[0.92, 0.05, 0.03]),
        lro_assigned=rng.random(groups) < 0.7,
        confidence=rng.integers(0, 3, groups),
        last_review=today - rng.integers(0, 200, groups).astype("timedelta64[D]"),
        last_disruption=today - rng.integers(0, 400, groups).astype("timedelta64[D]"),
    )


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(name: str) -> None:
    """Time one case in this process and print one line."""
    draws, groups = CASES[name]
    cfg = load_config(None).config
    m = sample_matrix(cfg, groups) if groups <= 1000 else synthetic_matrix(cfg, groups)
    s = score(m, cfg)
    r = rank(m, s, cfg, as_of=AS_OF)
    ranked = len(r.order)
    before = peak_rss_mb()
    times = []
    for _ in range(3 if draws * ranked <= 10_000_000 else 1):
        start = time.perf_counter()
        st = stability(m, s, r, cfg, draws=draws, seed=1)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    second_opinion(m, s, r, cfg)
    views = time.perf_counter() - start
    print(
        f"{name:5}  {draws:>6,} draws x {groups:>7,} groups ({ranked:,} ranked, "
        f"batch {default_batch(ranked)}): stability {min(times):6.3f} s "
        f"(best of {len(times)}), second opinion {views:.3f} s; "
        f"peak RSS {before:6.1f} MiB before, {peak_rss_mb():6.1f} MiB after; "
        f"unstable {int(st.unstable.sum())}, rho median {st.spearman_median:.4f}"
    )


def main() -> None:
    """Run every case (or the one named by --case) in a fresh subprocess."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=sorted(CASES))
    args = parser.parse_args()
    if args.case:
        run_case(args.case)
        return
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    for name in CASES:
        subprocess.run([sys.executable, __file__, "--case", name], check=True)


if __name__ == "__main__":
    main()
