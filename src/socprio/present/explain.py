"""``socprio explain``: one group's full breakdown, and why it sits where it does.

Builds rich renderables, text and JSON from an ``Assessment``; never prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from rich import box
from rich.console import Group as RichGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from socprio.config.models import Config, FactorType
from socprio.core.flags import RANKING_FLAGS, Flag
from socprio.core.ranking import rounded, settled
from socprio.errors import UsageError
from socprio.pipeline.frame import raw_text
from socprio.present.escape import visible
from socprio.present.gaps import group_data
from socprio.present.gapstext import group_lines

if TYPE_CHECKING:
    from socprio.core.stability import SecondOpinion, Stability
    from socprio.pipeline.result import Assessment

CONFIDENCE_NAMES = ("high", "medium", "low")


def why_above(run: Assessment, upper: int, lower: int, cfg: Config) -> str:
    """The first ordering key on which row ``upper`` beats row ``lower``."""
    m, s, r = run.matrix, run.scores, run.ranking
    labels = r.labels
    if r.effective[upper] != r.effective[lower]:
        return (
            f"better effective band ({labels[r.effective[upper]]} vs {labels[r.effective[lower]]})"
        )
    a, b = rounded(s.total[[upper, lower]])
    if a != b:
        return f"same band, higher score ({a:.1f} vs {b:.1f})"
    for g, name in enumerate(s.groups):
        pa, pb = settled(s.group_points[[upper, lower], g])
        if pa != pb:
            label = cfg.groups[name].label
            return f"tied on score; more {label} points ({pa:.2f} vs {pb:.2f})"
    if m.confidence[upper] != m.confidence[lower]:
        return (
            f"tied on score and groups; higher confidence "
            f"({CONFIDENCE_NAMES[m.confidence[upper]]} vs {CONFIDENCE_NAMES[m.confidence[lower]]})"
        )
    if m.last_review[upper] != m.last_review[lower]:
        return f"tied; more recent review ({m.last_review[upper]} vs {m.last_review[lower]})"
    return f"tied on every key; group_id order ({m.group_id[upper]} before {m.group_id[lower]})"


def group_row(a: Assessment, group_id: str) -> tuple[int, dict[str, Any]]:
    """The matrix row of ``group_id`` and its table row (ranked or not); UsageError if absent."""
    rows = np.flatnonzero(a.matrix.group_id == group_id.strip())
    if not len(rows):
        raise UsageError(f"no group '{group_id.strip()}' in {a.provenance.input_path}")
    row = int(rows[0])
    table = a.table if a.ranking.rank[row] else a.unranked
    hit = np.flatnonzero(table["group_id"].to_numpy(dtype=str) == group_id.strip())
    return row, {str(k): v for k, v in table.iloc[int(hit[0])].items()}


def explain(a: Assessment, group_id: str) -> RenderableType:
    """The breakdown of one group: factors, groups, min/max, overrides, flags, neighbours, and
    (when computed) its rank stability under weight draws and the second-opinion views."""
    loaded, cfg = a.provenance.config, a.config
    m, s, r = a.matrix, a.scores, a.ranking
    stability, opinion = a.stability, a.opinion
    row, record = group_row(a, group_id)
    labels = r.labels
    ranked = int(r.rank[row])
    position = (
        f"rank {ranked} of {len(r.order)}" if ranked else f"not ranked (status {record['status']})"
    )
    lo_total_hi = rounded(np.array([s.score_min[row], s.total[row], s.score_max[row]]))
    head = Text.assemble(
        (visible(f"{record['group_id']} {record['codename']}"), "bold"),
        f" | {position} | band {labels[r.effective[row]]}",
        (f" (score band {labels[r.band[row]]})" if r.effective[row] != r.band[row] else ""),
        f"\nscore {lo_total_hi[1]:.1f}; with unknowns at their lowest {lo_total_hi[0]:.1f}, "
        f"highest {lo_total_hi[2]:.1f}; coverage {s.coverage[row]:.0%}; "
        f"confidence {CONFIDENCE_NAMES[m.confidence[row]]} (grading {record['grading']})",
    )
    table = factor_table(a, row, str(record["principal_crime"]))
    subtotals = Text(
        "Group points: "
        + "; ".join(
            f"{cfg.groups[g].label} {s.group_points[row, i]:.2f} of "
            f"{100 * sum(cfg.effective_weights[f] for f in cfg.groups[g].factors):.1f}"
            for i, g in enumerate(s.groups)
        )
        + f"; total {s.total[row]:.2f}"
    )
    parts: list[RenderableType] = [head, table, subtotals]
    fired = [rule for i, rule in enumerate(cfg.overrides) if r.rules[row, i]]
    for rule in fired:
        effect = "applied" if r.effective[row] < r.band[row] else "already met by the score"
        parts.append(
            Text(
                f"Override {rule.id}: {rule.description} -> "
                f"at least Band {rule.min_band} ({effect})"
            )
        )
    for k, flag in enumerate(RANKING_FLAGS):
        if r.flags[row, k]:
            parts.append(Text(f"Flag {flag.value}: {flag.meaning}"))
    if ranked and stability is not None:
        parts.append(Text(stability_lines(stability, row, cfg)))
    elif stability is not None:
        parts.append(Text("Stability: not assessed, because the group is not ranked"))
    if ranked:
        parts.append(Text(opinion_lines(opinion, row, ranked, cfg)))
        parts.append(Text(_neighbours(a, row, cfg)))
        parts.append(Text(group_lines(a, row)))
    parts.append(
        Text(
            f"{cfg.marking} | config {loaded.path} v{cfg.version} sha256 {loaded.short_sha}",
            style="dim",
        )
    )
    return RichGroup(*parts)


def factor_table(a: Assessment, row: int, principal: str) -> Table:
    """Every factor of matrix row ``row``: raw value, meaning (and, when unknown, how it was
    scored), value, weight and points. Only the meaning wraps, so the table reads at 80
    columns as at 100."""
    cfg, m, s = a.config, a.matrix, a.scores
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        title="Factors",
        title_justify="left",
    )
    for name, justify in (
        ("Group", "left"),
        ("Factor", "left"),
        ("Raw", "right"),
        ("Meaning", "left"),
        ("Value", "right"),
        ("Weight", "right"),
        ("Points", "right"),
    ):
        table.add_column(  # names and numbers are never cut short or wrapped
            name,
            justify=justify,  # type: ignore[arg-type]
            no_wrap=name != "Meaning",
            ratio=1 if name == "Meaning" else None,
            overflow="fold",
        )
    weighted = {name: k for k, name in enumerate(s.weighted)}
    for j, (name, factor) in enumerate(cfg.factors.items()):
        raw = m.raw[row, j]
        known = bool(s.known[row, j])
        shown = raw_text(raw, factor.type) if factor.type is not FactorType.CRIME_TYPE else "-"
        meaning = _meaning(factor.type, factor.levels, raw, principal)
        if not known:
            meaning = f"unknown, scored {cfg.policy(name).value}"
        k = weighted.get(name)
        table.add_row(
            cfg.group_of.get(name, "rules"),
            name,
            shown,
            meaning,
            f"{s.normalised[row, j]:.2f}",
            f"{s.weights[k]:.4f}" if k is not None else "-",
            f"{s.contributions[row, k]:.2f}" if k is not None else "-",
        )
    return table


def stability_lines(st: Stability, row: int, cfg: Config) -> str:
    """A ranked row's rank interval, shares and UNSTABLE flag, with what they mean."""
    p = f"{st.perturbation:.0%}"
    moves = [f"{w.factor} -{p}" for w in st.sensitivity if row in w.down]
    moves += [f"{w.factor} +{p}" for w in st.sensitivity if row in w.up]
    lines = [
        f"Stability: rank {st.rank_p5[row]}-{st.rank_p95[row]} in 90% of {st.draws:,} weight "
        f"draws (seed {st.seed}); P(top {st.top_k}) {st.p_top_k[row]:.2f}; "
        f"P(same band) {st.p_same_band[row]:.2f}",
        "  how far plausible changes to the weights move it: narrow means a robust place",
        f"  band changes with one weight at +/-{p}: {', '.join(moves) or 'none'}",
    ]
    if st.unstable[row]:
        lines.append(
            f"Flag UNSTABLE: band changes in more than {cfg.stability.unstable_share:.0%} of "
            f"draws: {Flag.UNSTABLE.meaning}"
        )
    return "\n".join(lines)


