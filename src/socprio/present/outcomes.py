"""``socprio outcomes``: did disruption work? As a table, CSV, JSON and markdown.

Built from an ``OutcomeReport``; never prints. Ledger text (notes, assessed_by, evidence
references) is data: formula-escaped in the CSV, escaped in markdown, visible in the table.
Same archive and ledger, same bytes: nothing here reads the clock.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from socprio.core.outcomes import SUMMARY_BY
from socprio.history.outcomes import OutcomeReport
from socprio.history.outcometable import LEDGER_KEPT
from socprio.present.escape import escape_cell, visible
from socprio.present.escape import markdown_text as _md

TEXT = ("lead_force", *LEDGER_KEPT)  # the text columns of a row: escaped for each output
TITLES = {
    "lead_force": "force",
    "strand": "4P strand",
    "tactic": "tactic",
    "claimed_grade": "claimed grade",
    "quarter": "quarter",
}


def columns(report: OutcomeReport) -> list[str]:
    """The per-disruption columns, in output order."""
    hs = [
        f"h{h}_{c}"
        for h in report.outcomes.horizons
        for c in ("run", "harm", "harm_change", "score", "score_change", "band")
    ]
    return [
        "group_id",
        "date",
        "lead_force",
        "tactic",
        "strand",
        "claimed_grade",
        "verification",
        "flags",
        "pre_run",
        "pre_harm",
        "pre_score",
        "pre_band",
        *hs,
        "assessed_by",
        "evidence_ref",
        "notes",
    ]


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 2)
    if hasattr(value, "item"):
        return _cell(value.item())
    return value


def shown_rows(report: OutcomeReport) -> pd.DataFrame:
    """The per-disruption columns with numbers rounded to 0.01, bands as integers, and
    missing values (no run at that horizon) as None: one array operation per column."""
    rows = report.outcomes.rows[columns(report)].copy()
    for col in rows.columns:
        if col.endswith("band_number"):
            rows[col] = rows[col].astype("Int64")
        elif rows[col].dtype.kind == "f":
            rows[col] = rows[col].round(2)
    return rows.astype(object).where(rows.notna(), None)


def outcomes_csv(report: OutcomeReport) -> str:
    """One line per disruption; text cells formula-escaped; empty where no run exists."""
    rows = shown_rows(report)
    for col in (*TEXT, *(c for c in rows.columns if c.endswith(("_band", "_run", "flags")))):
        rows[col] = rows[col].astype(str).map(escape_cell)
    return str(rows.to_csv(index=False, lineterminator="\r\n", na_rep=""))


def outcomes_doc(report: OutcomeReport) -> dict[str, Any]:
    """The whole report as plain JSON data."""
    o = report.outcomes
    rows = shown_rows(report).to_dict(orient="records")
    return {
        "meta": report.provenance(),
        "definitions": {
            "grades": dict(report.config.config.ledger.grades),
            "grades_note": "local definitions, not a national standard",
            "horizons_weeks": list(o.horizons),
        },
        "totals": totals(report),
        "summaries": {by: _records(o.summaries[by]) for by in SUMMARY_BY},
        "band1_by_week": _records(o.weeks),
        "disruptions": rows,
        "warnings": [i.to_dict() for i in report.warnings],
    }


def totals(report: OutcomeReport) -> dict[str, Any]:
    """Counts of disruptions and flags, and the harm removed."""
    rows = report.outcomes.rows
    return {
        "disruptions": len(rows),
        "unsupported": int(rows["unsupported"].sum()),
        "regrowth": int(rows["regrowth"].sum()),
        "unverified": int(rows["unverified"].sum()),
        "harm_removed": report.outcomes.harm_removed,
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _cell(v) for k, v in r.items()} for r in frame.to_dict("records")]


def outcomes_json(report: OutcomeReport) -> str:
    """``outcomes_doc`` as JSON text (sorted keys are not used: the order is the schema's)."""
    return json.dumps(outcomes_doc(report), indent=2, ensure_ascii=False) + "\n"


def outcomes_markdown(report: OutcomeReport) -> str:
    """Totals, the summaries and the flagged disruptions as markdown tables."""
    t = totals(report)
    lines = [
        "# Did disruption work?",
        "",
        f"As of {report.as_of}: {t['disruptions']} disruptions over "
        f"{len(report.panel.runs)} archived runs; {t['unsupported']} UNSUPPORTED, "
        f"{t['regrowth']} REGROWTH, {t['unverified']} UNVERIFIED; harm removed "
        f"{t['harm_removed']:.2f} points (first horizon).",
        "",
    ]
    for by in SUMMARY_BY:
        lines += [f"## By {TITLES[by]}", "", *_md_table(report.outcomes.summaries[by]), ""]
    lines += ["## Band 1 by week", "", *_md_table(report.outcomes.weeks), ""]
    flagged = report.outcomes.rows[report.outcomes.rows["flags"] != ""]
    keep = ["group_id", "date", "claimed_grade", "verification", "flags", "first_harm_change"]
    lines += ["## Flagged disruptions", "", *_md_table(flagged[keep]), ""]
    lines += _provenance_lines(report, _md)
    return "\n".join(lines) + "\n"


def _md_table(frame: pd.DataFrame) -> list[str]:
    head = "| " + " | ".join(_md(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = [
        "| " + " | ".join("" if (c := _cell(v)) is None else _md(c) for v in r) + " |"
        for r in frame.itertuples(index=False, name=None)
    ]
    return [head, rule, *body]


def _provenance_lines(report: OutcomeReport, esc: Any) -> list[str]:
    p = report.provenance()
    lines = [
        f"Ledger {esc(report.ledger_source)} sha256 {report.ledger_sha256}; "
        f"config sha256 {report.config.sha256}; archive runs (manifest sha256):"
    ]
    lines += [f"- {r['as_of']} {r['manifest_sha256']}" for r in p["archive_runs"]]  # type: ignore[attr-defined]
    return lines


def outcomes_table(report: OutcomeReport, *, width: int = 100) -> str:
    """Plain text for the terminal: totals, the grade and force summaries, the flagged
    disruptions (the other summaries are in json and markdown)."""
    t = totals(report)
    out = [
        f"Did disruption work? as of {report.as_of}: {t['disruptions']} disruptions, "
        f"{len(report.panel.runs)} runs; UNSUPPORTED {t['unsupported']}, REGROWTH "
        f"{t['regrowth']}, UNVERIFIED {t['unverified']}; harm removed {t['harm_removed']:.2f}",
        "",
    ]
    for key, name in (("claimed_grade", "grade"), ("lead_force", "force")):
        summary = report.outcomes.summaries[key].rename(columns={"value": name})
        out += [_text_table(summary, width), ""]
    rows = report.outcomes.rows
    flagged = rows[rows["flags"] != ""][
        [  # the flags right after the group: a narrow terminal cuts the other columns
            "group_id",
            "flags",
            "date",
            "lead_force",
            "claimed_grade",
            "verification",
            "first_harm_change",
        ]
    ]
    out += [f"Flagged ({len(flagged)}):", _text_table(flagged, width), ""]
    out += [visible(line) for line in _provenance_lines(report, str)]
    return "\n".join(out) + "\n"


def _text_table(frame: pd.DataFrame, width: int) -> str:
    cells = [[str(c) for c in frame.columns]] + [
        ["-" if (c := _cell(v)) is None else visible(str(c)) for v in r]
        for r in frame.itertuples(index=False, name=None)
    ]
    sizes = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return "\n".join(
        "  ".join(c.ljust(s) for c, s in zip(row, sizes, strict=True)).rstrip()[:width]
        for row in cells
    )
