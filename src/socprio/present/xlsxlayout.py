"""The layout of the workbook, as pure data: which columns each sheet holds and in what order,
their human headings, number formats, widths and which of them wrap.

Field names stay the CSV's (a Method-sheet section maps each heading to its field); headings
are what a person reads at the meeting and on paper.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from socprio.pipeline.frame import MEETING_COLUMNS, export_columns

if TYPE_CHECKING:
    import pandas as pd

    from socprio.config.models import Config

EXCEL_ROWS = 1_048_576  # rows in an Excel sheet, header rows included
HEADER_ROW = 1  # row 0 is the marking banner; the column headings are row 1
MIN_WIDTH = 4
MAX_WIDTH = 40
WRAPPED = {  # text columns that wrap, at this width (a ';' list is written one per ', ')
    "flags": 22,
    "overrides": 22,
    "secondary_crimes": 22,
    "opportunity_4p": 18,
    "notes": 40,
}
LISTS = ("flags", "overrides", "secondary_crimes", "opportunity_4p")
BAND_FILLS = {1: "#F4C7C3", 2: "#FCE8B2", 3: "#D9EAD3"}
OTHER_BAND_FILL = "#E7E6E6"
BAND_COLUMNS = ("band", "score_band", "previous_band")
SCORE_COLUMNS = ("score", "score_min", "score_max")
SHARE_COLUMNS = ("coverage",)
PROBABILITY_COLUMNS = ("p_top_k", "p_same_band")  # 0.996 must not show as a certain 100%
SIGNED_COLUMNS = ("rank_change",)
HEADINGS = {
    "rank": "Rank",
    "tasking_order": "Tasking order",
    "band": "Band",
    "score": "Score",
    "group_id": "Group",
    "codename": "Codename",
    "lead_force": "Lead force",
    "principal_crime": "Principal crime",
    "lro_assigned": "Lead officer (LRO)",
    "flags": "Flags",
    "movement": "Movement",
    "previous_rank": "Previous rank",
    "rank_change": "Places moved",
    "previous_band": "Previous band",
    "score_min": "Score, unknowns low",
    "score_max": "Score, unknowns high",
    "coverage": "Factors known",
    "confidence": "Confidence",
    "overrides": "Override rules",
    "score_band": "Band by score",
    "harm_rank": "Rank by harm alone",
    "attribute_rank": "Rank by attributes",
    "rank_p5": "Rank p5 (draws)",
    "rank_p95": "Rank p95 (draws)",
    "p_top_k": "P(top K)",
    "p_same_band": "P(same band)",
    "status": "Status",
    "secondary_crimes": "Secondary crimes",
    "opportunity_4p": "4P opportunities",
    "grading": "Grading (3x5x2)",
    "last_intel_review": "Last intel review",
    "last_disruption_date": "Last disruption",
    "notes": "Notes",
}
_BAND_NUMBER = re.compile(r"^(\d+)")


def heading(name: str, cfg: Config) -> str:
    """The human heading of a column: a group's or factor's label with its part."""
    if name in HEADINGS:
        return HEADINGS[name]
    base, _, part = name.rpartition("_")
    label = cfg.groups[base].label if base in cfg.groups else None
    if label is None and base in cfg.factors:
        label = cfg.factors[base].label
    suffix = {"points": "points", "raw": "(raw)", "value": "(0-1)"}.get(part)
    return f"{label} {suffix}" if label and suffix else name


def band_number(label: str) -> int | None:
    """The band number of a label such as ``1C`` (None when it has none)."""
    found = _BAND_NUMBER.match(label)
    return int(found.group(1)) if found else None


def band_fill(label: str) -> str:
    """The fill colour of a band label, by its band number."""
    number = band_number(label)
    return BAND_FILLS.get(number, OTHER_BAND_FILL) if number is not None else OTHER_BAND_FILL


def number_format(column: str, integer: bool) -> str:
    """The Excel number format of a numeric column."""
    if column in SCORE_COLUMNS:
        return "0.0"
    if column in SHARE_COLUMNS:
        return "0%"
    if column in PROBABILITY_COLUMNS:
        return "0.0%"
    if column in SIGNED_COLUMNS:
        return "+0;-0;0"
    return "0" if integer else "0.00"


def ranking_columns(frame: pd.DataFrame, cfg: Config) -> list[str]:
    """The meeting's columns first (rank, tasking order, band, score, group, codename, force,
    crime, lead officer, flags, movement), then the rest; per-factor columns are on
    Breakdown."""
    per_factor = {f"{name}_{part}" for name in cfg.factors for part in ("raw", "value", "points")}
    return export_columns(c for c in frame.columns if c not in per_factor)


def printed_columns(columns: list[str]) -> int:
    """How many leading columns of the Ranking sheet print: the meeting's own."""
    return sum(1 for c in columns if c in MEETING_COLUMNS)


def breakdown_columns(frame: pd.DataFrame, cfg: Config) -> list[str]:
    """Identity, then each group's points followed by its factors' points, then raw values."""
    columns = ["rank", "group_id", "codename", "band", "score", "coverage"]
    for group, grp in cfg.groups.items():
        columns.append(f"{group}_points")
        columns += [f"{name}_points" for name in grp.factors]
    columns += [f"{name}_raw" for name in cfg.factors]
    return [c for c in columns if c in frame.columns]


def heading_width(text: str) -> int:
    """The width a heading needs on at most two lines (it wraps at spaces)."""
    words = text.split()
    return max([len(text) // 2 + 2, *(len(w) + 1 for w in words)])


def text_width(name: str, longest: int, head: str) -> int:
    """A text column's width: its longest cell (or the wrap width), at least the heading."""
    cap = WRAPPED.get(name, MAX_WIDTH)
    return max(MIN_WIDTH, heading_width(head), min(longest + 2, cap))
