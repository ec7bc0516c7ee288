"""SHELL: ``socprio diff``: compare any two rankings (csv, json or archived runs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.data import ReportFormat


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Earlier ranking: csv, json or an archive run dir.")],
    new: Annotated[Path, typer.Argument(help="Later ranking: csv, json or an archive run dir.")],
    movers: Annotated[int, typer.Option("--movers", min=1, help="Biggest movers listed.")] = 10,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.TEXT,
    config: o.ConfigOpt = None,
) -> None:
    """Compare two rankings: new, dropped, band changes, biggest movers and their drivers."""
    from socprio.history.archive import load_ranking
    from socprio.history.diff import diff as diff_rankings
    from socprio.present.changes import diff_to_json, render_diff_text

    cfg = o.load(config).config  # the marking, and how many places within a band are SAME
    earlier = load_ranking(old)
    later = earlier if new == old else load_ranking(new)  # the same file reads the same
    result = diff_rankings(earlier, later, movers=movers, same_within=cfg.movement.same_within)
    if format is ReportFormat.JSON:
        typer.echo(json.dumps(diff_to_json(result), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_diff_text(result, marking=cfg.marking))
