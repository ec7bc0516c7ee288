"""SHELL: the options every command shares, defined once, and the helpers that read them.

Light on purpose (typer and the standard library only): every command module imports it, and
``--help`` must not pay for pandas, numpy or rich.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from socprio.errors import UsageError

if TYPE_CHECKING:
    from socprio.config.models import LoadedConfig
    from socprio.pipeline.assess import Progress

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Harm-matrix YAML. Default: $SOCPRIO_CONFIG, else the built-in config.",
        dir_okay=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Date the ranking is for (YYYY-MM-DD). Default: today."),
]
EncodingOpt = Annotated[
    str, typer.Option("--encoding", help="Input encoding; opt in to e.g. cp1252.")
]
DelimiterOpt = Annotated[
    str, typer.Option("--delimiter", help="Input field separator; opt in to e.g. ';'.")
]
InputArg = Annotated[str, typer.Argument(help="OCG records CSV, or - for stdin.")]
PreviousOpt = Annotated[
    Path | None,
    typer.Option("--previous", help="An earlier ranking (csv/json) to show movement against."),
]
DormantOpt = Annotated[bool, typer.Option("--include-dormant", help="Rank dormant groups too.")]
ExcludeOpt = Annotated[
    bool,
    typer.Option(
        "--exclude-invalid",
        help="Rank the valid records when some are rejected, instead of stopping: every "
        "output is marked PARTIAL with the lines left out, and the run exits 3.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")]
SeedOpt = Annotated[
    int, typer.Option("--seed", min=0, help="Seed of the weight draws (same seed, same result).")
]
DrawsOpt = Annotated[
    int | None,
    typer.Option(
        "--draws",
        "--stability",
        min=0,
        max=1_000_000,
        help="Re-rank under N weight vectors drawn around the configured ones and report each "
        "group's rank interval (0: off). Default: 0, except in `socprio stability`, which "
        "uses the config's stability.draws.",
    ),
]
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(text: str | None, today: date) -> date:
    """``--as-of`` as a date, exactly YYYY-MM-DD, defaulting to ``today``."""
    if text is None:
        return today
    try:
        if _ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise UsageError("--as-of must be a real date written YYYY-MM-DD")


def delimiter(text: str) -> str:
    """``--delimiter`` as one character (``tab`` or ``\\t`` for a tab)."""
    value = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(value) != 1:
        raise UsageError("--delimiter must be a single character (or 'tab')")
    return value


def load(path: Path | None) -> LoadedConfig:
    """The config from ``--config``, else $SOCPRIO_CONFIG, else the built-in one."""
    from socprio.config.load import load_config, resolve_config_path

    return load_config(resolve_config_path(path, os.environ))


def stderr(text: str) -> None:
    """A message for the person or the cron mail (never data), controls shown visibly."""
    from socprio.present.escape import message_text

    typer.echo(message_text(text), err=True)


def echo_chunks(data: str | bytes | Iterable[str]) -> None:
    """Data to stdout as it comes (bytes as they are)."""
    if isinstance(data, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        return
    for chunk in [data] if isinstance(data, str) else data:
        typer.echo(chunk, nl=False)


def progress_bar(draws: int, *, quiet: bool) -> Progress | None:
    """A callback drawing a progress bar on stderr, only for a person at a terminal."""
    if draws < 1 or quiet or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import Progress as Bar

    bar = Bar(console=Console(stderr=True), transient=True)
    task = bar.add_task("weight draws", total=draws)
    bar.start()

    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done)
        if done >= total:
            bar.stop()

    return advance


def did_you_mean(option: str, value: str, valid: Iterable[str]) -> UsageError:
    """A usage error for a filter value that matches nothing, listing the valid values."""
    import difflib

    names = sorted(set(valid))
    close = difflib.get_close_matches(value.casefold(), [n.casefold() for n in names], n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return UsageError(f"{option} '{value}' matches nothing{hint} Valid: {', '.join(names)}")


def check_filters(
    loaded: LoadedConfig, force: str | None, crime: str | None, strand: str | None
) -> None:
    """A filter value that can match no group is a usage error, with a did-you-mean."""
    from socprio.config.models import STRANDS

    cfg = loaded.config
    for option, value, valid in (
        ("--force", force, cfg.record.forces),
        ("--crime", crime, cfg.crime_types),
        ("--strand", strand, STRANDS),
    ):
        if value is not None and value.casefold() not in {v.casefold() for v in valid}:
            raise did_you_mean(option, value, valid)
