"""SHELL: every archived run read into one panel (run x group) for ``socprio outcomes``.

Each run is verified against its manifest (every file's SHA-256) before its ranking.csv is
read; the manifest's own SHA-256 is kept for the output's provenance.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from socprio.errors import DataError, NoInputError
from socprio.history.archive import CSV_NAME, MANIFEST_NAME, runs
from socprio.history.manifest import sha256_hex, verified_run
from socprio.history.weekstore import week_dir
from socprio.present.escape import unescape_cell

COLUMNS = ("group_id", "lead_force", "band", "last_disruption_date")  # text; and score


@dataclass(frozen=True, eq=False)
class Panel:
    """One row per (run, group): ``as_of`` (datetime64), COLUMNS, ``score``, ``band_number`` and
    ``harm`` (the harm group's points); ``runs`` pairs each run's date with its manifest's
    SHA-256, oldest first."""

    frame: pd.DataFrame
    runs: tuple[tuple[date, str], ...]
    harm_column: str


def load_panel(archive_dir: Path, *, harm_group: str) -> Panel:
    """Every complete run in ``archive_dir`` (NoInputError if there are none)."""
    found = [r for r in runs(archive_dir) if r.complete]
    if not found:
        raise NoInputError("no complete archived runs", file=str(archive_dir))
    harm = f"{harm_group}_points"
    parts: list[pd.DataFrame] = []
    used: list[tuple[date, str]] = []
    for run in found:
        held = week_dir(run.path)
        assert held is not None
        data, _ = verified_run(held, read=CSV_NAME)
        assert data is not None
        used.append((run.as_of, sha256_hex((held / MANIFEST_NAME).read_bytes())))
        parts.append(_read(data, source=str(run.path / CSV_NAME), harm=harm, as_of=run.as_of))
    frame = pd.concat(parts, ignore_index=True)
    for col in ("group_id", "lead_force", "band"):  # text work once per distinct value
        codes, uniques = pd.factorize(frame[col])
        values = np.asarray([unescape_cell(str(u)) for u in uniques], dtype=object)
        frame[col] = values[codes]
        if col == "band":
            number = pd.to_numeric(pd.Series(values).str.extract(r"^(\d+)", expand=False))
            frame["band_number"] = number.to_numpy(dtype=np.float64)[codes]
    if frame["band_number"].isna().any():
        raise DataError("an archived ranking with a band that has no number", file=str(archive_dir))
    return Panel(frame, tuple(used), harm)


def _read(data: bytes, *, source: str, harm: str, as_of: date) -> pd.DataFrame:
    """The columns outcomes needs from one verified ranking.csv (numbers parsed in C)."""
    wanted = [*COLUMNS, "score", harm]
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            usecols=wanted,
            dtype=dict.fromkeys(COLUMNS, str) | {"score": np.float64, harm: np.float64},
            keep_default_na=False,
            encoding="utf-8-sig",
        )
    except ValueError:
        raise DataError(
            f"an archived ranking without the columns {', '.join(wanted)}, or with a "
            "score or harm that is not a number",
            file=source,
        ) from None
    out = frame.rename(columns={harm: "harm"})
    if out[["score", "harm"]].isna().to_numpy().any():
        raise DataError("an archived ranking with a missing score or harm", file=source)
    out.insert(0, "as_of", pd.Timestamp(as_of))
    return out
