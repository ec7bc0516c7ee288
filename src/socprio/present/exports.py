"""Turn the ranking table into csv, json or markdown text. Returns; never prints.

Numbers are rounded here and only here. Text cells and headers in CSV are formula-escaped;
numeric cells stay numeric.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, assert_never

import numpy as np
import numpy.typing as npt
import pandas as pd

from socprio.pipeline.frame import (
    OPINION_COLUMNS,
    STABILITY_COLUMNS,
    Provenance,
    round_column,
    rounded_frame,
)
from socprio.present.escape import escape_cell
from socprio.present.formats import OutputFormat

if TYPE_CHECKING:
    from socprio.config.models import Config
    from socprio.history.movement import Movement


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
    return "".join(csv_chunks(frame, prov))


def csv_chunks(frame: pd.DataFrame, prov: Provenance) -> Iterator[str]:
    """The CSV of ``to_csv`` as text chunks, so a large ranking streams to its file.

    Each column is rounded and formatted once per distinct value (numbers stay numbers; every
    text cell and header is formula-escaped), then rows go through the C csv writer.
    """
    columns = [_csv_column(str(col), frame[col]) for col in frame.columns]
    marking = escape_cell(prov.config.config.marking)
    columns.append((np.zeros(len(frame), dtype=np.int32), np.array([marking], dtype=object)))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(str(c)) for c in [*frame.columns, "marking"]])
    for start in range(0, len(frame), CSV_CHUNK_ROWS):
        stop = start + CSV_CHUNK_ROWS
        cells = (shown[codes[start:stop]].tolist() for codes, shown in columns)
        writer.writerows(zip(*cells, strict=True))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


CSV_CHUNK_ROWS = 20_000


def _csv_column(
    name: str, series: pd.Series
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.object_]]:
    """One column as (codes, distinct cell texts): numbers rounded as printed and written as
    their shortest repr, text formula-escaped. Each distinct value is formatted once."""
    values = series.to_numpy()
    numeric = values.dtype.kind in "fiub"
    codes, distinct = pd.factorize(
        round_column(name, values) if numeric else series, use_na_sentinel=False
    )
    if numeric:
        shown = ["" if v != v else str(v) for v in distinct.tolist()]  # NaN -> blank
    else:
        shown = [escape_cell(str(v)) for v in distinct]
    return codes.astype(np.int32), np.array(shown, dtype=object)


def to_json(
    frame: pd.DataFrame,
    prov: Provenance,
    summary: dict[str, Any],
    cfg: Config,
    *,
    movement: Movement | None = None,
) -> str:
    """Nested JSON: a ``meta`` block, then one object per group with its full breakdown
    (and, with ``movement``, its change since the previous run). The second-opinion and
    stability columns, when the frame has them, are per-group keys of the same names;
    ``meta.stability`` comes from the provenance."""
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
                "notes",
            )
        }
        item |= {key: row[key] for key in (*STABILITY_COLUMNS, *OPINION_COLUMNS) if key in row}
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
        from socprio.history.movement import movement_records, movement_to_json

        moves = movement_records(movement)
        for item in groups:
            item["movement"] = moves.get(item["group_id"])
        meta["movement"] = movement_to_json(movement)
    return json.dumps({"meta": meta, "groups": groups}, indent=2, ensure_ascii=False) + "\n"


INTERVAL = "p5-p95"


def rank_interval(frame: pd.DataFrame) -> pd.Series:
    """Each group's 5th-95th percentile rank over the weight draws, as "3-9"."""
    return frame["rank_p5"].astype(str) + "-" + frame["rank_p95"].astype(str)


def interval_note(prov: Provenance) -> str:
    """What the rank interval means, with the draws and seed that produced it."""
    meta = prov.stability or {}
    return (
        f"{INTERVAL} = rank in 90% of {meta.get('draws', '?')} weight draws "
        f"(seed {meta.get('seed', '?')}); UNSTABLE: band often changes; "
        "DISAGREE: simpler views differ"
    )


def _md(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(frame: pd.DataFrame, prov: Provenance, summary: dict[str, Any]) -> str:
    """A GitHub-flavoured markdown table with the summary and provenance."""
    out = rounded_frame(frame)
    cols = ["rank", "band", "score", "group_id", "codename", "lead_force", "principal_crime"]
    cols += ["confidence", "flags"]
    if "rank_p5" in out:
        out[INTERVAL] = rank_interval(out)
        cols.insert(3, INTERVAL)
    lines = [f"**{prov.config.config.marking}**", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join("---:" if c in ("rank", "score") else "---" for c in cols) + "|")
    for row in out[cols].itertuples(index=False):
        lines.append("| " + " | ".join(_md(v) for v in row) + " |")
    lines.append("")
    for name, counts in summary.items():
        lines.append(f"- **{name}**: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if "rank_p5" in out:
        lines += ["", f"_{interval_note(prov)}_"]
    lines += ["", f"_{caption(prov)}_", ""]
    return "\n".join(lines)


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
    if fmt is OutputFormat.TABLE or fmt is OutputFormat.XLSX:
        raise ValueError(
            f"{fmt.value} is not text: see socprio.present.table and socprio.present.xlsx"
        )
    assert_never(fmt)


def render_chunks(
    fmt: OutputFormat, frame: pd.DataFrame, prov: Provenance, summary: dict[str, Any], cfg: Config
) -> Iterator[str]:
    """``render_text`` as chunks: CSV streams (a large ranking never sits in memory twice)."""
    if fmt is OutputFormat.CSV:
        yield from csv_chunks(frame, prov)
    else:
        yield render_text(fmt, frame, prov, summary, cfg)
