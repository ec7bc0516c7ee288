"""The tables of an ``Assessment``: one row per group, built column by column from the core.

Built as numpy columns from the core's arrays, in rank order (or, for groups not ranked, by
group_id). Numbers keep full precision here; each format rounds only when it writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from socprio.config.models import Config, FactorType
from socprio.core.flags import Flag
from socprio.core.matrix import BoolArray, FactorMatrix, FloatArray, IntArray, gradings
from socprio.core.ranking import Ranking, rounded
from socprio.core.scoring import Scores
from socprio.pipeline.columns import Coded, ColumnData, Columns, Picked, coded, factorize
from socprio.validate.records import RecordBase, RecordColumns

if TYPE_CHECKING:
    import pandas as pd

    from socprio.core.stability import SecondOpinion, Stability

POINTS_DP = 2

# Export column names; later tools (diff, previous-run movement, spreadsheet) read these.
ID_COLUMNS = (
    "rank",
    "tasking_order",
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
# Added after ``score_band`` in the ranked table: the stability columns when the draws were
# run, then the second-opinion ranks always.
OPINION_COLUMNS = ("harm_rank", "attribute_rank")
STABILITY_COLUMNS = ("rank_p5", "rank_p95", "p_top_k", "p_same_band")
SHARE_DP = 3  # p_top_k and p_same_band: 0.996 must not print as a certain 1.0
# The columns a tasking meeting reads first, in the order the flat exports (CSV, workbook)
# write them (movement columns only when a previous run was given); every other column
# follows in table order. Readers (history/previous.py) find columns by name, never position.
MEETING_COLUMNS = (
    "rank",
    "tasking_order",
    "band",
    "score",
    "group_id",
    "codename",
    "lead_force",
    "principal_crime",
    "lro_assigned",
    "flags",
    "movement",
    "previous_rank",
    "rank_change",
    "previous_band",
    "movement_cause",
)


def export_columns(columns: Iterable[object]) -> list[str]:
    """``columns`` in export order: MEETING_COLUMNS first (those present), then the rest."""
    names = [str(c) for c in columns]
    lead = [c for c in MEETING_COLUMNS if c in names]
    return lead + [c for c in names if c not in MEETING_COLUMNS]


def tasking_positions(flags: BoolArray) -> IntArray:
    """The 1-based tasking order of rows in rank order: every ACTION_NOW row first (in rank
    order), then the rest in rank order. ``rank`` stays the harm order."""
    now = flags[:, list(Flag).index(Flag.ACTION_NOW)]
    position = np.empty(len(now), dtype=np.int64)
    position[np.argsort(~now, kind="stable")] = np.arange(1, len(now) + 1)
    return position


def raw_text(value: float, kind: FactorType) -> str:
    """A raw factor value as written in the export: ``U`` for unknown."""
    return str(raw_texts(np.array([value]), kind)[0])


def raw_texts(values: FloatArray, kind: FactorType) -> npt.NDArray[np.object_]:
    """Raw factor values as written in the export (``U`` for unknown), one string object per
    distinct value."""
    column = _raw_coded(values, kind)
    shown: npt.NDArray[np.object_] = column.labels[column.codes]
    return shown


def _raw_coded(values: FloatArray, kind: FactorType) -> Coded:
    """Raw factor values as export text (``U`` for unknown), coded."""
    filled = np.where(np.isnan(values), -1, values).astype(np.int64)
    distinct, inverse = np.unique(filled, return_inverse=True)
    if kind is FactorType.BOOLEAN:
        labels = ["U" if d < 0 else "yes" if d else "no" for d in distinct.tolist()]
    else:
        labels = ["U" if d < 0 else str(d) for d in distinct.tolist()]
    return coded(labels, inverse.reshape(-1))


def coded_text(values: npt.NDArray[Any]) -> Coded:
    """Text values (or dates, shown as ISO text) coded: one object per cell would cost
    hundreds of MB on a large file for columns that hold a handful of distinct values."""
    codes, distinct = factorize(values)
    return coded(distinct.astype(str), codes)


def joined(mask: BoolArray, names: Sequence[str]) -> Coded:
    """Each row's names where ``mask`` is true, ';'-joined (built once per distinct row)."""
    if mask.shape[1] == 0:
        return coded([""], np.zeros(len(mask), dtype=np.uint8))
    bits = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    distinct, inverse = np.unique(bits, return_inverse=True)
    text = [";".join(n for k, n in enumerate(names) if code >> k & 1) for code in distinct.tolist()]
    return coded(text, inverse.reshape(-1))


