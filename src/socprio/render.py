"""Turn the ranking table into csv, json, markdown or a rich table. Returns; never prints.

Numbers are rounded here and only here. Text cells and headers in CSV are formula-escaped;
numeric cells stay numeric.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Any, assert_never

import numpy as np
import pandas as pd
from rich import box
from rich.console import Group as RichGroup
from rich.table import Table
from rich.text import Text

from socprio.formulasafe import escape_cell
from socprio.results import Provenance, rounded_frame

if TYPE_CHECKING:
    from socprio.config import Config
    from socprio.history import Movement


class OutputFormat(StrEnum):
    """Every output format of ``socprio rank``."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"


BAND_STYLE = {"1": "bold red", "2": "yellow", "3": "green"}
CONFIDENCE_SHORT = {"high": "H", "medium": "M", "low": "L"}
LIST_COLUMNS = ("flags", "overrides", "secondary_crimes", "opportunity_4p")


def caption(prov: Provenance) -> str:
    """The provenance line printed under every human-facing output."""
    cfg = prov.config
    return (
        f"{cfg.config.marking} | config {cfg.path} v{cfg.config.version} "
        f"sha256 {cfg.short_sha} | as of {prov.as_of.isoformat()} | socprio {prov.tool_version}"
    )


def to_csv(frame: pd.DataFrame, prov: Provenance) -> str:
    """Flat CSV (CRLF), one contribution column per factor, marking on every row."""
    out = rounded_frame(frame)
    out["marking"] = prov.config.config.marking
    for col in out.columns:
        if out[col].dtype.kind == "O":  # object or pandas' str dtype: text, not numbers
            codes, distinct = pd.factorize(out[col], use_na_sentinel=False)
            escaped = np.array([escape_cell(str(v)) for v in distinct], dtype=object)
            out[col] = escaped[codes]
    out.columns = [escape_cell(str(c)) for c in out.columns]
    text: str = out.to_csv(index=False, lineterminator="\r\n")
    return text


def to_json(
    frame: pd.DataFrame,
    prov: Provenance,
    summary: dict[str, Any],
    cfg: Config,
    *,
    movement: Movement | None = None,
) -> str:
    """Nested JSON: a ``meta`` block, then one object per group with its full breakdown
    (and, with ``movement``, its change since the previous run)."""
    out = rounded_frame(frame)
    weights = cfg.effective_weights
    groups = []
    for row in out.to_dict(orient="records"):
        item: dict[str, Any] = {
            key: row[key]
            for key in (
                "rank",
                "group_id",
                "codename",
                "band",
                "score_band",
                "score",
                "score_min",
                "score_max",
                "coverage",
                "confidence",
                "grading",
                "lead_force",
                "status",
                "principal_crime",
                "last_intel_review",
            )
        }
        for key in LIST_COLUMNS:
            item[key] = [v for v in str(row[key]).split(";") if v]
        item["lro_assigned"] = row["lro_assigned"] == "yes"
        item["last_disruption_date"] = str(row["last_disruption_date"]) or None
        item["group_points"] = {g: row[f"{g}_points"] for g in cfg.groups}
        item["factors"] = {
            name: {
                "raw": row[f"{name}_raw"],
                "value": row[f"{name}_value"],
                "policy": cfg.policy(name).value,
                "weight": round(weights[name], 6) if name in weights else None,
                "points": row.get(f"{name}_points"),
            }
            for name in cfg.factors
        }
        groups.append(item)
    meta = prov.meta() | {"summary": summary}
    if movement is not None:
        from socprio.history import movement_records, movement_to_json

        moves = movement_records(movement)
        for item in groups:
            item["movement"] = moves.get(item["group_id"])
        meta["movement"] = movement_to_json(movement)
    return json.dumps({"meta": meta, "groups": groups}, indent=2, ensure_ascii=False) + "\n"


def _md(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(frame: pd.DataFrame, prov: Provenance, summary: dict[str, Any]) -> str:
    """A GitHub-flavoured markdown table with the summary and provenance."""
    out = rounded_frame(frame)
    cols = ["rank", "band", "score", "group_id", "codename", "lead_force", "principal_crime"]
    cols += ["confidence", "flags"]
    lines = [f"**{prov.config.config.marking}**", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join("---:" if c in ("rank", "score") else "---" for c in cols) + "|")
    for row in out[cols].itertuples(index=False):
        lines.append("| " + " | ".join(_md(v) for v in row) + " |")
    lines.append("")
    for name, counts in summary.items():
        lines.append(f"- **{name}**: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    lines += ["", f"_{caption(prov)}_", ""]
    return "\n".join(lines)


def rank_table(
    frame: pd.DataFrame, prov: Provenance, summary: dict[str, Any], *, boxes: bool = True
) -> RichGroup:
    """The analyst's table: fits 100 columns, bands coloured, summary and caption below."""
    out = rounded_frame(frame)
    table = Table(
        box=box.SIMPLE_HEAD if boxes else None,
        title=prov.config.config.marking,
        caption=caption(prov),
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Band", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Min-Max", justify="right", no_wrap=True)
    table.add_column("Group", no_wrap=True)
    table.add_column("Codename", max_width=18, overflow="ellipsis", no_wrap=True)
    table.add_column("Force", no_wrap=True)
    table.add_column("Crime", max_width=14, overflow="ellipsis", no_wrap=True)
    table.add_column("C", no_wrap=True)
    table.add_column("Flags", overflow="fold")
    for row in out.itertuples(index=False):
        band = str(row.band)
        lifted = "^" if band != str(row.score_band) else ""
        table.add_row(
            str(row.rank),
            Text(band + lifted, style=BAND_STYLE.get(band[:1], "")),
            f"{row.score:.1f}",
            f"{row.score_min:.0f}-{row.score_max:.0f}",
            str(row.group_id),
            str(row.codename),
            str(row.lead_force),
            str(row.principal_crime),
            CONFIDENCE_SHORT.get(str(row.confidence), "?"),
            str(row.flags).replace(";", " "),
        )
    lines = [
        Text(f"{name}: " + "  ".join(f"{k} {v}" for k, v in counts.items()))
        for name, counts in summary.items()
    ]
    legend = Text(
        "Band^ = lifted by an override rule; C = confidence (High/Medium/Low)", style="dim"
    )
    return RichGroup(table, *lines, legend)


def render_text(
    fmt: OutputFormat, frame: pd.DataFrame, prov: Provenance, summary: dict[str, Any], cfg: Config
) -> str:
    """The text of a file format (every format but the rich table)."""
    if fmt is OutputFormat.CSV:
        return to_csv(frame, prov)
    if fmt is OutputFormat.JSON:
        return to_json(frame, prov, summary, cfg)
    if fmt is OutputFormat.MARKDOWN:
        return to_markdown(frame, prov, summary)
    if fmt is OutputFormat.TABLE:
        raise ValueError("the table format is rendered by rank_table")
    assert_never(fmt)
