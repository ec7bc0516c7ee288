"""``socprio stability``: the "how sure are we?" report. Returns renderables and text; never prints.

Per group: the rank interval over the weight draws, the shares in the top K and in the same
band, UNSTABLE, and the two second-opinion ranks with DISAGREE. Overall: Spearman's rho
between the baseline and the draws. Then, per weight, the groups whose band changes when that
weight alone moves by -p and by +p.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
from rich import box
from rich.console import Group as RichGroup
from rich.table import Table
from rich.text import Text

from socprio.core.flags import Flag
from socprio.pipeline.frame import OPINION_COLUMNS, STABILITY_COLUMNS, rounded_frame
from socprio.present.captions import INTERVAL, caption, rank_interval
from socprio.present.escape import visible
from socprio.present.plaintable import table_lines
from socprio.present.termtext import cells, rendered

if TYPE_CHECKING:
    import pandas as pd

    from socprio.core.stability import Stability
    from socprio.pipeline.result import Assessment

CODENAME_WIDTH = 16  # the groups table fits 100 columns even with 4-digit ranks
UNST, DISAG = Flag.UNSTABLE, Flag.DISAGREE


def _flagged(frame: pd.DataFrame, flag: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which rows carry ``flag`` in their ';'-joined flags."""
    marked: np.ndarray[Any, np.dtype[np.bool_]] = (
        (";" + frame["flags"].astype(str) + ";").str.contains(f";{flag};", regex=False).to_numpy()
    )
    return marked


def _overall(a: Assessment, stab: Stability) -> str:
    opinion = a.opinion
    ranked = len(a.ranking.order)
    disagree = int(opinion.disagree.sum())
    return (
        f"Spearman's rho, baseline vs each draw: median {stab.spearman_median:.3f}, "
        f"5th percentile {stab.spearman_p5:.3f} (1 = the same order)\n"
        f"UNSTABLE {int(stab.unstable.sum())} of {ranked} groups; DISAGREE {disagree} of {ranked}"
    )


def groups_table(frame: pd.DataFrame, stab: Stability, *, top: int | None, width: int) -> list[str]:
    """One row per ranked group (the first ``top``): interval, shares, second opinion and the
    UNSTABLE and DISAGREE flags (as ``Flag.short``), as lines of text ``width`` columns wide.
    Only the codename shortens, and only below 100 columns."""
    shown = rounded_frame(frame.head(top) if top is not None else frame)
    spans = rank_interval(shown).tolist()
    unstable = _flagged(shown, "UNSTABLE").tolist()
    disagree = _flagged(shown, "DISAGREE").tolist()
    heads = ["#", "Group", "Codename", "Band", INTERVAL, f"P(top {stab.top_k})", "P(band)"]
    heads += ["Harm #", "Attr #", "Flags"]
    flags = [
        " ".join(f.short for f, on in ((UNST, u), (DISAG, d)) if on)
        for u, d in zip(unstable, disagree, strict=True)
    ]
    columns = [
        shown["rank"].astype(str).tolist(),
        shown["group_id"].astype(str).tolist(),
        [visible(str(c)) for c in shown["codename"].tolist()],
        shown["band"].astype(str).tolist(),
        spans,
        [f"{v:.2f}" for v in shown["p_top_k"].tolist()],
        [f"{v:.2f}" for v in shown["p_same_band"].tolist()],
        shown["harm_rank"].astype(str).tolist(),
        shown["attribute_rank"].astype(str).tolist(),
        flags,
    ]
    rows = list(zip(*columns, strict=True))
    naturals = [max([len(h), *map(cells, c)]) for h, c in zip(heads, columns, strict=True)]

    def make() -> Table:
        table = Table(
            box=box.SIMPLE_HEAD,
            padding=0,  # the box's own space separates columns: 80 columns suffice
            title="Groups",
            title_justify="left",
        )
        for name, natural in zip(heads, naturals, strict=True):
            codename = name == "Codename"
            table.add_column(
                name,
                justify="left" if name in ("Group", "Codename", "Band", "Flags") else "right",
                no_wrap=True,
                overflow="ellipsis",
                min_width=min(natural, 8) if codename else natural,
                max_width=CODENAME_WIDTH if codename else None,
            )
        return table

    return table_lines(make, rows, width)


