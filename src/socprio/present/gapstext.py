"""The collection plan for people: the terminal table of ``socprio gaps``, the section of
``socprio explain`` and the "Intelligence requirements" section of the tasking pack.

Returns text or HTML; never prints. Input text goes to rich as ``Text`` and to HTML escaped.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.console import Group as RichGroup
from rich.table import Table
from rich.text import Text

from socprio.core.gaps import Impact, Settle
from socprio.present.captions import caption
from socprio.present.gaps import IMPACT_TEXT, GapsView, gaps_view, pair_columns, summary_lines

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment

BAND_STYLE = {"1": "bold red", "2": "yellow", "3": "green"}


def gaps_table(view: GapsView, *, width: int = 100, terminal: bool = False) -> str:
    """The plan as a table ``width`` columns wide, the closing counts below it."""
    c, k = pair_columns(view), view.plan.top_k
    table = Table(
        box=box.SIMPLE_HEAD if terminal else None,
        title=Text(view.a.config.marking),
        caption=Text(caption(view.a.provenance)),
        pad_edge=False,
        collapse_padding=True,
    )
    for name in ("#", "Rank", "Group", "Band", "Score"):
        table.add_column(name, justify="left" if name in ("Group", "Band") else "right")
    table.add_column("Factor", no_wrap=True)
    table.add_column("If lowest", no_wrap=True)
    table.add_column("If highest", no_wrap=True)
    table.add_column("Impact", no_wrap=True)
    for i in range(len(view.pairs)):
        band = str(c["band"][i])
        table.add_row(
            str(c["priority"][i]),
            str(c["rank"][i]),
            Text(str(c["group_id"][i])),
            Text(band, style=BAND_STYLE.get(band[:1], "")),
            f"{c['score'][i]:.1f}",
            Text(str(c["factor"][i]) + ("*" if c["settles_band"][i] == "yes" else "")),
            _end(c["score_if_min"][i], str(c["band_if_min"][i]), int(c["rank_if_min"][i])),
            _end(c["score_if_max"][i], str(c["band_if_max"][i]), int(c["rank_if_max"][i])),
            IMPACT_TEXT[Impact(view.plan.impact[view.pairs[i]])].format(k=k),
        )
    legend = Text(
        "If lowest / If highest: score, band and #rank with the factor at its lowest or highest "
        "level, everything else as scored. * = the one fact that settles the group's band.",
        style="dim",
    )
    lines = [Text(line) for line in summary_lines(view)]
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=terminal,
        no_color=not terminal,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(RichGroup(table, legend, *lines))
    return out.getvalue()


def _end(score: float, band: str, rank: int) -> Text:
    return Text(f"{score:5.1f} {band:<3} #{rank}", style=BAND_STYLE.get(band[:1], ""))


def group_lines(a: Assessment, row: int) -> str:
    """What ``explain`` says about one group's unknowns (matrix row ``row``)."""
    view = gaps_view(a, everything=True)
    plan, names = view.plan, list(a.config.factors)
    at = np.flatnonzero(plan.group_row == row)
    if not len(at):
        return "Unknowns: none that could change its score, band or rank"
    g = int(at[0])
    state = Settle(plan.group_settle[g])
    if state is Settle.CERTAIN:
        verdict = "no combination of them changes its band"
    elif state is Settle.ONE_FACT:
        verdict = f"band uncertain; knowing {names[plan.group_fact[g]]} would settle it"
    else:
        verdict = "band uncertain; no single fact settles it (two or more are needed)"
    lines = [f"Unknowns (socprio gaps): {verdict}"]
    mine = np.flatnonzero(plan.row == row)
    c = pair_columns(GapsView(a, plan, mine, at, True, 1))
    for i, k in enumerate(mine.tolist()):
        impact = IMPACT_TEXT[Impact(plan.impact[k])].format(k=plan.top_k)
        lines.append(
            f"  {c['factor'][i]}: {c['level_if_min'][i]} -> {c['score_if_min'][i]:.1f} "
            f"{c['band_if_min'][i]} #{c['rank_if_min'][i]}; {c['level_if_max'][i]} -> "
            f"{c['score_if_max'][i]:.1f} {c['band_if_max'][i]} #{c['rank_if_max'][i]}"
            + (f" [{impact}]" if plan.impact[k] != Impact.NONE else "")
        )
    return "\n".join(lines)
