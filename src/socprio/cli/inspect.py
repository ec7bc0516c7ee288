"""SHELL: ``socprio explain`` (one group) and ``socprio stability`` (how sure are we?)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.data import ReportFormat
from socprio.cli.steps import terminal_width
from socprio.errors import NoInputError, UsageError


@app.command()
def explain(
    group_id: Annotated[str, typer.Argument(help="The group to explain, e.g. OCG-0042.")],
    input: o.InputArg,
    config: o.ConfigOpt = None,
    as_of: o.AsOfOpt = None,
    include_dormant: o.DormantOpt = False,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
    draws: o.DrawsOpt = None,
    seed: o.SeedOpt = 0,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text for people, json for scripts.")
    ] = ReportFormat.TEXT,
) -> None:
    """Show one group's full breakdown: factors, weights, points, overrides, flags, neighbours."""
    from socprio.pipeline.assess import assess
    from socprio.present.explain import explain_json, explain_text

    loaded = o.load(config)
    try:
        a = assess(
            input,
            loaded,
            as_of=o.parse_as_of(as_of, date.today()),
            include_dormant=include_dormant,
            draws=draws or 0,
            seed=seed,
            progress=o.progress_bar(draws or 0, quiet=format is ReportFormat.JSON),
            encoding=encoding,
            delimiter=o.delimiter(delimiter),
        )
    except NoInputError:
        if Path(group_id).is_file():
            raise UsageError("the group id comes first: socprio explain GROUP_ID INPUT") from None
        raise
    if format is ReportFormat.JSON:
        typer.echo(explain_json(a, group_id), nl=False)
    else:
        typer.echo(explain_text(a, group_id, width=terminal_width()), nl=False)


@app.command("stability")
def stability_command(
    input: o.InputArg,
    config: o.ConfigOpt = None,
    as_of: o.AsOfOpt = None,
    draws: o.DrawsOpt = None,
    seed: o.SeedOpt = 0,
    top: Annotated[
        int | None, typer.Option("--top", "-n", min=1, help="Groups shown in the text table.")
    ] = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text for people, json for scripts.")
    ] = ReportFormat.TEXT,
    include_dormant: o.DormantOpt = False,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
) -> None:
    """How sure are we? Rank intervals under weight draws, +/-p per weight, second opinions."""
    from socprio.pipeline.assess import assess
    from socprio.present.stability import report_json, report_text

    loaded = o.load(config)
    n = draws or loaded.config.stability.draws
    a = assess(
        input,
        loaded,
        as_of=o.parse_as_of(as_of, date.today()),
        include_dormant=include_dormant,
        draws=n,
        seed=seed,
        progress=o.progress_bar(n, quiet=format is ReportFormat.JSON),
        encoding=encoding,
        delimiter=o.delimiter(delimiter),
    )
    if format is ReportFormat.JSON:
        typer.echo(report_json(a), nl=False)
    else:
        typer.echo(report_text(a, top=top, width=terminal_width()), nl=False)
