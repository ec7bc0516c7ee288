"""The grid of the terminal table: its columns, laid out once for a width, and its rows.

Column widths are computed once, from the rows printed (each distinct value measured once),
and rows are written in chunks of lines: 200,000 rows take seconds, not a whole-table render.
No line is padded past its last cell. Below the natural width, columns are shortened, then
dropped, in the order of NARROWING; rank, band, score, group and flags are never dropped, and
flags too long for the room left wrap onto another line rather than disappear. Flags print as
``Flag.short`` (the legend under the table explains them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from socprio.core.flags import Flag
from socprio.core.ranking import rounded
from socprio.present.captions import INTERVAL, rank_interval
from socprio.present.escape import visible
from socprio.present.termtext import Ink, cells, pad, paint

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

    from socprio.pipeline.result import Assessment

CONFIDENCE_SHORT = {"high": "H", "medium": "M", "low": "L"}
FLAG_ROLES = {Flag.ACTION_NOW: "now", Flag.OVERRIDE: "override"}
# How the table narrows, step by step, until it fits: (column, width: 0 drops it, and
# whether the step is taken to keep the widest flags cell on one line, or only to keep
# FLAGS_ROOM for the flags, longer ones wrapping).
NARROWING: tuple[tuple[str, int, bool], ...] = (
    ("C", 0, True),  # low confidence stays visible as the LOWC flag
    ("Min-Max", 0, False),
    ("Crime", 10, False),
    ("Codename", 15, False),
    (INTERVAL, 0, False),
    ("Codename", 12, False),
    ("Crime", 0, False),
    ("Force", 0, False),
    ("Move", 0, False),
    ("Codename", 0, False),
)
CAPS = {"Codename": 18, "Crime": 14}  # widest shown even when there is room
FLAGS_ROOM = 20  # columns are dropped before the flags get less than this (then they wrap)
CHUNK_ROWS = 2_000


@dataclass(frozen=True)
class Column:
    """One table column: a text per distinct value, each row's code, and its style."""

    head: str
    texts: list[str]
    codes: npt.NDArray[np.intp]
    right: bool = False
    roles: list[str] | None = None
    width: int = 0

    def fitted(self, width: int) -> Column:
        return replace(self, width=width)

    def padded(self, ink: Ink) -> npt.NDArray[np.object_]:
        """Each distinct text padded to the width (styled, fill outside the style)."""
        out = []
        for i, text in enumerate(self.texts):
            shown, fill = pad(text, self.width)
            styled = paint(shown, self.roles[i], ink) if self.roles else shown
            out.append(fill + styled if self.right else styled + fill)
        return np.array(out, dtype=object)


def _distinct(values: Any, right: bool = False, head: str = "") -> Column:
    """A column of ``values``: each distinct value made visible once."""
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    texts = [visible(str(v)) for v in uniques]
    width = max([cells(head), *map(cells, texts)])
    return Column(head, texts, codes.astype(np.intp), right=right, width=width)


def _band_column(frame: pd.DataFrame) -> Column:
    band = frame["band"].to_numpy(dtype=object)
    lifted = np.where(band != frame["score_band"].to_numpy(dtype=object), "^", "")
    col = _distinct(band + lifted, head="Band")
    return replace(col, roles=[f"band{t[:1]}" for t in col.texts])


def _move_column(frame: pd.DataFrame) -> Column:
    labels = [
        move_label(t, c) for t, c in zip(frame["movement"], frame["rank_change"], strict=True)
    ]
    col = _distinct([text for text, _ in labels], right=True, head="Move")
    roles = dict(labels)
    return replace(col, roles=[roles[t] for t in col.texts])


def columns(frame: pd.DataFrame) -> list[Column]:
    """Every column the table can show, in display order, flags last."""
    score = rounded(frame["score"].to_numpy(dtype=float))
    lo = np.rint(rounded(frame["score_min"].to_numpy(dtype=float))).astype(np.int64).tolist()
    hi = np.rint(rounded(frame["score_max"].to_numpy(dtype=float))).astype(np.int64).tolist()
    ranks = frame["rank"].astype(str).tolist()
    cols = [
        Column("#", ranks, np.arange(len(ranks)), right=True),
        _band_column(frame),
        _distinct([f"{s:.1f}" for s in score.tolist()], right=True, head="Score"),
        _distinct([f"{a}-{b}" for a, b in zip(lo, hi, strict=True)], True, "Min-Max"),
    ]
    if "rank_p5" in frame:
        cols.append(_distinct(rank_interval(frame).to_numpy(), right=True, head=INTERVAL))
    if "movement" in frame:
        cols.append(_move_column(frame))
    cols += [
        _distinct(frame["group_id"].to_numpy(), head="Group"),
        _distinct(frame["codename"].to_numpy(), head="Codename"),
        _distinct(frame["lead_force"].to_numpy(), head="Force"),
        _distinct(frame["principal_crime"].to_numpy(), head="Crime"),
        _distinct(frame["confidence"].map(CONFIDENCE_SHORT).fillna("?").to_numpy(), head="C"),
    ]
    cols[0] = cols[0].fitted(max(1, *map(len, ranks)) if ranks else 1)
    return [c.fitted(min(c.width, CAPS.get(c.head, c.width))) for c in cols]


