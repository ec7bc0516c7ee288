"""SHELL: ``socprio slate``: the proposed tasking slate within each owner's capacity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.reportout import FormatOpt, OutputOpt, PlanFormat, declare, emit, plan_format

if TYPE_CHECKING:
    from socprio.pipeline.slate import SlateResult


@app.command()
def slate(
    input: o.InputArg,
    config: o.ConfigOpt = None,
    as_of: o.AsOfOpt = None,
    include_dormant: o.DormantOpt = False,
    format: FormatOpt = None,
    output: OutputOpt = None,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
    quiet: o.QuietOpt = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Table: list every group, not the first 60.")
    ] = False,
) -> None:
    """Who adopts what? The proposed tasking slate: the most harm covered within each owner's
    lead officer slots (config `capacity`), act-now and override Band 1 groups first, with
    ADOPT / KEEP / RELEASE / BELOW_THE_LINE and a reason for every ranked group, and per owner
    its capacity, use, free slots and the best group left below the line."""
    from socprio.pipeline.slate import assess_slate
    from socprio.write.plan import OutputPlan

    loaded = o.load(config)
    fmt = plan_format(format, output)
    outputs = OutputPlan()
    target = declare(outputs, output, loaded)
    with outputs.locked():
        result = assess_slate(
            input,
            loaded,
            as_of=o.parse_as_of(as_of, date.today()),
            include_dormant=include_dormant,
            encoding=encoding,
            delimiter=o.delimiter(delimiter),
        )
        shown = emit(outputs, fmt, target, lambda f, w, t: _render(result, f, w, t, show_all))
    if shown is not None:
        o.echo_chunks(shown)
    if not quiet:
        o.stderr(summary_line(result))


def summary_line(r: SlateResult) -> str:
    """The stderr summary: what the slate adopts, keeps and releases, and any shortfall."""
    s = r.slate
    counts = {d: int((s.decision == d).sum()) for d in ("ADOPT", "KEEP", "RELEASE")}
    line = (
        f"slate: {int(s.take.sum())} of {len(s.take)} ranked groups adopted "
        f"({counts['KEEP']} kept, {counts['ADOPT']} new), {counts['RELEASE']} released"
    )
    short = [f"{x.owner} {x.shortfall}" for x in s.owners if x.shortfall]
    if short:
        line += f"; CAPACITY SHORT for act-now/override groups: {', '.join(short)}"
    return line


def _render(
    r: SlateResult, fmt: PlanFormat, width: int, terminal: bool, show_all: bool
) -> str | Iterable[str]:
    from socprio.present import slate as s

    if fmt is PlanFormat.CSV:
        return s.slate_csv(r)
    if fmt is PlanFormat.JSON:
        return s.slate_json(r)
    if fmt is PlanFormat.MARKDOWN:
        return s.slate_markdown(r)
    limit = None if show_all else s.TABLE_ROWS
    return s.slate_table(r, width=width, terminal=terminal, limit=limit)
