"""``socprio gaps``: the collection plan, as a table, CSV, JSON, markdown, and a pack section.

Built from an ``Assessment`` and its ``core.gaps.CollectionPlan``; never prints. Input text is
data: rich ``Text`` in the table, formula-escaped in the CSV, escaped in markdown and HTML.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from socprio.core.gaps import CollectionPlan, Impact, Settle, collection_plan
from socprio.core.ranking import rounded
from socprio.pipeline.frame import raw_texts
from socprio.present.captions import caption
from socprio.present.escape import escape_cell
from socprio.present.escape import markdown_text as _md

if TYPE_CHECKING:
    from socprio.core.matrix import IntArray
    from socprio.pipeline.result import Assessment

CSV_CHUNK_ROWS = 20_000
PACK_PAIRS = 10  # pairs the tasking pack lists
METHOD = (
    "Each unknown cell re-scored with its factor at its lowest and highest level, every other "
    "factor as scored; rank among the other groups as scored. A pair matters when it could "
    "move the group into or out of Band 1, across another band boundary, or into or out of "
    "the top {k}. A fact settles a band when, once known, no combination of the remaining "
    "unknowns can change it. Unknown override factors (e.g. threat to life) are included."
)
IMPACT_TEXT = {
    Impact.BAND_1: "Band 1 in/out",
    Impact.BAND: "band change",
    Impact.TOP_K: "top {k} in/out",
    Impact.NONE: "-",
}


@dataclass(frozen=True)
class GapsView:
    """The plan of an assessment and the pairs and groups one output shows."""

    a: Assessment
    plan: CollectionPlan
    pairs: IntArray  # indices into the plan's pair arrays, in plan order
    groups: IntArray  # indices into the plan's group arrays (the force filter only)
    everything: bool  # pairs with no decision impact are shown too
    ranked: int  # ranked groups in scope (the force filter)


def gaps_view(
    a: Assessment, *, force: str | None = None, top: int | None = None, everything: bool = False
) -> GapsView:
    """The plan of ``a``: pairs that matter (all pairs with ``everything``) of groups led by
    ``force`` (ignoring case), then the first ``top``. Ranks and priorities stay regional."""
    plan = collection_plan(a.matrix, a.scores, a.ranking, a.config)
    forces = _ranked_column(a, "lead_force")
    wanted = np.ones(len(a.matrix), dtype=bool)
    if force is not None:
        wanted = np.char.lower(forces.astype(str)) == force.casefold()
    keep = wanted[plan.row] & (everything | (plan.impact != Impact.NONE))
    groups = np.flatnonzero(wanted[plan.group_row])
    ranked = int(wanted[a.ranking.order].sum())
    return GapsView(a, plan, np.flatnonzero(keep)[:top], groups, everything, ranked)


def _ranked_column(a: Assessment, name: str) -> npt.NDArray[np.object_]:
    """A table column by matrix row (ranked rows only; others empty)."""
    out = np.full(len(a.matrix), "", dtype=object)
    out[a.ranking.order] = a.table[name].to_numpy(dtype=object)
    return out


def pair_columns(view: GapsView) -> dict[str, npt.NDArray[Any]]:
    """The shown pairs as export columns (numbers rounded as printed)."""
    a, p, k = view.a, view.plan, view.pairs
    cfg, r = a.config, a.ranking
    names = np.array(list(cfg.factors), dtype=object)
    labels = np.array(r.labels, dtype=object)
    rows, factors = p.row[k], p.factor[k]
    low, high = _level_texts(view, factors)
    rule_ids = np.array([_rules_on(view, n) for n in cfg.factors], dtype=object)
    return {
        "priority": k + 1,
        "group_id": a.matrix.group_id[rows].astype(object),
        "codename": _ranked_column(a, "codename")[rows],
        "lead_force": _ranked_column(a, "lead_force")[rows],
        "rank": r.rank[rows],
        "band": labels[r.effective[rows]],
        "score": rounded(a.scores.total[rows]),
        "factor": names[factors],
        "impact": np.array([i.label for i in Impact], dtype=object)[p.impact[k]],
        "settles_band": np.where(p.settles[k], "yes", "no").astype(object),
        "level_if_min": low,
        "score_if_min": rounded(p.score_if_min[k]),
        "band_if_min": labels[p.band_if_min[k]],
        "rank_if_min": p.rank_if_min[k],
        "level_if_max": high,
        "score_if_max": rounded(p.score_if_max[k]),
        "band_if_max": labels[p.band_if_max[k]],
        "rank_if_max": p.rank_if_max[k],
        "best_band": p.band_best[k],
        "worst_band": p.band_worst[k],
        "best_rank": p.rank_best[k],
        "worst_rank": p.rank_worst[k],
        "overrides": rule_ids[factors],
    }


def _level_texts(
    view: GapsView, factors: IntArray
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Each pair's lowest and highest level as the input writes it (``no``/``yes``, 0-4)."""
    kinds = list(view.a.config.factors.values())
    low = np.empty(len(factors), dtype=object)
    high = np.empty(len(factors), dtype=object)
    for j, factor in enumerate(kinds):
        hit = factors == j
        if hit.any():
            low[hit] = raw_texts(np.array([0.0]), factor.type)[0]
            high[hit] = raw_texts(np.array([float(factor.max)]), factor.type)[0]
    return low, high


