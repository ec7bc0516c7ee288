"""SHELL: ``socprio rank``: assess the input, archive the run, then print or write one format."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.steps import (
    choose_format,
    declare_output,
    deliver,
    finish_run,
    run_assessment,
)
from socprio.present.formats import OutputFormat

ArchiveOpt = Annotated[
    Path | None,
    typer.Option(
        "--archive",
        help="Weekly archive directory: store this run under DIR/<as-of>/ with a manifest, "
        "and compare with the previous run there.",
    ),
]
TopOpt = Annotated[
    int | None,
    typer.Option("--top", "-n", min=1, help="Show the first N (and every act-now group)."),
]
ForceOpt = Annotated[str | None, typer.Option("--force", help="Only this lead force.")]
CrimeOpt = Annotated[
    str | None, typer.Option("--crime", help="Only groups with this principal or secondary crime.")
]
StrandOpt = Annotated[
    str | None, typer.Option("--strand", help="Only groups with this 4P opportunity.")
]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format", "-f", help="Output format. Default: from the --output suffix, else table."
    ),
]
ReplaceOpt = Annotated[
    bool, typer.Option("--replace", help="Rerun a week already in --archive, replacing it.")
]
AllOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Table: list every group (streamed), not the first screenful or two a terminal "
        "gets by default. Act-now groups are always listed first.",
    ),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here (atomically); - for stdout.")
]


@app.command()
def rank(
    input: o.InputArg,
    config: o.ConfigOpt = None,
    as_of: o.AsOfOpt = None,
    top: TopOpt = None,
    force: ForceOpt = None,
    crime: CrimeOpt = None,
    strand: StrandOpt = None,
    include_dormant: o.DormantOpt = False,
    format: FormatOpt = None,
    output: OutputOpt = None,
    archive: ArchiveOpt = None,
    previous: o.PreviousOpt = None,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
    draws: o.DrawsOpt = None,
    seed: o.SeedOpt = 0,
    quiet: o.QuietOpt = False,
    exclude_invalid: o.ExcludeOpt = False,
    replace: ReplaceOpt = False,
    show_all: AllOpt = False,
) -> None:
    """Score, band and rank the active groups for tasking (act-now groups first).

    Every output is locked before the input is read; a run that fails writes nothing."""
    from socprio.history.archive import ArchiveWeek, archive_ranking
    from socprio.write.plan import OutputPlan

    loaded = o.load(config)
    day = o.parse_as_of(as_of, date.today())
    fmt = choose_format(format, output)
    o.check_filters(loaded, force, crime, strand)
    plan = OutputPlan()
    target = declare_output(plan, fmt, output, loaded)
    mode = loaded.config.output.mode
    week = plan.add(ArchiveWeek(archive, day, replace=replace, mode=mode)) if archive else None
    with plan.locked():
        a = run_assessment(
            input,
            loaded,
            day=day,
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
        if week is not None:
            archive_ranking(week, a, argv=sys.argv)
        view = a.select(force=force, crime=crime, strand=strand, top=top)
        if target is not None:
            deliver(plan, fmt, view, target, quiet=quiet)
        plan.commit()
    if target is None:
        deliver(plan, fmt, view, None, quiet=quiet, every_row=show_all or top is not None)
    finish_run(a, quiet=quiet, include_dormant=include_dormant)
