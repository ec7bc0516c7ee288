"""SHELL: ``socprio quality``: data quality by lead force, and consistency between forces."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.cli.reportout import FormatOpt, OutputOpt, PlanFormat, declare, emit, plan_format

if TYPE_CHECKING:
    from socprio.pipeline.quality import QualityReport


@app.command()
def quality(
    input: o.InputArg,
    config: o.ConfigOpt = None,
    as_of: o.AsOfOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
) -> None:
    """Data quality by lead force: records, rejects, unknowns per factor, stale reviews,
    Band 1-2 without a lead officer, low confidence; and whether a force scores a factor
    unlike the others beyond what its crime mix explains (stratified rank test, Holm).

    Works on a file with rejected records: they are counted per force, never shown.
    """
    from socprio.pipeline.quality import assess_quality
    from socprio.write.plan import OutputPlan

    loaded = o.load(config)
    fmt = plan_format(format, output)
    outputs = OutputPlan()
    target = declare(outputs, output, loaded)
    with outputs.locked():
        report = assess_quality(
            input,
            loaded,
            as_of=o.parse_as_of(as_of, date.today()),
            encoding=encoding,
            delimiter=o.delimiter(delimiter),
        )
        shown = emit(outputs, fmt, target, lambda f, w, t: _render(report, f, w, t))
    if shown is not None:
        o.echo_chunks(shown)


def _render(q: QualityReport, fmt: PlanFormat, width: int, terminal: bool) -> str | Iterable[str]:
    from socprio.present import quality as p

    if fmt is PlanFormat.CSV:
        return p.quality_csv(q)
    if fmt is PlanFormat.JSON:
        return p.quality_json(q)
    if fmt is PlanFormat.MARKDOWN:
        return p.quality_markdown(q)
    return p.quality_table(q, width=width, terminal=terminal)
