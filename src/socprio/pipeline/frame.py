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

from socprio.config.models import Config, FactorType, LoadedConfig
from socprio.core.matrix import BoolArray, FactorMatrix, FloatArray, gradings
from socprio.core.ranking import Flag, Ranking, rounded
from socprio.core.scoring import Scores
from socprio.validate.records import RecordBase, RecordColumns

if TYPE_CHECKING:
    import pandas as pd

    from socprio.core.stability import SecondOpinion, Stability
    from socprio.validate.table import Validated

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
    "notes",
)
# Added after ``score_band`` by ``with_stability``: the second-opinion ranks always, the
# stability columns when the draws were run. Flags after the ``Flag`` ones, in this order.
OPINION_COLUMNS = ("harm_rank", "attribute_rank")
STABILITY_COLUMNS = ("rank_p5", "rank_p95", "p_top_k", "p_same_band")
STABILITY_FLAGS = ("UNSTABLE", "DISAGREE")
SHARE_DP = 3  # p_top_k and p_same_band: 0.996 must not print as a certain 1.0


@dataclass(frozen=True)
class Provenance:
    """What produced a ranking: printed on every output for audit."""

    tool_version: str
    config: LoadedConfig
    input_path: str
    input_sha256: str
    as_of: date
    counts: dict[str, int]
    stability: dict[str, Any] | None = None  # ``stability_meta`` when the draws were run

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
        } | ({"stability": self.stability} if self.stability is not None else {})


def raw_text(value: float, kind: FactorType) -> str:
    """A raw factor value as written in the export: ``U`` for unknown."""
    return str(raw_texts(np.array([value]), kind)[0])


def raw_texts(values: FloatArray, kind: FactorType) -> npt.NDArray[np.object_]:
    """Raw factor values as written in the export (``U`` for unknown), one string object per
    distinct value."""
    filled = np.where(np.isnan(values), -1, values).astype(np.int64)
    distinct, inverse = np.unique(filled, return_inverse=True)
    if kind is FactorType.BOOLEAN:
        labels = ["U" if d < 0 else "yes" if d else "no" for d in distinct.tolist()]
    else:
        labels = ["U" if d < 0 else str(d) for d in distinct.tolist()]
    shown: npt.NDArray[np.object_] = np.array(labels, dtype=object)[inverse.reshape(-1)]
    return shown


