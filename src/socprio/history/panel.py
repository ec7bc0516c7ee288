"""SHELL: every archived run read into one panel (run x group) for ``socprio outcomes``.

Each run is verified against its manifest (every file's SHA-256) before its ranking.csv is
read; the manifest's own SHA-256 is kept for the output's provenance.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from socprio.errors import DataError, NoInputError
from socprio.history.archive import CSV_NAME, MANIFEST_NAME, runs
from socprio.history.manifest import sha256_hex, verified_run
from socprio.history.weekstore import week_dir
from socprio.present.escape import unescape_cell

COLUMNS = ("group_id", "lead_force", "band", "score", "last_disruption_date")


@dataclass(frozen=True, eq=False)
class Panel:
    """One row per (run, group): ``as_of`` (datetime64), COLUMNS, ``band_number`` and
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
    return Panel(frame, tuple(used), harm)


def _read(data: bytes, *, source: str, harm: str, as_of: date) -> pd.DataFrame:
    """The columns outcomes needs from one verified ranking.csv."""
    wanted = [*COLUMNS, harm]
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            usecols=wanted,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
        )
    except ValueError:
        raise DataError(
            f"an archived ranking without the columns {', '.join(wanted)}", file=source
        ) from None
    for col in ("group_id", "lead_force"):
        frame[col] = frame[col].map(unescape_cell)
    out = frame.rename(columns={harm: "harm"})
    out["score"] = pd.to_numeric(out["score"], errors="coerce")
    out["harm"] = pd.to_numeric(out["harm"], errors="coerce")
    out["band_number"] = pd.to_numeric(
        out["band"].str.extract(r"^(\d+)", expand=False), errors="coerce"
    )
    if out[["score", "harm", "band_number"]].isna().to_numpy().any():
        raise DataError("an archived ranking with a missing score, harm or band", file=source)
    out.insert(0, "as_of", pd.Timestamp(as_of))
    return out
