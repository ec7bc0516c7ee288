"""SHELL: ``socprio gaps``: the collection plan (which unknowns would change a decision), and
the output steps it shares with ``socprio quality``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.errors import UsageError

if TYPE_CHECKING:
    from socprio.config.models import LoadedConfig
    from socprio.present.gaps import GapsView
    from socprio.write.plan import FileOutput, OutputPlan


class PlanFormat(StrEnum):
    """Output of ``gaps`` and ``quality``."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"


SUFFIXES = {".csv": PlanFormat.CSV, ".json": PlanFormat.JSON, ".md": PlanFormat.MARKDOWN}
FormatOpt = Annotated[
    PlanFormat | None,
    typer.Option("--format", "-f", help="Output format. Default: from the --output suffix."),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here (atomically); - for stdout.")
]
ForceOpt = Annotated[str | None, typer.Option("--force", help="Only groups of this lead force.")]
Render = Callable[[PlanFormat, int, bool], "str | Iterable[str]"]


def plan_format(fmt: PlanFormat | None, output: Path | None) -> PlanFormat:
    """The format asked for, else the one the output's suffix names, else the table."""
    implied = SUFFIXES.get(output.suffix.lower()) if output is not None else None
    if fmt is not None and implied is not None and implied is not fmt:
        raise UsageError(f"--format {fmt.value} does not fit an output named *{output.suffix}")  # type: ignore[union-attr]
    chosen = fmt or implied or PlanFormat.TABLE
    if chosen is PlanFormat.TABLE and output is not None and str(output) != "-":
        raise UsageError("the table format is for the terminal; use -f csv, json or markdown")
    return chosen


def declare(plan: OutputPlan, output: Path | None, loaded: LoadedConfig) -> FileOutput | None:
    """Declare ``--output`` on the plan (None for stdout), before any input is read."""
    if output is None or str(output) == "-":
        return None
    return plan.file(output, mode=loaded.config.output.mode)


def emit(
    plan: OutputPlan, fmt: PlanFormat, target: FileOutput | None, render: Render
) -> str | Iterable[str] | None:
    """Stage the output for ``target`` and commit, or return it for stdout."""
    import sys

    from socprio.cli.steps import terminal_width

    terminal = sys.stdout.isatty()
    width = min(100, terminal_width())  # $COLUMNS, else the terminal on stdout or stderr
    data = render(fmt, width, terminal and target is None)
    if target is None:
        return data
    plan.stage(target, data, bom=fmt is PlanFormat.CSV)
    plan.commit()
    return None


@app.command()
def gaps(
    input: o.InputArg,
    config: o.ConfigOpt = None,
    as_of: o.AsOfOpt = None,
    force: ForceOpt = None,
    top: Annotated[int | None, typer.Option("--top", "-n", min=1, help="The first N.")] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Also list unknowns that change no decision.")
    ] = False,
    format: FormatOpt = None,
    output: OutputOpt = None,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
) -> None:
    """Which unknowns matter? The collection plan: every unknown factor that could move a
    group into or out of Band 1, across a band boundary or into or out of the top K, most
    decision-relevant first, and the one fact (if any) that would settle each group's band.
    """
    from socprio.pipeline.assess import assess
    from socprio.write.plan import OutputPlan

    loaded = o.load(config)
    fmt = plan_format(format, output)
    o.check_filters(loaded, force, None, None)
    outputs = OutputPlan()
    target = declare(outputs, output, loaded)
    with outputs.locked():
        a = assess(
            input,
            loaded,
            as_of=o.parse_as_of(as_of, date.today()),
            encoding=encoding,
            delimiter=o.delimiter(delimiter),
        )
        from socprio.present.gaps import gaps_view

        view = gaps_view(a, force=force, top=top, everything=everything)
        shown = emit(outputs, fmt, target, lambda f, w, t: _render_plan(view, f, w, t))
    if shown is not None:
        o.echo_chunks(shown)


def _render_plan(
    view: GapsView, fmt: PlanFormat, width: int, terminal: bool
) -> str | Iterable[str]:
    from socprio.present import gaps as g

    if fmt is PlanFormat.CSV:
        return g.gaps_csv(view)
    if fmt is PlanFormat.JSON:
        return g.gaps_json(view)
    if fmt is PlanFormat.MARKDOWN:
        return g.gaps_markdown(view)
    from socprio.present.gapstext import gaps_table

    return gaps_table(view, width=width, terminal=terminal)