def ranking_columns(
    records: Sequence[RecordBase],
    m: FactorMatrix,
    s: Scores,
    r: Ranking,
    cfg: Config,
    rows: IntArray,
    flags: BoolArray,
) -> dict[str, ColumnData]:
    """One row per group of ``rows`` (matrix rows, in that order), with every factor's raw
    value and points; ``flags`` is the (len(rows), len(Flag)) mask of the ``flags`` column."""
    cols = RecordColumns.of(records).columns
    label = r.labels

    def column(name: str, convert: Callable[[Any], Any] | None = None) -> Coded:
        held = cols[name]  # validated columns are factorised: convert each value once
        return coded([convert(v) if convert else v for v in held.values], held.codes[rows])

    def listed(name: str) -> Coded:
        return column(name, ";".join)

    data: dict[str, ColumnData] = {
        "rank": Picked(r.rank, rows),
        "group_id": Picked(m.group_id, rows),
        "codename": column("codename"),
        "band": coded(label, r.effective[rows]),
        "score": Picked(s.total, rows),
        "score_min": Picked(s.score_min, rows),
        "score_max": Picked(s.score_max, rows),
        "coverage": Picked(s.coverage, rows),
        "confidence": coded(["high", "medium", "low"], m.confidence[rows]),
        "flags": joined(flags, [f.value for f in Flag]),
        "overrides": joined(r.rules[rows], [rule.id for rule in cfg.overrides]),
        "score_band": coded(label, r.band[rows]),
        "lead_force": column("lead_force"),
        "status": coded_text(m.status[rows]),
        "principal_crime": column("principal_crime"),
        "secondary_crimes": listed("secondary_crimes"),
        "lro_assigned": coded(["no", "yes"], m.lro_assigned[rows].astype(np.uint8)),
        "opportunity_4p": listed("opportunity_4p"),
        "grading": coded_text(gradings(cols)[rows] if len(rows) else np.array([], dtype=str)),
        "last_intel_review": coded_text(m.last_review[rows]),
        "last_disruption_date": _dates(m.last_disruption[rows]),
        "notes": column("notes"),  # free text, never scored; exported for the meeting
    }
    for g, name in enumerate(s.groups):
        data[f"{name}_points"] = Picked(s.group_points[:, g], rows)
    for j, (name, factor) in enumerate(cfg.factors.items()):
        if factor.type is FactorType.CRIME_TYPE:
            data[f"{name}_raw"] = Picked(s.normalised[:, j], rows)
        else:
            data[f"{name}_raw"] = _raw_coded(m.raw[rows, j], factor.type)
    for j, name in enumerate(cfg.factors):
        data[f"{name}_value"] = Picked(s.normalised[:, j], rows)
    for k, name in enumerate(s.weighted):
        data[f"{name}_points"] = Picked(s.contributions[:, k], rows)
    return data


def _dates(values: npt.NDArray[np.datetime64]) -> Coded:
    """Dates as ISO text, blank where there is none, coded."""
    column = coded_text(values)
    column.labels[column.labels == "NaT"] = ""
    return column


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


def summary(table: Mapping[str, npt.NDArray[Any]]) -> dict[str, dict[str, int]]:
    """Counts of ranked groups per band, lead force, principal crime and 4P strand (each a
    ';'-joined list), keys sorted; a missing value is not counted. Read from the columns, so
    no DataFrame is needed."""
    strands = (s for v in table["opportunity_4p"].tolist() if _present(v) for s in v.split(";"))
    return {
        "band": _counts(table["band"].tolist()),
        "lead_force": _counts(table["lead_force"].tolist()),
        "principal_crime": _counts(table["principal_crime"].tolist()),
        "opportunity_4p": _counts(s for s in strands if s != ""),
    }


def _present(value: Any) -> bool:
    """Whether a cell holds a value (pandas' value_counts leaves out None and NaN)."""
    return value is not None and value == value


