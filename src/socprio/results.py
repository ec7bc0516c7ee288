"""The ranked result as one table: the single source for every export format.

Built column by column from the core's arrays with pandas (the shell edge), in rank order.
Numbers keep full precision here; each format rounds only when it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from socprio.config import Config, FactorType, LoadedConfig
from socprio.matrix import BoolArray, FactorMatrix, FloatArray, gradings
from socprio.ranking import Flag, Ranking, rounded
from socprio.records import RecordBase, RecordColumns
from socprio.scoring import Scores

if TYPE_CHECKING:
    import pandas as pd

SCORE_DP = 1
POINTS_DP = 2

# Export column names; later tools (diff, previous-run movement, spreadsheet) read these.
ID_COLUMNS = (
    "rank",
    "group_id",
    "codename",
    "band",
    "score",
    "score_min",
    "score_max",
    "coverage",
    "confidence",
    "flags",
    "overrides",
    "score_band",
    "lead_force",
    "status",
    "principal_crime",
    "secondary_crimes",
    "lro_assigned",
    "opportunity_4p",
    "grading",
    "last_intel_review",
    "last_disruption_date",
)


@dataclass(frozen=True)
class Provenance:
    """What produced a ranking: printed on every output for audit."""

    tool_version: str
    config: LoadedConfig
    input_path: str
    input_sha256: str
    as_of: date
    counts: dict[str, int]

    def meta(self) -> dict[str, Any]:
        """The JSON ``meta`` block."""
        cfg = self.config.config
        return {
            "tool": "socprio",
            "tool_version": self.tool_version,
            "marking": cfg.marking,
            "config": {
                "path": self.config.path,
                "sha256": self.config.sha256,
                "version": cfg.version,
                "owner": cfg.owner,
            },
            "input": {"path": self.input_path, "sha256": self.input_sha256},
            "as_of": self.as_of.isoformat(),
            "counts": self.counts,
        }


def raw_text(value: float, kind: FactorType) -> str:
    """A raw factor value as written in the export: ``U`` for unknown."""
    return str(raw_texts(np.array([value]), kind)[0])


def raw_texts(values: FloatArray, kind: FactorType) -> npt.NDArray[np.str_]:
    """Raw factor values as written in the export (``U`` for unknown), vectorised."""
    known = ~np.isnan(values)
    if kind is FactorType.BOOLEAN:
        shown = np.where(values > 0, "yes", "no")
    else:
        shown = np.nan_to_num(values).astype(np.int64).astype(str)
    out: npt.NDArray[np.str_] = np.where(known, shown, "U")
    return out


def joined(mask: BoolArray, names: Sequence[str]) -> npt.NDArray[np.object_]:
    """Each row's names where ``mask`` is true, ';'-joined (built once per distinct row)."""
    if mask.shape[1] == 0:
        return np.full(len(mask), "", dtype=object)
    distinct, inverse = np.unique(mask, axis=0, return_inverse=True)
    text = np.array([";".join(np.asarray(names)[row]) for row in distinct], dtype=object)
    out: npt.NDArray[np.object_] = text[inverse.reshape(-1)]
    return out


