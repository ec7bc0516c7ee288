"""SHELL: the steps ``rank`` and ``report`` share: choose the format, check the filters,
assess (against --previous or the archive), deliver the output, and summarise the run."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from socprio.cli import options as o
from socprio.errors import OutputError, UsageError
from socprio.present.formats import BINARY, SUFFIXES, OutputFormat

if TYPE_CHECKING:
    from socprio.config.models import LoadedConfig
    from socprio.pipeline.result import Assessment
    from socprio.present.export import ExportOptions
    from socprio.read.input import Source
    from socprio.write.plan import FileOutput, OutputPlan


def choose_format(fmt: OutputFormat | None, output: Path | None) -> OutputFormat:
    """The format asked for, else the one the output's suffix names, else the table; a
    suffix that names another format is a usage error (a .xlsx file must hold a workbook)."""
    implied = SUFFIXES.get(output.suffix.lower()) if output is not None else None
    if fmt is None:
        return implied or OutputFormat.TABLE
    if implied is not None and implied is not fmt:
        raise UsageError(f"--format {fmt.value} does not fit an output named *{output.suffix}")  # type: ignore[union-attr]
    return fmt


def compared_with(previous: Path | None, archive: Path | None, day: date) -> Path | None:
    """What the run is compared with: --previous, else the archive's newest run before
    ``day`` (None when there is none); OutputError when --archive is not a directory."""
    if archive is not None and archive.exists() and not archive.is_dir():
        raise OutputError("--archive is not a directory", file=str(archive))
    if previous is None and archive is not None and archive.is_dir():
        from socprio.history.archive import previous_run

        return previous_run(archive, before=day)
    return previous


def run_assessment(
    input: Source,
    loaded: LoadedConfig,
    *,
    day: date,
    previous: Path | None,
    archive: Path | None,
    draws: int,
    seed: int,
    include_dormant: bool,
    encoding: str,
    delimiter: str,
    quiet: bool,
    exclude_invalid: bool = False,
) -> Assessment:
    """Assess the input against --previous, else the archive's latest run before ``day``."""
    from socprio.pipeline.assess import RejectedRecords, assess

    previous = compared_with(previous, archive, day)
    try:
        a = assess(
            input,
            loaded,
            as_of=day,
            include_dormant=include_dormant,
            draws=draws,
            seed=seed,
            previous=previous,
            progress=o.progress_bar(draws, quiet=quiet),
            encoding=encoding,
            delimiter=o.delimiter(delimiter),
            exclude_invalid=exclude_invalid,
        )
    except RejectedRecords as err:
        if err.excludable:  # this command has the way forward: name it
            err.message += " (--exclude-invalid ranks the rest, marked as partial, and exits 3)"
        raise
    if a.warnings and not quiet:
        o.stderr(
            f"{a.provenance.input_path}: {len(a.warnings)} warning(s); "
            "'socprio validate' lists them"
        )
    return a


def declare_output(
    plan: OutputPlan, fmt: OutputFormat, output: Path | None, loaded: LoadedConfig
) -> FileOutput | None:
    """Declare ``output`` on ``plan`` (None for stdout), refusing what cannot work before any
    input is read: a workbook to a terminal, a terminal table to a file."""
    if output is None or str(output) == "-":
        if fmt in BINARY:
            raise UsageError(f"{fmt.value} is a binary file: give --output FILE")
        return None
    if fmt is OutputFormat.TABLE:
        raise UsageError(
            "the table format is for the terminal; use -f csv, json, markdown, xlsx or html"
        )
    return plan.file(output, mode=loaded.config.output.mode)


def deliver(
    plan: OutputPlan,
    fmt: OutputFormat,
    a: Assessment,
    target: FileOutput | None,
    *,
    quiet: bool,
    every_row: bool = False,
) -> None:
    """Stage ``a`` in ``fmt`` for ``target``, or (no target) print it on stdout; a quiet run
    prints no table, because cron mails what a quiet run prints. On a terminal the table
    shows a screenful or two of rows unless ``every_row`` (act-now groups always)."""
    from socprio.present.export import export

    opts = table_options(a, every_row=every_row)
    if target is not None:
        plan.stage(target, export(fmt, a, opts), bom=fmt is OutputFormat.CSV)
    elif not (quiet and fmt is OutputFormat.TABLE):
        o.echo_chunks(export(fmt, a, opts))


def _terminal_size(stream: object) -> os.terminal_size | None:
    """The size of the terminal ``stream`` writes to, or None when it is not one."""
    try:
        if stream is not None and stream.isatty():  # type: ignore[attr-defined]
            return os.get_terminal_size(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        pass
    return None


def terminal_width(default: int = 100) -> int:
    """$COLUMNS when set, else the width of the terminal on stdout, else on stderr (output
    piped into ``less`` is read on that terminal), else ``default``."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    size = _terminal_size(sys.stdout) or _terminal_size(sys.stderr)
    return size.columns if size is not None and size.columns > 0 else default


def table_options(a: Assessment, *, every_row: bool) -> ExportOptions:
    """How the table fits where it goes: the width, colours (not for a pipe, TERM=dumb, or
    NO_COLOR, which keeps bold), and on a terminal the rows of two screens or so."""
    from socprio.present.export import ExportOptions

    tty = _terminal_size(sys.stdout)
    colours = tty is not None and os.environ.get("TERM", "") != "dumb"
    env_lines = os.environ.get("LINES", "")
    lines = int(env_lines) if env_lines.isdigit() else tty.lines if tty is not None else 24
    limit = None if every_row or tty is None else max(SCREEN_ROWS_MIN, 2 * lines - 20)
    return ExportOptions(
        width=terminal_width(),
        terminal=colours,
        no_color=bool(os.environ.get("NO_COLOR")),
        limit=limit,
    )


SCREEN_ROWS_MIN = 20


def ranked_line(a: Assessment, *, include_dormant: bool) -> str:
    """The stderr summary of a run: what was read, ranked and set aside."""
    c = a.provenance.counts
    line = (
        f"{a.provenance.input_path}: ranked {c.ranked} of {c.read} records read"
        f" ({c.blank_skipped} blank skipped; {c.dormant} dormant and {c.archived} archived"
        f"{' (dormant ranked)' if include_dormant else ' not ranked'})"
    )
    if a.stability is not None:
        s = a.stability
        line += (
            f"\nstability: {s.draws} draws, Spearman median {s.spearman_median:.3f}, "
            f"p5 {s.spearman_p5:.3f}"
        )
    return line


def finish_run(a: Assessment, *, quiet: bool, include_dormant: bool) -> None:
    """After the outputs are written: the summary line (unless quiet), then exit 3 (even when
    quiet) if --exclude-invalid left records out, listing their errors, so that cron notices."""
    from socprio.errors import PartialRun
    from socprio.present.captions import excluded_note
    from socprio.present.validation import errors_text

    if not quiet:
        o.stderr(ranked_line(a, include_dormant=include_dormant))
    if note := excluded_note(a.provenance.counts):
        err = PartialRun(f"{note}; the outputs leave them out", file=a.provenance.input_path)
        err.report = errors_text(a.excluded)
        raise err
