"""``socprio quality``: data quality by lead force, as a table, CSV, JSON or markdown.

Built from a ``QualityReport``; never prints. Text goes to rich as ``Text``, formula-escaped in
the CSV and escaped in markdown. Shares and effects are rounded only here.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import TYPE_CHECKING, Any

from socprio.core.quality import ALPHA, MIN_EFFECT, MIN_GROUPS
from socprio.present.captions import caption
from socprio.present.escape import escape_cell
from socprio.present.escape import markdown_text as _md

if TYPE_CHECKING:
    from socprio.pipeline.quality import QualityReport

METHOD = (
    "Consistency: each force against all others, factor by factor, within principal crime "
    "types (van Elteren's stratified Wilcoxon rank-sum test, two-sided), Holm-corrected over "
    f"every pair tested (family-wise false-alarm rate {ALPHA:.0%}). Effect: stratified mean "
    "difference in levels (force minus the rest) with a 95% interval. Flagged only when the "
    f"corrected p is below {ALPHA:g} and the effect is at least {MIN_EFFECT:.0%} of the "
    f"factor's range; fewer than {MIN_GROUPS} known values on either side (or off the most "
    "common value) is 'not enough groups'. Assumes independent groups and that forces would "
    "score a crime type alike; unknowns are left out (their share is shown)."
)
PROFILE_COLUMNS = ("records", "ranked", "rejected", "stale", "no_lro", "low_confidence_share")


def _num(value: float, digits: int) -> float | None:
    """A rounded number, or None for NaN (no groups, or not tested)."""
    return None if math.isnan(value) else round(float(value), digits)


def force_rows(q: QualityReport) -> list[dict[str, Any]]:
    """One dict per lead force: the profile, unknown shares by factor."""
    p = q.profile
    return [
        {
            "force": force,
            "records": int(p.records[k]),
            "ranked": int(p.ranked[k]),
            "rejected": int(p.rejected[k]),
            "stale": int(p.stale[k]),
            "no_lro": int(p.no_lro[k]),
            "low_confidence_share": _num(p.low_confidence[k], 3),
            "unknown_share": {
                name: _num(p.unknown_share[k, j], 3) for j, name in enumerate(p.factors)
            },
        }
        for k, force in enumerate(p.forces)
    ]


def consistency_rows(q: QualityReport) -> list[dict[str, Any]]:
    """One dict per (force, factor) pair, force-major."""
    c, p = q.consistency, q.profile
    return [
        {
            "force": p.forces[c.force[i]],
            "factor": p.factors[c.factor[i]],
            "n_force": int(c.n_force[i]),
            "n_rest": int(c.n_rest[i]),
            "strata": int(c.strata[i]),
            "effect": _num(c.effect[i], 3),
            "ci_low": _num(c.low[i], 3),
            "ci_high": _num(c.high[i], 3),
            "z": _num(c.z[i], 3),
            "p": _num(c.p[i], 6),
            "p_holm": _num(c.p_holm[i], 6),
            "enough_groups": bool(c.enough[i]),
            "flagged": bool(c.flagged[i]),
        }
        for i in range(len(c.force))
    ]


def quality_data(q: QualityReport) -> dict[str, Any]:
    """The report as JSON-ready data."""
    method = {"text": METHOD, "alpha": ALPHA, "min_groups": MIN_GROUPS, "min_effect": MIN_EFFECT}
    return {
        "meta": q.provenance.meta() | {"method": method},
        "forces": force_rows(q),
        "rejected_unreadable_force": q.rejected_unreadable,
        "consistency": consistency_rows(q),
    }


def quality_json(q: QualityReport) -> str:
    """``quality_data`` as indented JSON text."""
    return json.dumps(quality_data(q), indent=2, ensure_ascii=False) + "\n"


def quality_csv(q: QualityReport) -> str:
    """One row per (force, factor): the force's profile, the factor's unknown share and the
    consistency result; marking on every row; text formula-escaped."""
    forces = {row["force"]: row for row in force_rows(q)}
    header = ["force", "factor", *PROFILE_COLUMNS, "unknown_share"]
    tests = consistency_rows(q)
    header += [k for k in tests[0] if k not in ("force", "factor")] if tests else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in [*header, "marking"]])
    marking = escape_cell(q.provenance.config.config.marking)
    for test in tests:
        row = forces[test["force"]]
        values = [row[c] for c in PROFILE_COLUMNS]
        values.append(row["unknown_share"][test["factor"]])
        values += [test[k] for k in header[len(PROFILE_COLUMNS) + 3 :]]
        cells = [escape_cell(test["force"]), escape_cell(test["factor"])]
        cells += [
            "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in values
        ]
        writer.writerow([*cells, marking])
    return out.getvalue()


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _effect(test: dict[str, Any]) -> str:
    if not test["enough_groups"]:
        return "n/a"
    return f"{test['effect']:+.2f}" + ("*" if test["flagged"] else "")


def tables(q: QualityReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's tables as (title, header, rows) of plain text, for every human format."""
    forces = force_rows(q)
    names = [f["force"] for f in forces]
    profile = [
        [
            f["force"],
            str(f["records"]),
            str(f["ranked"]),
            str(f["rejected"]),
            str(f["stale"]),
            str(f["no_lro"]),
            _share(f["low_confidence_share"]),
        ]
        for f in forces
    ]
    unknown = [
        [factor] + [_share(f["unknown_share"][factor]) for f in forces]
        for factor in q.profile.factors
    ]
    tests = consistency_rows(q)
    by = {(t["force"], t["factor"]): t for t in tests}
    effects = [[factor] + [_effect(by[(n, factor)]) for n in names] for factor in q.profile.factors]
    flagged = [
        [
            t["force"],
            t["factor"],
            f"{t['effect']:+.2f}",
            f"{t['ci_low']:+.2f} to {t['ci_high']:+.2f}",
            f"{t['p_holm']:.2g}",
            f"{t['n_force']} vs {t['n_rest']}",
        ]
        for t in tests
        if t["flagged"]
    ]
    return [
        (
            "Records by lead force (ranked groups: stale reviews, Band 1-2 without a lead "
            "officer, low confidence)",
            ["Force", "Records", "Ranked", "Rejected", "Stale", "No LRO", "Low conf."],
            profile,
        ),
        ("Unknown share by factor (ranked groups)", ["Factor", *names], unknown),
        (
            "Consistency: effect in levels vs the other forces within crime types "
            "(* flagged; n/a not enough groups)",
            ["Factor", *names],
            effects,
        ),
        (
            "Flagged: strong evidence of scoring unlike the other forces",
            ["Force", "Factor", "Effect", "95% interval", "Holm p", "Groups"],
            flagged,
        ),
    ]