def opinion_lines(so: SecondOpinion, row: int, ranked: int, cfg: Config) -> str:
    """A ranked row's place in the harm-only and attribute-count views, and DISAGREE."""
    harm = cfg.groups[so.harm_group].label
    lines = [
        f"Second opinion: #{so.harm_rank[row]} by {harm} points alone, "
        f"#{so.attribute_rank[row]} by attribute count ({so.attribute_share[row]:.0%} of "
        "factors >= midpoint)",
    ]
    if so.disagree[row]:
        lines.append(
            f"Flag DISAGREE: over {cfg.stability.disagree_places} places from #{ranked}: "
            f"{Flag.DISAGREE.meaning}"
        )
    return "\n".join(lines)


def _meaning(kind: FactorType, levels: tuple[str, ...], raw: float, principal: str) -> str:
    if kind is FactorType.CRIME_TYPE:
        return f"principal {principal} (+ secondary)"
    if np.isnan(raw):
        return "unknown"
    if kind is FactorType.ORDINAL:
        return levels[int(raw)]
    return ""


def _neighbours(run: Assessment, row: int, cfg: Config) -> str:
    order = run.ranking.order
    pos = int(run.ranking.rank[row]) - 1
    lines = []
    if pos > 0:
        above = int(order[pos - 1])
        lines.append(
            f"Below #{pos} {run.matrix.group_id[above]}: {why_above(run, above, row, cfg)}"
        )
    if pos + 1 < len(order):
        below = int(order[pos + 1])
        lines.append(
            f"Above #{pos + 2} {run.matrix.group_id[below]}: {why_above(run, row, below, cfg)}"
        )
    return "\n".join(lines)


