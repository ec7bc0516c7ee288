"""SHELL: ``socprio outcomes``: did disruption work? The ledger joined to the weekly archive."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.reportout import FormatOpt, OutputOpt, PlanFormat, declare, emit, plan_format

if TYPE_CHECKING:
    from socprio.history.outcomes import OutcomeReport

ArchiveOpt = Annotated[
    Path, typer.Option("--archive", help="The weekly archive directory (socprio rank --archive).")
]
LedgerOpt = Annotated[
    Path, typer.Option("--disruptions", help="The disruption ledger (disruptions.csv).")
]
ShowValuesOpt = Annotated[
    bool,
    typer.Option(
        "--show-values", help="Include cell values in messages (OFFICIAL-SENSITIVE data)."
    ),
]


@app.command()
def outcomes(
    archive: ArchiveOpt,
    disruptions: LedgerOpt,
    config: o.ConfigOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
    show_values: ShowValuesOpt = False,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
) -> None:
    """Did disruption work? Each disruption in the ledger with the group's harm, score and
    band at the last archived run before it and at each horizon after it; UNSUPPORTED,
    REGROWTH and UNVERIFIED flags; summaries by force, 4P strand, tactic, grade and quarter;
    the share of Band 1 groups disrupted, week by week; the harm removed.
    """
    from socprio.history.outcomes import load_outcomes
    from socprio.write.plan import OutputPlan

    loaded = o.load(config)
    fmt = plan_format(format, output)
    outputs = OutputPlan()
    target = declare(outputs, output, loaded)
    with outputs.locked():
        report = load_outcomes(
            archive,
            disruptions,
            loaded,
            show_values=show_values,
            encoding=encoding,
            delimiter=o.delimiter(delimiter),
        )
        shown = emit(outputs, fmt, target, lambda f, w, t: _render(report, f, w))
    if report.warnings:
        o.stderr(
            f"{report.ledger_source}: {len(report.warnings)} warning(s): a record's "
            "last_disruption_date differs from the ledger ('socprio outcomes -f json' lists them)"
        )
    if shown is not None:
        o.echo_chunks(shown)


def _render(report: OutcomeReport, fmt: PlanFormat, width: int) -> str | Iterable[str]:
    from socprio.present import outcomes as p

    if fmt is PlanFormat.CSV:
        return p.outcomes_csv(report)
    if fmt is PlanFormat.JSON:
        return p.outcomes_json(report)
    if fmt is PlanFormat.MARKDOWN:
        return p.outcomes_markdown(report)
    return p.outcomes_table(report, width=width)