def _rules_on(view: GapsView, name: str) -> str:
    """The ids of the override rules that read factor ``name``, ``;``-joined."""
    return ";".join(r.id for r in view.a.config.overrides if r.factor == name)


def summary(view: GapsView) -> dict[str, int]:
    """Counts behind the closing lines, over the groups in scope (the force filter)."""
    p, g = view.plan, view.groups
    in_scope = np.isin(p.row, p.group_row[g])
    impact = np.bincount(p.impact[in_scope], minlength=len(Impact))
    settle = np.bincount(p.group_settle[g], minlength=len(Settle))
    return {
        "ranked_groups": view.ranked,
        "groups_with_unknowns": len(g),
        "unknown_cells": int(in_scope.sum()),
        "pairs_band_1": int(impact[Impact.BAND_1]),
        "pairs_band": int(impact[Impact.BAND]),
        "pairs_top_k": int(impact[Impact.TOP_K]),
        "pairs_shown": len(view.pairs),
        "band_uncertain": int(settle[Settle.ONE_FACT] + settle[Settle.SEVERAL]),
        "settled_by_one_fact": int(settle[Settle.ONE_FACT]),
        "need_two_or_more": int(settle[Settle.SEVERAL]),
        "no_single_fact_changes_band": int((~p.group_changeable[g]).sum()),
    }


def summary_lines(view: GapsView) -> list[str]:
    """The closing lines every human-facing format prints."""
    c, k = summary(view), view.plan.top_k
    matter = c["pairs_band_1"] + c["pairs_band"] + c["pairs_top_k"]
    return [
        f"Unknown cells: {c['unknown_cells']} in {c['groups_with_unknowns']} of "
        f"{c['ranked_groups']} ranked groups; {matter} could change a decision "
        f"({c['pairs_band_1']} Band 1 in/out, {c['pairs_band']} band change, "
        f"{c['pairs_top_k']} top {k} in/out).",
        f"Band uncertain for {c['band_uncertain']} groups: {c['settled_by_one_fact']} settled "
        f"by one fact, {c['need_two_or_more']} need two or more facts.",
        f"No single fact could change the band of {c['no_single_fact_changes_band']} of the "
        f"{c['groups_with_unknowns']} groups with unknowns.",
    ]


def gaps_csv(view: GapsView) -> Iterator[str]:
    """The plan as CSV chunks (CRLF): one row per pair shown, marking on every row; text
    formula-escaped, numbers numeric."""
    columns = pair_columns(view)
    cells = [_csv_cells(values) for values in columns.values()]
    marking = escape_cell(view.a.config.marking)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(c) for c in [*columns, "marking"]])
    for start in range(0, len(view.pairs), CSV_CHUNK_ROWS):
        part = [c[start : start + CSV_CHUNK_ROWS] for c in cells]
        writer.writerows((*row, marking) for row in zip(*part, strict=True))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _csv_cells(values: npt.NDArray[Any]) -> list[str]:
    """A column's cells: each distinct value formatted (and text escaped) once."""
    distinct, inverse = np.unique(values, return_inverse=True)
    if values.dtype.kind in "fiu":
        shown = [str(v) for v in distinct.tolist()]
    else:
        shown = [escape_cell(str(v)) for v in distinct.tolist()]
    return [shown[i] for i in inverse.reshape(-1).tolist()]


def gaps_data(view: GapsView) -> dict[str, Any]:
    """The plan as JSON-ready data: meta, method, summary, pairs and groups."""
    a, p, g = view.a, view.plan, view.groups
    columns = pair_columns(view)
    pairs = [
        dict(zip(columns, row, strict=True))
        for row in zip(*(c.tolist() for c in columns.values()), strict=True)
    ]
    for item in pairs:
        item["settles_band"] = item["settles_band"] == "yes"
        item["overrides"] = [x for x in str(item["overrides"]).split(";") if x]
    names = list(a.config.factors)
    groups = [
        {
            "group_id": str(a.matrix.group_id[row]),
            "band": a.ranking.labels[a.ranking.effective[row]],
            "settle": Settle(state).name.lower(),
            "settled_by": names[fact] if fact >= 0 else None,
            "single_fact_could_change_band": bool(changeable),
        }
        for row, state, fact, changeable in zip(
            p.group_row[g].tolist(),
            p.group_settle[g].tolist(),
            p.group_fact[g].tolist(),
            p.group_changeable[g].tolist(),
            strict=True,
        )
    ]
    meta = a.provenance.meta() | {"gaps": {"top_k": p.top_k, "method": _method(view)}}
    return {"meta": meta, "summary": summary(view), "pairs": pairs, "groups": groups}


