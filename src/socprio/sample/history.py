"""SHELL: a synthetic weekly archive and its disruption ledger (``socprio sample --weeks``).

One generated record set is evolved week by week (factor values change in arrays, never per
row in Python), each week is scored with ``assess`` and archived with ``archive_ranking``,
and ``DIR/disruptions.csv`` lists the disruptions. Effects are planted so ``outcomes`` has
ground truth: harm falls after most verified major/moderate disruptions (FALL), falls then
grows back in some groups (REGROWTH), and does not move after some claimed ones (UNSUPPORTED).
Deterministic from the seed (manifests carry a fixed creation time derived from the date).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from socprio.config.ledger import LEDGER_COLUMNS
from socprio.config.models import LoadedConfig

LEDGER_NAME = "disruptions.csv"
HARM_FACTORS = ("violence", "weapons_access", "community_impact")  # lowered by a disruption
HIGH, LOW = "3", "1"
TRAIL = 9  # runs after the disruption's week: the 4- and 8-week horizons must exist


@dataclass(frozen=True)
class History:
    """What was written, and the planted truth: (group_id, date) of each planted claim."""

    runs: tuple[date, ...]
    ledger: Path
    fall: frozenset[tuple[str, date]]
    regrowth: frozenset[tuple[str, date]]
    unsupported: frozenset[tuple[str, date]]


def write_history(
    loaded: LoadedConfig, directory: Path, *, weeks: int, groups: int, seed: int, as_of: date
) -> History:
    """Write ``weeks`` weekly runs ending at ``as_of`` into ``directory`` and the ledger."""
    from socprio.history.archive import archive_ranking
    from socprio.history.manifest import CONFIG_NAME, INPUT_NAME
    from socprio.history.replay import replay_options
    from socprio.pipeline.assess import assess
    from socprio.sample.constants import SAMPLE_FILE_MODE
    from socprio.sample.generate import generate_csv
    from socprio.write.output import write_output

    days = tuple(as_of - timedelta(weeks=weeks - 1 - k) for k in range(weeks))
    text = "".join(generate_csv(loaded.config, groups=groups, seed=seed, as_of=days[0]))
    base = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    rng = np.random.default_rng([seed, weeks, 14])
    plan = _plan(base, rng, days, loaded.config.record.disruption_types)
    replay = replay_options(
        directory, None, include_dormant=False, draws=0, seed=0, encoding="utf-8", delimiter=","
    )
    for k, day in enumerate(days):
        week = _week(base, plan, k, rng)
        data = week.to_csv(index=False, lineterminator="\n").encode()
        a = assess(data, loaded, as_of=day)
        stamp = datetime.combine(day, time(6), tzinfo=UTC)
        archive_ranking(  # with its input and config, so the week can be replayed and decided on
            directory,
            a,
            argv=["socprio", "sample", "--weeks"],
            now=stamp,
            replace=True,
            sources={INPUT_NAME: data, CONFIG_NAME: loaded.raw},
            replay=replay,
        )
    ledger = directory / LEDGER_NAME
    write_output(ledger, _ledger_csv(plan["ledger"]), mode=SAMPLE_FILE_MODE)
    truth = {
        kind: frozenset(
            (g, d)
            for g, d, p in zip(
                plan["ledger"].group_id, plan["ledger"].day, plan["ledger"].plant, strict=True
            )
            if p == kind
        )
        for kind in ("fall", "regrowth", "unsupported")
    }
    return History(days, ledger, truth["fall"], truth["regrowth"], truth["unsupported"])


def _plan(
    base: pd.DataFrame, rng: np.random.Generator, days: tuple[date, ...], tactics: tuple[str, ...]
) -> dict[str, Any]:
    """Choose the disrupted groups, their dates, claims and planted effects."""
    active = np.flatnonzero((base["status"] == "active").to_numpy())
    last = max(0, len(days) - 1 - TRAIL)  # the latest week a planted disruption may follow
    n = len(active)
    sizes = {
        k: max(2, n * share // 100)
        for k, share in (
            ("fall", 6),
            ("regrowth", 3),
            ("unsupported", 4),
            ("rejected", 2),
            ("background", 9),
        )
    }
    chosen = rng.permutation(active)[: sum(sizes.values())]
    plant = np.repeat(list(sizes), list(sizes.values()))[: len(chosen)]
    week = rng.integers(0, last + 1, size=len(chosen))
    offset = rng.integers(1, 7, size=len(chosen))
    day = [days[w] + timedelta(days=int(o)) for w, o in zip(week, offset, strict=True)]
    background = plant == "background"
    spread = rng.integers(0, len(days), size=len(chosen))  # background rows at any week
    day = [
        days[s] - timedelta(days=int(o)) if b else d
        for d, s, o, b in zip(day, spread, offset, background, strict=True)
    ]
    grade, verification = _claims(plant, rng)
    ledger = (
        pd.DataFrame(
            {
                "row": chosen,
                "group_id": base["group_id"].to_numpy()[chosen],
                "day": day,
                "week": week,
                "plant": plant,
                "claimed_grade": grade,
                "verification": verification,
                "tactic": rng.choice(tactics, len(chosen)),
                "strand": rng.choice(
                    ["pursue", "prepare", "protect", "prevent"], len(chosen), p=[0.6, 0.1, 0.2, 0.1]
                ),
                "assessed_by": rng.choice(
                    ["WMP", "STAFFS", "WARKS", "WMERCIA", "ROCU"], len(chosen)
                ),
            }
        )
        .sort_values(["day", "group_id"], kind="stable")
        .reset_index(drop=True)
    )
    ledger["evidence_ref"] = [
        f"EV-{i + 1:05d}" if v == "verified" else "" for i, v in enumerate(ledger.verification)
    ]
    ledger["notes"] = np.where(
        ledger.plant == "background", "Routine activity", "Synthetic planted effect"
    )
    return {"ledger": ledger, "days": days}


def _claims(
    plant: npt.NDArray[np.str_], rng: np.random.Generator
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_]]:
    """The claimed grade and verification of each planted kind of disruption."""
    n = len(plant)
    grade = np.where(
        np.isin(plant, ("fall", "regrowth")),
        rng.choice(["major", "moderate"], n, p=[0.7, 0.3]),
        np.where(
            np.isin(plant, ("unsupported", "rejected")),
            rng.choice(["major", "moderate"], n),
            rng.choice(["minor", "none", "negative"], n, p=[0.6, 0.3, 0.1]),
        ),
    )
    verification = np.where(
        np.isin(plant, ("fall", "regrowth")),
        "verified",
        np.where(plant == "rejected", "rejected", rng.choice(["pending", "verified"], n)),
    )
    return grade, verification


def _week(
    base: pd.DataFrame, plan: dict[str, Any], k: int, rng: np.random.Generator
) -> pd.DataFrame:
    """The records as of week ``k``: planted groups high before, low after; others drift in
    threat (which never moves harm)."""
    week = base.copy()
    led = plan["ledger"]
    planted = led[led.plant != "background"]
    for col in HARM_FACTORS:
        values = week[col].to_numpy(dtype=object)
        values[planted.row.to_numpy()] = HIGH
        after = (planted.week.to_numpy() < k) & np.isin(planted.plant, ("fall", "regrowth"))
        regrown = (planted.plant == "regrowth").to_numpy() & (k >= planted.week.to_numpy() + 6)
        values[planted.row.to_numpy()[after & ~regrown]] = LOW
        week[col] = values
    intent = week["intent"].to_numpy(dtype=object)
    known = np.isin(intent, ("0", "1", "2", "3", "4"))
    step = rng.integers(-1, 2, size=len(intent))
    intent[known] = np.clip(intent[known].astype(int) + step[known], 0, 4).astype(str)
    week["intent"] = intent
    return _last_disruption(week, led, plan["days"][k])


def _last_disruption(week: pd.DataFrame, led: pd.DataFrame, day: date) -> pd.DataFrame:
    """Each disrupted group's record names its latest ledger disruption up to ``day``."""
    done = led[(led.day <= day) & (led.verification != "rejected")]
    latest = done.sort_values(["day"], kind="stable").drop_duplicates("row", keep="last")
    rows = latest.row.to_numpy()
    for col, values in (
        ("last_disruption_date", [d.isoformat() for d in latest.day]),
        ("disruption_type", latest.tactic.to_numpy()),
    ):
        cells = week[col].to_numpy(dtype=object)
        cells[rows] = values
        week[col] = cells
    return week


def _ledger_csv(led: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    cols = [
        led.group_id,
        [d.isoformat() for d in led.day],
        led.tactic,
        led.strand,
        led.claimed_grade,
        led.assessed_by,
        led.verification,
        led.evidence_ref,
        led.notes,
    ]
    writer.writerows(zip(*cols, strict=True))
    return out.getvalue()