def _counts(values: Iterable[Any]) -> dict[str, int]:
    counts = Counter(v for v in values if _present(v))
    return {str(k): counts[k] for k in sorted(counts)}


def flag_mask(
    r: Ranking, rows: IntArray, stab: Stability | None, opinion: SecondOpinion | None
) -> BoolArray:
    """The (len(rows), len(Flag)) flags of ``rows``: the ranking's, then UNSTABLE (when the
    draws ran) and DISAGREE (when the second opinion was formed)."""
    none = np.zeros(len(rows), dtype=bool)
    unstable = stab.unstable[rows] if stab is not None else none
    disagree = opinion.disagree[rows] if opinion is not None else none
    return np.column_stack([r.flags[rows], unstable, disagree]).reshape(len(rows), len(Flag))


def assessed_columns(
    rows: IntArray, stab: Stability | None, opinion: SecondOpinion
) -> dict[str, ColumnData]:
    """The stability columns (when the draws ran) and the second-opinion ranks of ``rows``."""
    added: dict[str, ColumnData] = {}
    if stab is not None:
        added = {
            "rank_p5": Picked(stab.rank_p5, rows),
            "rank_p95": Picked(stab.rank_p95, rows),
            "p_top_k": Picked(stab.p_top_k, rows),
            "p_same_band": Picked(stab.p_same_band, rows),
        }
    return added | {
        "harm_rank": Picked(opinion.harm_rank, rows),
        "attribute_rank": Picked(opinion.attribute_rank, rows),
    }


def build_tables(
    records: Sequence[RecordBase],
    m: FactorMatrix,
    s: Scores,
    r: Ranking,
    cfg: Config,
    *,
    stab: Stability | None,
    opinion: SecondOpinion,
) -> tuple[Columns, Columns, BoolArray]:
    """The ranked table (rank order, with the stability and second-opinion columns after
    ``score_band``), the table of groups not ranked (by group_id), and the ranked flags."""
    ranked = r.order
    flags = flag_mask(r, ranked, stab, opinion)
    base = ranking_columns(records, m, s, r, cfg, ranked, flags)
    table: dict[str, ColumnData] = {"rank": base.pop("rank")}
    table["tasking_order"] = tasking_positions(flags)
    for name, values in base.items():
        table[name] = values
        if name == "score_band":
            table |= assessed_columns(ranked, stab, opinion)
    others = np.setdiff1d(np.arange(len(m)), ranked)
    others = others[np.argsort(m.group_id[others], kind="stable")]
    rest = ranking_columns(records, m, s, r, cfg, others, flag_mask(r, others, None, None))
    unranked = {"rank": rest.pop("rank"), "tasking_order": np.zeros(len(others), dtype=np.int64)}
    return Columns(table), Columns(unranked | rest), flags  # tasking_order 0: not tasked


def selected_rows(
    table: Columns,
    *,
    force: str | None = None,
    crime: str | None = None,
    strand: str | None = None,
    top: int | None = None,
) -> IntArray:
    """Positions of the rows matching every filter given (ignoring case, as the input does),
    then the first ``top``."""
    keep = np.ones(table.rows, dtype=bool)
    if force:
        keep &= _casefolded(table["lead_force"]) == force.casefold()
    if crime:
        crimes = _listed(table["principal_crime"]) + ";" + _listed(table["secondary_crimes"])
        keep &= _holds(crimes, crime)
    if strand:
        keep &= _holds(_listed(table["opportunity_4p"]), strand)
    return np.flatnonzero(keep)[:top]


def _casefolded(values: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """Each distinct text casefolded once."""
    codes, distinct = factorize(values)
    return np.array([str(v).casefold() for v in distinct], dtype=object)[codes]


def _listed(values: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """';'-separated lists, casefolded, with a ';' at each end so an item matches whole."""
    out: npt.NDArray[np.object_] = ";" + _casefolded(values) + ";"
    return out


def _holds(lists: npt.NDArray[np.object_], item: str) -> BoolArray:
    """Which ';'-framed lists hold ``item`` (ignoring case), each distinct list tested once."""
    codes, distinct = factorize(lists)
    found = np.array([f";{item.casefold()};" in str(v) for v in distinct], dtype=bool)
    out: BoolArray = found[codes]
    return out