def gaps_json(view: GapsView) -> str:
    """``gaps_data`` as indented JSON text."""
    return json.dumps(gaps_data(view), indent=2, ensure_ascii=False) + "\n"


def _method(view: GapsView) -> str:
    return METHOD.format(k=view.plan.top_k)


def gaps_markdown(view: GapsView) -> str:
    """The plan as a GitHub-flavoured markdown table, with the summary and provenance."""
    c = pair_columns(view)
    k = view.plan.top_k
    head = ["#", "rank", "group", "band", "score", "factor", "if lowest", "if highest", "impact"]
    lines = [f"**{_md(view.a.config.marking)}**", "", "| " + " | ".join(head) + " |"]
    lines.append(
        "|" + "|".join("---:" if h in ("#", "rank", "score") else "---" for h in head) + "|"
    )
    for i in range(len(view.pairs)):
        settles = " (settles band)" if c["settles_band"][i] == "yes" else ""
        cells = [
            c["priority"][i],
            c["rank"][i],
            c["group_id"][i],
            c["band"][i],
            f"{c['score'][i]:.1f}",
            f"{c['factor'][i]}{settles}",
            _outcome(c, i, "min"),
            _outcome(c, i, "max"),
            IMPACT_TEXT[Impact(view.plan.impact[view.pairs[i]])].format(k=k),
        ]
        lines.append("| " + " | ".join(_md(v) for v in cells) + " |")
    lines += ["", *(f"- {_md(line)}" for line in summary_lines(view))]
    lines += ["", f"_{_md(_method(view))}_", "", f"_{_md(caption(view.a.provenance))}_", ""]
    return "\n".join(lines)


def _outcome(c: dict[str, npt.NDArray[Any]], i: int, end: str) -> str:
    """``level: score band #rank`` at one end of a pair's range."""
    return (
        f"{c[f'level_if_{end}'][i]}: {c[f'score_if_{end}'][i]:.1f} "
        f"{c[f'band_if_{end}'][i]} #{c[f'rank_if_{end}'][i]}"
    )


def group_data(a: Assessment, row: int) -> dict[str, Any]:
    """One group's unknowns as JSON-ready data (for ``explain -f json``): its verdict and
    every pair, matter or not, in plan order."""
    view = gaps_view(a, everything=True)
    plan = view.plan
    at = np.flatnonzero(plan.group_row == row)
    if not len(at):
        return {"settle": None, "settled_by": None, "pairs": []}
    mine = np.flatnonzero(plan.row == row)
    data = gaps_data(GapsView(a, plan, mine, at, True, 1))
    group = data["groups"][0]
    keep = ("group_id", "codename", "lead_force", "rank", "band", "score", "priority")
    pairs = [{k: v for k, v in p.items() if k not in keep} for p in data["pairs"]]
    return {"settle": group["settle"], "settled_by": group["settled_by"], "pairs": pairs}


def requirements_section(a: Assessment, *, top: int = PACK_PAIRS) -> str:
    """The pack's "Intelligence requirements": the first ``top`` pairs that matter."""
    from socprio.present.charts import esc

    view = gaps_view(a, top=top)
    c = pair_columns(view)
    if not len(view.pairs):
        return (
            "<h2>Intelligence requirements</h2>"
            '<p class="none">No unknown could change a band or the top list.</p>'
        )
    items = "".join(
        f"<li><b>{esc(c['group_id'][i])}</b> ({esc(c['band'][i])}, #{esc(c['rank'][i])}): "
        f"{esc(c['factor'][i])}: {esc(c['level_if_min'][i])} gives {c['score_if_min'][i]:.1f} "
        f"{esc(c['band_if_min'][i])}, {esc(c['level_if_max'][i])} gives "
        f"{c['score_if_max'][i]:.1f} {esc(c['band_if_max'][i])}"
        f" ({esc(IMPACT_TEXT[Impact(view.plan.impact[view.pairs[i]])].format(k=view.plan.top_k))})"
        "</li>"
        for i in range(len(view.pairs))
    )
    lines = "".join(f"<p>{esc(line)}</p>" for line in summary_lines(view)[1:])
    return f"<h2>Intelligence requirements</h2><ol>{items}</ol>{lines}"