def shared_text(values: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """Text values as an object array holding one string object per distinct value.

    pandas would otherwise make one string object per cell, which costs hundreds of MB on
    a large file for columns that hold a handful of distinct values."""
    import pandas as pd

    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    shared: npt.NDArray[np.object_] = np.asarray(distinct, dtype=str).astype(object)[codes]
    return shared


def joined(mask: BoolArray, names: Sequence[str]) -> npt.NDArray[np.object_]:
    """Each row's names where ``mask`` is true, ';'-joined (built once per distinct row)."""
    if mask.shape[1] == 0:
        return np.full(len(mask), "", dtype=object)
    bits = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    distinct, inverse = np.unique(bits, return_inverse=True)
    text = [";".join(n for k, n in enumerate(names) if code >> k & 1) for code in distinct.tolist()]
    out: npt.NDArray[np.object_] = np.array(text, dtype=object)[inverse.reshape(-1)]
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
        "band": shared_text(label[r.effective[rows]]),
        "score": s.total[rows],
        "score_min": s.score_min[rows],
        "score_max": s.score_max[rows],
        "coverage": s.coverage[rows],
        "confidence": shared_text(np.array(["high", "medium", "low"])[m.confidence[rows]]),
        "flags": joined(r.flags[rows], [f.value for f in Flag]),
        "overrides": joined(r.rules[rows], [rule.id for rule in cfg.overrides]),
        "score_band": shared_text(label[r.band[rows]]),
        "lead_force": column("lead_force"),
        "status": shared_text(m.status[rows]),
        "principal_crime": column("principal_crime"),
        "secondary_crimes": listed("secondary_crimes"),
        "lro_assigned": shared_text(np.where(m.lro_assigned[rows], "yes", "no")),
        "opportunity_4p": listed("opportunity_4p"),
        "grading": shared_text(gradings(cols)[rows] if len(rows) else np.array([], dtype=str)),
        "last_intel_review": shared_text(m.last_review[rows].astype(str)),
        "last_disruption_date": shared_text(
            np.where(np.isnat(m.last_disruption[rows]), "", m.last_disruption[rows].astype(str))
        ),
        "notes": column("notes"),  # free text, never scored; exported for the meeting
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
    return pd.DataFrame(data, copy=False)


def round_column(name: str, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A column's numbers as printed: scores to 0.1 (exactly as banded), shares to
    SHARE_DP places, other floats (points, coverage, crime-type harm) to 0.01."""
    if values.dtype.kind != "f":
        return values
    if name in ("score", "score_min", "score_max"):
        return rounded(values)
    if name in ("p_top_k", "p_same_band"):
        return np.round(values, SHARE_DP)
    return np.round(values, POINTS_DP)


def rounded_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Round numbers for output only (see ``round_column``)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = round_column(col, out[col].to_numpy())
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
    from socprio.core.matrix import build_matrix
    from socprio.core.ranking import rank
    from socprio.core.scoring import score

    m = build_matrix(records, cfg)
    s = score(m, cfg)
    r = rank(m, s, cfg, as_of=as_of, include_dormant=include_dormant)
    return RankRun(records, m, s, r, ranking_frame(records, m, s, r, cfg))


def with_stability(
    frame: pd.DataFrame, run: RankRun, stab: Stability | None, opinion: SecondOpinion
) -> pd.DataFrame:
    """``run``'s ranking frame with the second-opinion ranks, the stability columns when
    ``stab`` is given, and UNSTABLE / DISAGREE appended to ``flags`` (see OPINION_COLUMNS).

    ``frame`` must be in ``run``'s rank order (``run.frame`` or a copy); applying this twice
    gives the same result as once.
    """
    import pandas as pd

    rows = run.ranking.order
    if not np.array_equal(frame["group_id"].to_numpy(dtype=str), run.matrix.group_id[rows]):
        raise ValueError("frame is not in the rank order of this run")
    added: dict[str, Any] = {}
    unstable = np.zeros(len(rows), dtype=bool)
    if stab is not None:
        added = {
            "rank_p5": stab.rank_p5[rows],
            "rank_p95": stab.rank_p95[rows],
            "p_top_k": stab.p_top_k[rows],
            "p_same_band": stab.p_same_band[rows],
        }
        unstable = stab.unstable[rows]
    added |= {
        "harm_rank": opinion.harm_rank[rows],
        "attribute_rank": opinion.attribute_rank[rows],
    }
    base = frame.drop(columns=[c for c in (*OPINION_COLUMNS, *STABILITY_COLUMNS) if c in frame])
    at = list(base.columns).index("score_band") + 1
    out = pd.concat(
        [base.iloc[:, :at], pd.DataFrame(added, index=base.index), base.iloc[:, at:]], axis=1
    )
    mask = np.column_stack([run.ranking.flags[rows], unstable, opinion.disagree[rows]])
    out["flags"] = joined(mask.reshape(len(rows), -1), [*(f.value for f in Flag), *STABILITY_FLAGS])
    return out


def stability_meta(stab: Stability) -> dict[str, Any]:
    """The ``meta.stability`` block of the exports: settings and the overall agreement."""
    return {
        "draws": stab.draws,
        "seed": stab.seed,
        "concentration": stab.concentration,
        "top_k": stab.top_k,
        "perturbation": stab.perturbation,
        "spearman_median": round(stab.spearman_median, 4),
        "spearman_p5": round(stab.spearman_p5, 4),
        "unstable": int(stab.unstable.sum()),
    }


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


def run_counts(validated: Validated, *, ranked: int) -> dict[str, int]:
    """Record counts of a run for the provenance block: read = valid + rejected + blank."""
    return {
        "read": validated.read,
        "valid": len(validated.records),
        "rejected": validated.invalid,
        "blank_skipped": validated.blank,
        "ranked": ranked,
        **{f"status_{k}": v for k, v in validated.status_counts.items()},
    }
