"""SHELL: the data commands: ``validate`` an input, generate a ``sample``, list the ``schema``."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.errors import ExitCode


class ReportFormat(StrEnum):
    """Output of ``validate``, ``stability`` and ``diff``: text for people, json for scripts."""

    TEXT = "text"
    JSON = "json"


class SchemaFormat(StrEnum):
    """Output of ``schema``."""

    TABLE = "table"
    MARKDOWN = "markdown"


@app.command()
def validate(
    input: o.InputArg,
    config: o.ConfigOpt = None,
    as_of: o.AsOfOpt = None,
    encoding: o.EncodingOpt = "utf-8",
    delimiter: o.DelimiterOpt = ",",
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text for people, json for scripts.")
    ] = ReportFormat.TEXT,
    max_shown: Annotated[
        int, typer.Option("--max-shown", min=0, help="Issues listed per severity (text).")
    ] = 20,
    show_values: Annotated[
        bool,
        typer.Option(
            "--show-values", help="Include cell values in messages (OFFICIAL-SENSITIVE data)."
        ),
    ] = False,
    quiet: o.QuietOpt = False,
) -> None:
    """Check a file against the config and report every problem in one pass."""
    from socprio.pipeline.assess import validate_source
    from socprio.present.validation import issues_json, issues_text

    _, result = validate_source(
        input,
        o.load(config),
        as_of=o.parse_as_of(as_of, date.today()),
        encoding=encoding,
        delimiter=o.delimiter(delimiter),
        show_values=show_values,
    )
    if format is ReportFormat.JSON:
        typer.echo(issues_json(result), nl=False)
    elif not (quiet and result.ok):
        typer.echo(issues_text(result, max_shown=max_shown))
    if not result.ok:
        raise typer.Exit(int(ExitCode.DATA))


@app.command()
def sample(
    groups: Annotated[
        int | None,
        typer.Option("--groups", "-n", min=1, max=1_000_000, help="Active groups [170]."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Random seed [the shipped sample's].")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Dates are before this [2026-11-23].")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (atomically, mode 0644: the data is synthetic); default or - "
            "for stdout.",
        ),
    ] = None,
    bias: Annotated[
        list[str] | None,
        typer.Option(
            "--bias",
            metavar="FORCE:FACTOR:+N",
            help="Plant a bias for testing checks: shift FACTOR's known values by N levels "
            "(clipped; unknowns stay unknown) for groups led by FORCE. Repeatable; N may be "
            "negative, e.g. WARKS:violence:+1.",
        ),
    ] = None,
    config: o.ConfigOpt = None,
) -> None:
    """Generate a synthetic dataset (invented codenames only) from the config.

    With no options it reproduces sample_data/ocgs.csv exactly. Rows are written as they are
    generated, so memory stays bounded at any size; a closed pipe downstream (| head) ends
    the run quietly with exit 0.
    """
    from socprio.sample.bias import parse_bias
    from socprio.sample.csvout import write_stream
    from socprio.sample.generate import (
        SAMPLE_AS_OF,
        SAMPLE_FILE_MODE,
        SAMPLE_GROUPS,
        SAMPLE_SEED,
        generate_csv,
    )
    from socprio.write.output import write_output

    cfg = o.load(config)
    chunks = generate_csv(
        cfg.config,
        groups=SAMPLE_GROUPS if groups is None else groups,
        seed=SAMPLE_SEED if seed is None else seed,
        as_of=o.parse_as_of(as_of, SAMPLE_AS_OF),
        biases=[parse_bias(spec, cfg.config) for spec in bias or ()],
    )
    if output is None or str(output) == "-":
        write_stream(chunks, sys.stdout)
    else:
        write_output(output, chunks, mode=SAMPLE_FILE_MODE)


@app.command()
def schema(
    config: o.ConfigOpt = None,
    format: Annotated[SchemaFormat, typer.Option("--format", "-f")] = SchemaFormat.TABLE,
) -> None:
    """List the CSV columns the config expects, with their allowed values."""
    from socprio.present.describe import schema_markdown, schema_table

    cfg = o.load(config).config
    if format is SchemaFormat.MARKDOWN:
        typer.echo(schema_markdown(cfg), nl=False)
    else:
        from rich.console import Console

        Console(width=100).print(schema_table(cfg))