def flags_column(mask: npt.NDArray[np.bool_], ink: Ink) -> tuple[list[str], list[str], Any]:
    """Distinct flag cells (plain and styled) and each row's code, from the flag mask."""
    weights = np.int64(1) << np.arange(mask.shape[1], dtype=np.int64)
    distinct, codes = np.unique(mask.astype(np.int64) @ weights, return_inverse=True)
    plain, styled = [], []
    for bits in distinct.tolist():
        on = [f for k, f in enumerate(Flag) if bits >> k & 1]
        plain.append(" ".join(f.short for f in on))
        styled.append(" ".join(paint(f.short, FLAG_ROLES.get(f, ""), ink) for f in on))
    return plain, styled, codes.reshape(-1)


def layout(cols: Sequence[Column], flags_width: int, width: int) -> tuple[list[Column], int]:
    """The columns that fit ``width`` beside the flags (shortened or dropped by NARROWING),
    and the room left for the flags."""
    kept = list(cols)

    def used() -> int:
        return sum(c.width + 1 for c in kept)

    for head, target, whole in NARROWING:
        if used() + (flags_width if whole else min(flags_width, FLAGS_ROOM)) <= width:
            break
        at = next((i for i, c in enumerate(kept) if c.head == head), None)
        if at is None or (target and kept[at].width <= target):
            continue
        if target:
            kept[at] = kept[at].fitted(max(target, cells(head)))
        else:
            del kept[at]
    return kept, max(width - used(), 8)


def _flag_lines(text: str, styled: str, room: int, indent: int, ink: Ink) -> str:
    """A flags cell wrapped to ``room`` cells, continuation lines indented under it."""
    if cells(text) <= room:
        return styled
    lines: list[list[str]] = [[]]
    for word in text.split(" "):
        if lines[-1] and cells(" ".join([*lines[-1], word])) > room:
            lines.append([])
        lines[-1].append(word)
    roles = {f.short: FLAG_ROLES.get(f, "") for f in Flag}
    parts = [" ".join(paint(w, roles.get(w, ""), ink) for w in line) for line in lines]
    return ("\n" + " " * indent).join(parts)


@dataclass(frozen=True)
class Grid:
    """The laid-out table: its columns, the flags cells, and the rows' codes into both."""

    cols: list[Column]
    padded: list[npt.NDArray[np.object_]]  # per column, each distinct text padded and styled
    dropped: list[str]
    shortened: list[str]
    flag_cells: list[str]
    flag_codes: Any
    ink: Ink

    def header(self) -> list[str]:
        heads = []
        for c in self.cols:
            shown, fill = pad(c.head, c.width)
            heads.append(fill + shown if c.right else shown + fill)
        line = paint(" ".join([*heads, "Flags"]), "head", self.ink)
        rule = ("─" if self.ink is not Ink.PLAIN else "-") * (
            sum(c.width + 1 for c in self.cols) + 5
        )
        return [line, rule]

    def lines(self, rows: npt.NDArray[np.intp]) -> Iterator[str]:
        """The rows at ``rows`` (positions in the frame the grid was built from), in chunks."""
        flag_cells = np.array(self.flag_cells, dtype=object)
        for start in range(0, len(rows), CHUNK_ROWS):
            part = rows[start : start + CHUNK_ROWS]
            pairs = zip(self.padded, self.cols, strict=True)
            cells_ = [p[c.codes[part]].tolist() for p, c in pairs]
            cells_.append(flag_cells[self.flag_codes[part]].tolist())
            yield "".join(" ".join(row).rstrip() + "\n" for row in zip(*cells_, strict=True))


def grid(a: Assessment, rows: npt.NDArray[np.intp], width: int, ink: Ink) -> Grid:
    """Lay out the table for the rows ``rows`` of ``a.table`` within ``width`` columns."""
    frame = a.table.iloc[rows]
    cols = columns(frame)
    plain, styled, codes = flags_column(a.flags[rows], ink)
    natural = max([5, *map(cells, plain)])
    kept, room = layout(cols, natural, width)
    indent = sum(c.width + 1 for c in kept)
    wrapped = [_flag_lines(p, s, room, indent, ink) for p, s in zip(plain, styled, strict=True)]
    heads = {c.head for c in kept}
    narrowed = {c.head: c.width for c in kept}
    return Grid(
        cols=kept,
        padded=[c.padded(ink) for c in kept],
        dropped=[c.head for c in cols if c.head not in heads],
        shortened=[c.head for c in cols if c.head in heads and narrowed[c.head] < c.width],
        flag_cells=wrapped,
        flag_codes=codes,
        ink=ink,
    )


def move_label(tag: object, change: object) -> tuple[str, str]:
    """A compact movement cell and its style: ``new``, ``=``, ``+3``, ``-5``, or ``+12B`` for a
    band change."""
    tag = str(tag)
    if tag == "NEW":
        return "new", "new"
    if tag == "SAME" or change is None or change != change:  # NaN / NA: no previous rank
        return "=", ""
    places = int(str(change))
    if tag.startswith("BAND_"):
        return f"{places:+d}B", "band_move"
    return f"{places:+d}", "up" if places > 0 else "down"
