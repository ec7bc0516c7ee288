"""The columnar view of validated records that the scoring core works on.

This is the one place that walks the record objects; everything downstream is array code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from socprio.config.models import Config, FactorType
from socprio.validate.records import Column, RecordBase, RecordColumns

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}
NO_DATE = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class FactorMatrix:
    """Row i is the same group in every array."""

    group_id: npt.NDArray[np.str_]
    raw: FloatArray  # (n, factors) raw values in config order; NaN = unknown
    principal: IntArray  # index into cfg.crime_types
    secondary: BoolArray  # (n, crime types)
    status: npt.NDArray[np.str_]
    lro_assigned: BoolArray
    confidence: IntArray  # 0 high, 1 medium, 2 low
    last_review: npt.NDArray[np.datetime64]
    last_disruption: npt.NDArray[np.datetime64]  # NaT when none recorded

    def __len__(self) -> int:
        return len(self.group_id)


def _grading_pairs(cols: dict[str, Column]) -> tuple[list[str], IntArray]:
    """The distinct gradings (e.g. ``2B``) of the records, and each record's index into them
    (each distinct pair of source and assessment values is spelled once)."""
    source, assessment = cols["intel_source_eval"], cols["intel_assessment"]
    size = len(assessment.values)
    pairs = source.codes.astype(np.int64) * size + assessment.codes
    distinct, inverse = np.unique(pairs, return_inverse=True)
    firsts, seconds = np.divmod(distinct, size) if size else (distinct, distinct)
    spelled = [
        f"{source.values[s]}{assessment.values[a]}"
        for s, a in zip(firsts.tolist(), seconds.tolist(), strict=True)
    ]
    return spelled, inverse.reshape(-1).astype(np.int64)


def gradings(cols: dict[str, Column]) -> npt.NDArray[np.str_]:
    """Each record's 3x5x2 grading, e.g. ``2B``."""
    spelled, inverse = _grading_pairs(cols)
    graded: npt.NDArray[np.str_] = np.array(spelled, dtype=object)[inverse].astype(str)
    return graded


def _confidence(cols: dict[str, Column], cfg: Config) -> IntArray:
    """Each record's confidence rank (0 high, 1 medium, 2 low) from its grading."""
    rank = {g: CONFIDENCE_RANK[c.value] for g, c in cfg.confidence_of.items()}
    spelled, inverse = _grading_pairs(cols)
    confidence: IntArray = np.array([rank[g] for g in spelled], dtype=np.int64)[inverse]
    return confidence


def _number(value: object) -> float:
    return np.nan if value is None else float(value)  # type: ignore[arg-type]


def build_matrix(records: Sequence[RecordBase], cfg: Config) -> FactorMatrix:
    """Collect the arrays the core needs from validated records, column by column.

    Each conversion runs once per distinct value of a column (``RecordColumns``), so this
    stays fast for a million records.
    """
    cols = RecordColumns.of(records).columns
    crimes = {name: i for i, name in enumerate(cfg.crime_types)}
    n = len(records)
    raw = np.full((n, len(cfg.factors)), np.nan)
    for j, (name, factor) in enumerate(cfg.factors.items()):
        if factor.has_column and n:
            raw[:, j] = cols[name].array(_number, float)
        elif factor.type is FactorType.COUNT:  # a count of a list field (linked_groups)
            raw[:, j] = cols["linked_groups"].array(len, float)
    secondary = cols["secondary_crimes"]
    masks = np.zeros((len(secondary.values), len(crimes)), dtype=bool)
    for k, chosen in enumerate(secondary.values):
        masks[k, [crimes[c] for c in chosen]] = True
    return FactorMatrix(
        group_id=cols["group_id"].array(dtype=object).astype(str),
        raw=raw,
        principal=cols["principal_crime"].array(crimes.__getitem__, np.int64),
        secondary=masks[secondary.codes],
        status=cols["status"].array(lambda s: s.value, dtype=object).astype(str),
        lro_assigned=cols["lro_assigned"].array(dtype=bool),
        confidence=_confidence(cols, cfg),
        last_review=cols["last_intel_review"].array(dtype="datetime64[D]"),
        last_disruption=cols["last_disruption_date"].array(
            lambda d: NO_DATE if d is None else d, dtype="datetime64[D]"
        ),
    )
