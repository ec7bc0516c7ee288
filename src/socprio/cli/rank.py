"""SHELL: ``socprio rank``: assess the input, archive the run, then print or write one format."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.steps import (
    choose_format,
    compared_with,
    declare_output,
    deliver,
    finish_run,
    run_assessment,
)
from socprio.present.formats import OutputFormat

if TYPE_CHECKING:
    from socprio.config.models import LoadedConfig
    from socprio.history.archive import ArchiveWeek
    from socprio.pipeline.result import Assessment
    from socprio.write.plan import OutputPlan

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
    from socprio.write.plan import OutputPlan

    loaded = o.load(config)
    day = o.parse_as_of(as_of, date.today())
    fmt = choose_format(format, output)
    o.check_filters(loaded, force, crime, strand)
    plan = OutputPlan()
    target = declare_output(plan, fmt, output, loaded)
    week = _week(plan, archive, day, replace=replace, mode=loaded.config.output.mode)
    with plan.locked():
        source, kept = (input, b"") if week is None else _kept_input(input)
        previous = compared_with(previous, archive, day)  # recorded for replay
        settings: dict[str, Any] = {
            "include_dormant": include_dormant,
            "draws": draws or 0,
            "seed": seed,
            "encoding": encoding,
            "exclude_invalid": exclude_invalid,
        }
        a = run_assessment(
            source, loaded, day=day, previous=previous, archive=archive, delimiter=delimiter,
            quiet=quiet, **settings,
        )  # fmt: skip
        if week is not None:
            _archive(week, a, kept, loaded, previous, settings | {"delimiter": delimiter})
        view = a.select(force=force, crime=crime, strand=strand, top=top)
        if target is not None:
            deliver(plan, fmt, view, target, quiet=quiet)
        plan.commit()
    if target is None:
        deliver(plan, fmt, view, None, quiet=quiet, every_row=show_all or top is not None)
    finish_run(a, quiet=quiet, include_dormant=include_dormant)


def _week(
    plan: OutputPlan, archive: Path | None, day: date, *, replace: bool, mode: int
) -> ArchiveWeek | None:
    """The archive week this run is stored in, declared on ``plan`` (None without --archive:
    the history modules, and pandas with them, are then not imported)."""
    if archive is None:
        return None
    from socprio.history.archive import ArchiveWeek

    return plan.add(ArchiveWeek(archive, day, replace=replace, mode=mode))


def _archive(
    week: ArchiveWeek,
    a: Assessment,
    kept: bytes,
    loaded: LoadedConfig,
    previous: Path | None,
    settings: dict[str, Any],
) -> None:
    """Stage the run in its archive week, with the exact input and config bytes it ranked and
    the options that ``socprio replay`` needs to rank them again."""
    from socprio.history.archive import archive_ranking
    from socprio.history.manifest import CONFIG_NAME, INPUT_NAME
    from socprio.history.replay import replay_options

    settings = settings | {"delimiter": o.delimiter(settings["delimiter"])}
    source = a.movement.source if a.movement is not None else None
    options = replay_options(week.archive_dir, previous, previous_source=source, **settings)
    sources = {INPUT_NAME: kept, CONFIG_NAME: loaded.raw}
    archive_ranking(week, a, argv=sys.argv, sources=sources, replay=options)


def _kept_input(input: str) -> tuple[BinaryIO, bytes]:
    """The input's exact bytes (kept in the archive week), as a stream named as the input."""
    import io

    from socprio.read.input import source_bytes

    data, name = source_bytes(input)
    stream = io.BytesIO(data)
    stream.name = name
    return stream, data
