"""SHELL: the data commands: ``validate`` an input and list the ``schema`` it must follow."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
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
