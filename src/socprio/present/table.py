"""The analyst's terminal table for ``socprio rank``: fits the width it is given, and streams.

Groups with an active threat to life (any override rule carrying ACTION_NOW) come first, in
their own "Act now" section, whatever their score and with their regional rank; the ranking
below is the harm order, in which they also appear at their rank. A view's act-now groups
outside its filters are named in one line, never silently left out. ``limit`` shows the
first rows only (the act-now section is always whole) and says how many more there are.
Text only, never printed here: ``table_chunks`` yields it in chunks of lines, the grid laid
out once (present/grid.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from socprio.core.flags import Flag, legend
from socprio.present.captions import INTERVAL, caption, interval_note
from socprio.present.escape import visible
from socprio.present.grid import Grid, grid
from socprio.present.termtext import Ink, pack, paint, wrap

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment

NOW = list(Flag).index(Flag.ACTION_NOW)


def table_text(
    a: Assessment,
    *,
    width: int = 100,
    terminal: bool = False,
    limit: int | None = None,
    ink: Ink | None = None,
) -> str:
    """The whole table as text within ``width`` columns; colours only for a ``terminal``
    (or as ``ink`` says)."""
    chosen = ink if ink is not None else Ink.COLOUR if terminal else Ink.PLAIN
    return "".join(table_chunks(a, width=width, ink=chosen, limit=limit))


def table_chunks(
    a: Assessment, *, width: int = 100, ink: Ink = Ink.PLAIN, limit: int | None = None
) -> Iterator[str]:
    """The table in chunks of whole lines: the marking, Act now, the ranking (the first
    ``limit`` rows, or all), the notes and legend, the changes, the caption."""
    n = len(a.table)
    act = np.flatnonzero(a.flags[:, NOW]) if n else np.zeros(0, dtype=np.intp)
    main = np.arange(n if limit is None else min(limit, n))
    shown = np.union1d(act, main).astype(np.intp)
    g = grid(a, shown, width, ink)
    yield paint(visible(a.config.marking), "title", ink) + "\n"
    yield from _act_now(a, g, np.searchsorted(shown, act), width)
    counts = a.provenance.counts
    scope = f"{n} of {counts.ranked} ranked groups" if counts.shown is not None else f"{n} groups"
    yield "\n" + _lines(f"Ranking, in harm order: {scope}", width, "head", ink)
    yield "".join(line + "\n" for line in g.header())
    yield from g.lines(np.searchsorted(shown, main))
    yield _footer(a, g, width, shown=len(main))


def _lines(text: str, width: int, role: str, ink: Ink, indent: str = "  ") -> str:
    """``text`` (its own line breaks kept) wrapped to ``width``, each line styled as ``role``."""
    paragraphs = [visible(p) for p in text.split("\n")]
    return "".join(
        paint(line, role, ink) + "\n" for p in paragraphs for line in wrap(p, width, indent=indent)
    )


def _act_now(a: Assessment, g: Grid, rows: np.ndarray, width: int) -> Iterator[str]:
    """The Act now section: every act-now group of the view, then those outside it."""
    ink = g.ink
    outside = a.act_now_outside
    elsewhere = 0 if outside is None else outside.rows
    if len(rows):
        plural = "group" if len(rows) == 1 else "groups"
        head = (
            f"ACT NOW: {len(rows)} {plural} with an active threat to life (ACTION_NOW), "
            "first whatever the score; # is the regional rank"
        )
        yield _lines(head, width, "act", ink)
        yield "".join(line + "\n" for line in g.header())
        yield from g.lines(rows)
    elif not elsewhere:
        yield _lines("Act now: no group has an active threat to life (ACTION_NOW)", width, "", ink)
    if outside is not None and elsewhere:
        named = ", ".join(
            f"#{r} {gid} ({force})"
            for r, gid, force in zip(
                outside["rank"], outside["group_id"], outside["lead_force"], strict=True
            )
        )
        noun = "group has" if elsewhere == 1 else "groups have"
        text = (
            f"ACT NOW outside this view: {elsewhere} {noun} an active threat to life: {named}. "
            "Run without --force, --crime or --strand to see them."
        )
        yield _lines(text, width, "act", ink)


def _footer(a: Assessment, g: Grid, width: int, *, shown: int) -> str:
    """What is not shown and how to see it, the summary, the legend, changes and caption."""
    ink, n = g.ink, len(a.table)
    out: list[str] = []
    if shown < n:
        out.append(
            f"Showing the first {shown} of {n} groups; {n - shown} more: --all lists every "
            "one, --top N the first N, -f csv writes them all with every column."
        )
    if g.dropped or g.shortened:
        parts = [f"not shown: {', '.join(g.dropped)}"] if g.dropped else []
        parts += [f"shortened: {', '.join(g.shortened)}"] if g.shortened else []
        out.append(
            f"At {width} columns, {'; '.join(parts)}. A wider terminal (or COLUMNS=132) "
            "shows them; -f csv has every column."
        )
    text = "".join(_lines(line, width, "", ink) for line in out)
    for name, counts in a.summary().items():
        items = [visible(f"{k} {v}") for k, v in counts.items()] or ["-"]
        items[0] = f"{name}: {items[0]}"
        text += "".join(line + "\n" for line in pack(items, width))
    for line, indent in _legend(a, g):
        text += _lines(line, width, "dim", ink, indent)
    if a.movement is not None:
        from socprio.present.changes import render_changes_text

        text += _lines(render_changes_text(a.movement).rstrip("\n"), width, "", ink)
    return text + _lines(caption(a.provenance), width, "dim", ink)


def _legend(a: Assessment, g: Grid) -> list[tuple[str, str]]:
    """What the abbreviations of the shown columns and flags mean, as (text, indent)."""
    heads = {c.head for c in g.cols}
    first = "# = regional rank; Band^ = lifted by an override rule"
    notes = [first + ("; C = confidence (H/M/L)" if "C" in heads else "")]
    if "Move" in heads:
        notes.append("Move = places up (+) or down (-) since the previous run; B = band changed")
    if INTERVAL in heads:
        notes.append(interval_note(a.provenance))
    out = [(note, "  ") for note in notes]
    present = [f for k, f in enumerate(Flag) if len(a.flags) and a.flags[:, k].any()]
    if present:
        out += [("Flags:", "")] + [(f"  {line}", " " * 8) for line in legend(present)]
    return out