def sensitivity_table(a: Assessment, stab: Stability) -> Table:
    """Per weighted factor: its effective weight and the groups whose band changes at -p, +p."""
    p = f"{stab.perturbation:.0%}"
    ids = a.matrix.group_id
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        title=f"One weight at a time (+/-{p}, others renormalised): groups changing band",
        title_justify="left",
    )
    table.add_column("Factor", no_wrap=True)
    table.add_column("Weight", justify="right", no_wrap=True)
    table.add_column(f"At -{p}", overflow="fold", ratio=1)
    table.add_column(f"At +{p}", overflow="fold", ratio=1)
    for item in stab.sensitivity:
        table.add_row(
            item.factor,
            f"{item.weight:.4f}",
            " ".join(ids[item.down].tolist()) or "-",
            " ".join(ids[item.up].tolist()) or "-",
        )
    return table


def report_text(a: Assessment, *, top: int | None = None, width: int = 100) -> str:
    """The whole report as text ``width`` columns wide (80 or more): head, groups, overall,
    one at a time. The groups table is laid out by ``plaintable`` (rich's own text, without
    rich rendering thousands of rows); the rest by rich."""
    frame, stab, opinion, prov, cfg = a.table, _stability(a), a.opinion, a.provenance, a.config
    harm = cfg.groups[opinion.harm_group].label
    head = Text.assemble(
        (cfg.marking, "bold"),
        f"\nHow sure are we? {stab.draws:,} weight vectors drawn around the configured ones "
        f"(Dirichlet, concentration {stab.concentration:g}, seed {stab.seed}); every group "
        "re-scored and re-ranked in each.",
    )
    shown = len(frame) if top is None else min(top, len(frame))
    legend = Text(
        f"{INTERVAL} = rank in 90% of draws; P(top {stab.top_k}) = share of draws in the top "
        f"{stab.top_k}; P(band) = share of draws in the same band\n"
        f"{UNST.short} = {UNST.value}: band changes in more than "
        f"{cfg.stability.unstable_share:.0%} of draws: the band rests on the exact weights\n"
        f"Harm # = rank by {harm} points alone; Attr # = rank by the share of factors at or "
        "above their midpoint (OCGM-style)\n"
        f"{DISAG.short} = {DISAG.value}: Harm # or Attr # more than "
        f"{cfg.stability.disagree_places} places from #: worth an analyst's look",
        style="dim",
    )
    tail = RichGroup(
        Text(f"Showing {shown} of {len(frame)} ranked groups.", style="dim"),
        legend,
        Text(_overall(a, stab)),
        sensitivity_table(a, stab),
        Text(caption(prov), style="dim"),
    )
    lines = [*groups_table(frame, stab, top=top, width=width)]
    return rendered(head, width) + "".join(f"{line}\n" for line in lines) + rendered(tail, width)


def _stability(a: Assessment) -> Stability:
    """The weight draws of ``a``; the report needs them (ValueError when they did not run)."""
    if a.stability is None:
        raise ValueError("the stability report needs an assessment made with draws > 0")
    return a.stability


def report_data(a: Assessment) -> dict[str, Any]:
    """Everything in the report, for every ranked group, as plain JSON-ready data."""
    stab, opinion, prov = _stability(a), a.opinion, a.provenance
    out = rounded_frame(a.table)
    unstable = _flagged(out, "UNSTABLE").tolist()
    disagree = _flagged(out, "DISAGREE").tolist()
    keys = ["rank", "group_id", "codename", "band", *STABILITY_COLUMNS, *OPINION_COLUMNS]
    groups = [
        {key: row[key] for key in keys}
        | {
            "unstable": unstable[i],
            "disagree": disagree[i],
            "flags": [f for f in str(row["flags"]).split(";") if f],
        }
        for i, row in enumerate(out[[*keys, "flags"]].to_dict(orient="records"))
    ]
    ids = a.matrix.group_id
    cfg = prov.config.config
    return {
        "meta": prov.meta(),
        "overall": {
            "spearman_median": round(stab.spearman_median, 4),
            "spearman_p5": round(stab.spearman_p5, 4),
            "unstable": int(stab.unstable.sum()),
            "disagree": int(opinion.disagree.sum()),
            "ranked": len(a.ranking.order),
        },
        "second_opinion": {
            "harm_group": opinion.harm_group,
            "disagree_places": cfg.stability.disagree_places,
        },
        "groups": groups,
        "one_at_a_time": [
            {
                "factor": item.factor,
                "weight": round(item.weight, 6),
                "perturbation": stab.perturbation,
                "down": ids[item.down].tolist(),
                "up": ids[item.up].tolist(),
            }
            for item in stab.sensitivity
        ],
    }


def report_json(a: Assessment) -> str:
    """``report_data`` as indented JSON text."""
    data = report_data(a)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
