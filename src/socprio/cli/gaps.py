"""SHELL: ``socprio gaps``: the collection plan (which unknowns would change a decision)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.reportout import FormatOpt, OutputOpt, PlanFormat, declare, emit, plan_format

if TYPE_CHECKING:
    from socprio.present.gaps import GapsView


ForceOpt = Annotated[str | None, typer.Option("--force", help="Only groups of this lead force.")]


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
