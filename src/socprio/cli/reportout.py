"""SHELL: the output steps the report commands share (``gaps``, ``quality``, ``slate``,
``outcomes``): the format (asked for, or from the --output suffix), the output declared on the
plan before any input is read, and the rendered output staged, or returned for stdout."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from socprio.errors import UsageError

if TYPE_CHECKING:
    from socprio.config.models import LoadedConfig
    from socprio.write.plan import FileOutput, OutputPlan


class PlanFormat(StrEnum):
    """Output of the report commands: ``gaps``, ``quality``, ``slate`` and ``outcomes``."""

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
