"""SHELL: ``socprio report``: the one-page tasking pack as a self-contained HTML file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.steps import finish_run, run_assessment
from socprio.errors import UsageError
from socprio.present.formats import OutputFormat


@app.command()
def report(
    input: o.InputArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    config: o.ConfigOpt = None,
    as_of: o.AsOfOpt = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="Groups in the chart.")] = 20,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive", help="Read the weekly archive for movement (nothing is written to it)."
        ),
    ] = None,
    disruptions: Annotated[
        Path | None,
        typer.Option("--disruptions", help="With --archive: add the Outcomes section."),
    ] = None,
    previous: o.PreviousOpt = None,
    draws: o.DrawsOpt = None,
    seed: o.SeedOpt = 0,
    include_dormant: o.DormantOpt = False,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
    quiet: o.QuietOpt = False,
    exclude_invalid: o.ExcludeOpt = False,
) -> None:
    """Write the one-page tasking pack: a self-contained HTML file that prints on A4."""
    from socprio.present.export import ExportOptions, export
    from socprio.write.plan import OutputPlan

    loaded = o.load(config)
    plan = OutputPlan()
    target = plan.file(output, mode=loaded.config.output.mode)
    with plan.locked():  # the pack's folder is checked and locked before the input is read
        a = run_assessment(
            input,
            loaded,
            day=o.parse_as_of(as_of, date.today()),
            previous=previous,
            archive=archive,
            draws=draws or 0,
            seed=seed,
            include_dormant=include_dormant,
            encoding=encoding,
            delimiter=delimiter,
            quiet=quiet,
            exclude_invalid=exclude_invalid,
        )
        found = None
        if disruptions is not None:
            from socprio.history.outcomes import load_outcomes

            if archive is None:
                raise UsageError("--disruptions needs --archive (the runs it is joined to)")
            found = load_outcomes(archive, disruptions, loaded)
        opts = ExportOptions(chart_top=top, outcomes=found)
        plan.stage(target, export(OutputFormat.HTML, a, opts))
        plan.commit()
    finish_run(a, quiet=quiet, include_dormant=include_dormant)