def closing(q: QualityReport) -> list[str]:
    """The lines under every human format: rejects, flags, method, provenance."""
    c = q.consistency
    return [
        f"Rejected records: {int(q.profile.rejected.sum()) + q.rejected_unreadable} "
        f"({q.rejected_unreadable} with no readable lead force); they are counted, not shown.",
        f"Consistency: {int(c.flagged.sum())} flagged of {int(c.enough.sum())} (force, factor) "
        f"pairs tested; {int((~c.enough).sum())} had not enough groups.",
        METHOD,
        caption(q.provenance),
    ]


def quality_markdown(q: QualityReport) -> str:
    """The report as GitHub-flavoured markdown."""
    lines = [f"**{_md(q.provenance.config.config.marking)}**", ""]
    for title, header, rows in tables(q):
        lines += [f"### {_md(title)}", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        lines.append("| " + " | ".join(_md(h) for h in header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in rows]
        lines.append("")
    lines += [f"_{_md(line)}_\n" for line in closing(q)]
    return "\n".join(lines)


def quality_table(q: QualityReport, *, width: int = 100, terminal: bool = False) -> str:
    """The report as rich tables ``width`` columns wide."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

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
    console.print(Text(q.provenance.config.config.marking, style="bold"))
    for title, header, rows in tables(q):
        table = Table(box=box.SIMPLE_HEAD if terminal else None, pad_edge=False)
        for k, name in enumerate(header):
            table.add_column(name, justify="left" if k == 0 else "right", no_wrap=k == 0)
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        console.print(Text(f"\n{title}" + ("" if rows else ": none"), style="bold"))
        if rows:
            console.print(table)
    for line in closing(q):
        console.print(Text(line, style="dim"))
    return out.getvalue()