def explain_text(a: Assessment, group_id: str, *, width: int = 100) -> str:
    """The breakdown of one group as plain text ``width`` columns wide."""
    import io

    from rich.console import Console

    out = io.StringIO()
    console = Console(
        file=out, width=width, no_color=True, highlight=False, emoji=False, markup=False
    )
    console.print(explain(a, group_id))
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())


def explain_data(a: Assessment, group_id: str) -> dict[str, Any]:
    """The breakdown of one group as JSON-ready data: the same facts as ``explain``."""
    cfg, s, r = a.config, a.scores, a.ranking
    row, record = group_row(a, group_id)
    weighted = {name: k for k, name in enumerate(s.weighted)}
    factors = {}
    for j, (name, factor) in enumerate(cfg.factors.items()):
        k = weighted.get(name)
        factors[name] = {
            "raw": None
            if np.isnan(a.matrix.raw[row, j])
            else raw_text(a.matrix.raw[row, j], factor.type),
            "known": bool(s.known[row, j]),
            "policy": cfg.policy(name).value,
            "value": round(float(s.normalised[row, j]), 4),
            "weight": round(float(s.weights[k]), 6) if k is not None else None,
            "points": round(float(s.contributions[row, k]), 2) if k is not None else None,
        }
    lo, total, hi = rounded(np.array([s.score_min[row], s.total[row], s.score_max[row]]))
    ranked = int(r.rank[row])
    lifted = r.effective[row] < r.band[row]
    return {
        "meta": a.provenance.meta(),
        "group_id": str(record["group_id"]),
        "codename": str(record["codename"]),
        "status": str(record["status"]),
        "rank": ranked or None,
        "band": r.labels[r.effective[row]],
        "score_band": r.labels[r.band[row]],
        "score": float(total),
        "score_min": float(lo),
        "score_max": float(hi),
        "coverage": round(float(s.coverage[row]), 4),
        "confidence": CONFIDENCE_NAMES[a.matrix.confidence[row]],
        "group_points": {
            g: round(float(s.group_points[row, i]), 2) for i, g in enumerate(s.groups)
        },
        "factors": factors,
        "overrides": [
            {
                "id": rule.id,
                "min_band": rule.min_band,
                "applied": bool(lifted),
            }
            for i, rule in enumerate(cfg.overrides)
            if r.rules[row, i]
        ],
        "flags": [f for f in str(record["flags"]).split(";") if f],
        "movement": str(record["movement"]) if "movement" in record else None,
        "unknowns": group_data(a, row) if ranked else None,
    }


def _points(value: float) -> float:
    return round(float(value), 2)


def explain_json(a: Assessment, group_id: str) -> str:
    """``explain_data`` as indented JSON text."""
    import json

    return json.dumps(explain_data(a, group_id), indent=2, ensure_ascii=False) + "\n"