def ranking_frame(
    records: Sequence[RecordBase], m: FactorMatrix, s: Scores, r: Ranking, cfg: Config
) -> pd.DataFrame:
    """One row per ranked group, best first, with every factor's raw value and points."""
    import pandas as pd

    rows = r.order
    cols = RecordColumns.of(records).columns
    label = np.array(r.labels)

    def column(name: str, convert: Any = None) -> Any:
        return cols[name].array(convert)[rows] if len(rows) else np.array([], dtype=object)

    def listed(name: str) -> Any:
        return column(name, ";".join)

    data: dict[str, Any] = {
        "rank": r.rank[rows],
        "group_id": m.group_id[rows],
        "codename": column("codename"),
        "band": label[r.effective[rows]],
        "score": s.total[rows],
        "score_min": s.score_min[rows],
        "score_max": s.score_max[rows],
        "coverage": s.coverage[rows],
        "confidence": np.array(["high", "medium", "low"])[m.confidence[rows]],
        "flags": joined(r.flags[rows], [f.value for f in Flag]),
        "overrides": joined(r.rules[rows], [rule.id for rule in cfg.overrides]),
        "score_band": label[r.band[rows]],
        "lead_force": column("lead_force"),
        "status": m.status[rows],
        "principal_crime": column("principal_crime"),
        "secondary_crimes": listed("secondary_crimes"),
        "lro_assigned": np.where(m.lro_assigned[rows], "yes", "no"),
        "opportunity_4p": listed("opportunity_4p"),
        "grading": gradings(cols)[rows] if len(rows) else np.array([], dtype=str),
        "last_intel_review": m.last_review[rows].astype(str),
        "last_disruption_date": np.where(
            np.isnat(m.last_disruption[rows]), "", m.last_disruption[rows].astype(str)
        ),
    }
    for g, name in enumerate(s.groups):
        data[f"{name}_points"] = s.group_points[rows, g]
    for j, (name, factor) in enumerate(cfg.factors.items()):
        if factor.type is FactorType.CRIME_TYPE:
            data[f"{name}_raw"] = s.normalised[rows, j]
        else:
            data[f"{name}_raw"] = raw_texts(m.raw[rows, j], factor.type)
    for j, name in enumerate(cfg.factors):
        data[f"{name}_value"] = s.normalised[rows, j]
    for k, name in enumerate(s.weighted):
        data[f"{name}_points"] = s.contributions[rows, k]
    return pd.DataFrame(data)


def rounded_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Round numbers for output only: scores to 0.1, points and coverage to 0.01."""
    out = frame.copy()
    for col in out.columns:
        if col in ("score", "score_min", "score_max"):
            out[col] = rounded(out[col].to_numpy())  # exactly as banded
        elif out[col].dtype.kind == "f":  # points, coverage, crime-type harm
            out[col] = out[col].round(POINTS_DP)
    return out


def summary(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Counts of ranked groups per band, lead force, principal crime and 4P strand."""
    strands = frame["opportunity_4p"].str.split(";").explode()
    return {
        "band": _counts(frame["band"]),
        "lead_force": _counts(frame["lead_force"]),
        "principal_crime": _counts(frame["principal_crime"]),
        "opportunity_4p": _counts(strands[strands != ""]),
    }


def _counts(series: pd.Series) -> dict[str, int]:
    counts = series.value_counts()
    return {str(k): int(counts[k]) for k in sorted(counts.index)}


@dataclass(frozen=True)
class RankRun:
    """Everything one ranking run computed, for the exports and ``explain``."""

    records: Sequence[RecordBase]
    matrix: FactorMatrix
    scores: Scores
    ranking: Ranking
    frame: pd.DataFrame


def compute(
    records: Sequence[RecordBase], cfg: Config, *, as_of: date, include_dormant: bool = False
) -> RankRun:
    """Score, band and order validated records, and build the export table."""
    from socprio.matrix import build_matrix
    from socprio.ranking import rank
    from socprio.scoring import score

    m = build_matrix(records, cfg)
    s = score(m, cfg)
    r = rank(m, s, cfg, as_of=as_of, include_dormant=include_dormant)
    return RankRun(records, m, s, r, ranking_frame(records, m, s, r, cfg))


def filter_frame(
    frame: pd.DataFrame,
    *,
    force: str | None = None,
    crime: str | None = None,
    strand: str | None = None,
    top: int | None = None,
) -> pd.DataFrame:
    """Rows matching every filter given (ignoring case, as the input does), then the first
    ``top``; ranks stay regional."""
    keep = np.ones(len(frame), dtype=bool)
    if force:
        keep &= frame["lead_force"].str.casefold() == force.casefold()
    if crime:
        crimes = ";" + frame["principal_crime"] + ";" + frame["secondary_crimes"] + ";"
        keep &= crimes.str.casefold().str.contains(f";{crime.casefold()};", regex=False).to_numpy()
    if strand:
        strands = ";" + frame["opportunity_4p"] + ";"
        keep &= (
            strands.str.casefold().str.contains(f";{strand.casefold()};", regex=False).to_numpy()
        )
    out = frame[keep]
    return out.head(top) if top is not None else out
