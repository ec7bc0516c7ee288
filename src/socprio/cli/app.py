"""SHELL: the typer app. Options -> load -> validate -> score -> rank -> render -> write.

The one error boundary is ``_Boundary.invoke``: a ``SocprioError`` becomes its message on
stderr and its exit code; anything else is a bug and keeps its traceback (without locals).
Heavy modules (pandas, numpy, the core) are imported inside commands, so ``--help`` and
``--version`` stay fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from socprio import __version__
from socprio.errors import ExitCode, SocprioError, UsageError
from socprio.present.formats import OutputFormat

if TYPE_CHECKING:
    import pandas as pd

    from socprio.config.models import LoadedConfig
    from socprio.core.stability import SecondOpinion, Stability
    from socprio.history.movement import Movement
    from socprio.pipeline.frame import Provenance, RankRun
    from socprio.validate.table import Validated


class _Boundary(TyperGroup):
    """Maps every SocprioError to its message and exit code: the only place that does."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SocprioError as err:
            typer.echo(f"socprio: error: {err}", err=True)
            raise typer.Exit(int(err.exit_code)) from None
        except BrokenPipeError:  # e.g. `socprio rank x -f csv | head`
            sys.stderr.close()
            raise typer.Exit(int(ExitCode.IO)) from None
        except KeyboardInterrupt:
            typer.echo("socprio: interrupted; nothing was written", err=True)
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=_Boundary,
    name="socprio",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,  # plain help: keeps rich (and markdown-it) off the --help path
)
config_app = typer.Typer(
    cls=_Boundary,
    help="Show or check the harm-matrix config.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(config_app, name="config")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"socprio {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Harm-scoring prioritisation of organised crime groups for tasking.

    Exit codes: 0 ok; 2 usage; 65 invalid data; 66 input missing or not a CSV; 73 cannot
    create output; 74 I/O error; 75 locked by another run; 78 invalid config.
    """


class ReportFormat(StrEnum):
    """Output of ``validate``."""

    TEXT = "text"
    JSON = "json"


class SchemaFormat(StrEnum):
    """Output of ``schema``."""

    TABLE = "table"
    MARKDOWN = "markdown"


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
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")]
SeedOpt = Annotated[
    int, typer.Option("--seed", min=0, help="Seed of the weight draws (same seed, same result).")
]
StabilityOpt = Annotated[
    int,
    typer.Option(
        "--stability",
        min=0,
        max=1_000_000,
        help="Re-rank under N weight vectors drawn around the configured ones and report "
        "each group's rank interval (0: off).",
    ),
]


def parse_as_of(text: str | None, today: date) -> date:
    """``--as-of`` as a date (ISO only), defaulting to ``today``."""
    if text is None:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError("--as-of must be a date as YYYY-MM-DD") from None


def _delimiter(text: str) -> str:
    value = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(value) != 1:
        raise UsageError("--delimiter must be a single character (or 'tab')")
    return value


def _config(path: Path | None) -> LoadedConfig:
    from socprio.config.models import load_config, resolve_config_path

    return load_config(resolve_config_path(path, os.environ))


def _load(
    path: str, cfg: LoadedConfig, *, as_of: date, encoding: str, delimiter: str, values: bool
) -> tuple[str, Validated]:
    """Read and validate the input; returns its SHA-256 (the parsed rows are released)."""
    from socprio.read.input import read_input
    from socprio.validate.table import validate_table

    data = read_input(path, encoding=encoding, delimiter=_delimiter(delimiter))
    return data.sha256, validate_table(data.table, cfg.config, as_of=as_of, show_values=values)


def _stderr(text: str) -> None:
    typer.echo(text, err=True)


@app.command()
def validate(
    input: InputArg,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimiterOpt = ",",
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
    quiet: QuietOpt = False,
) -> None:
    """Check a file against the config and report every problem in one pass."""
    from socprio.present.validation import issues_json, issues_text

    cfg = _config(config)
    day = parse_as_of(as_of, date.today())
    _, result = _load(
        input, cfg, as_of=day, encoding=encoding, delimiter=delimiter, values=show_values
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
    config: ConfigOpt = None,
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

    cfg = _config(config)
    chunks = generate_csv(
        cfg.config,
        groups=SAMPLE_GROUPS if groups is None else groups,
        seed=SAMPLE_SEED if seed is None else seed,
        as_of=parse_as_of(as_of, SAMPLE_AS_OF),
        biases=[parse_bias(spec, cfg.config) for spec in bias or ()],
    )
    if output is None or str(output) == "-":
        write_stream(chunks, sys.stdout)
    else:
        write_output(output, chunks, mode=SAMPLE_FILE_MODE)


def _require_valid(result: Validated, *, quiet: bool) -> None:
    """All or nothing: any rejected record fails the run before anything is written."""
    from socprio.errors import DataError
    from socprio.present.validation import issues_text
    from socprio.validate.table import Severity

    if not result.ok:
        _stderr(issues_text(result, max_shown=20))
        raise DataError(
            f"{result.invalid} record(s) rejected; nothing was ranked or written",
            file=result.source,
        )
    warnings = len(result.of(Severity.WARNING))
    if warnings and not quiet:
        _stderr(f"{result.source}: {warnings} warning(s); 'socprio validate' lists them")


def _emit(text: str | Iterable[str], output: Path | None, *, mode: int, bom: bool) -> None:
    """Data to stdout (no BOM) or atomically to ``output``; chunks are written as they come."""
    from socprio.write.output import write_output

    if output is None or str(output) == "-":
        for chunk in [text] if isinstance(text, str) else text:
            typer.echo(chunk, nl=False)
    else:
        write_output(output, text, mode=mode, bom=bom)


@app.command()
def rank(
    input: InputArg,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    top: Annotated[int | None, typer.Option("--top", "-n", min=1, help="Show the first N.")] = None,
    force: Annotated[str | None, typer.Option("--force", help="Only this lead force.")] = None,
    crime: Annotated[
        str | None,
        typer.Option("--crime", help="Only groups with this principal or secondary crime."),
    ] = None,
    strand: Annotated[
        str | None, typer.Option("--strand", help="Only groups with this 4P opportunity.")
    ] = None,
    include_dormant: DormantOpt = False,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically); - for stdout.")
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            help="Weekly archive directory: store this run under DIR/<as-of>/ with a manifest, "
            "and compare with the previous run there.",
            file_okay=False,
        ),
    ] = None,
    previous: PreviousOpt = None,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimiterOpt = ",",
    stability: StabilityOpt = 0,
    seed: SeedOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Score, band and rank the active groups for tasking."""
    cfg = _config(config)
    day = parse_as_of(as_of, date.today())
    to_stdout = output is None or str(output) == "-"
    if format is OutputFormat.XLSX and to_stdout:
        raise UsageError("xlsx is a workbook: give --output FILE.xlsx")
    if format is OutputFormat.TABLE and not to_stdout:
        raise UsageError("the table format is for the terminal; use -f csv, json, markdown or xlsx")
    ranked = _rank_pipeline(
        input,
        cfg,
        as_of=day,
        encoding=encoding,
        delimiter=delimiter,
        include_dormant=include_dormant,
        draws=stability,
        seed=seed,
        previous=previous,
        archive=archive,
        quiet=quiet,
    )
    from socprio.pipeline.frame import filter_frame

    frame = filter_frame(ranked.full, force=force, crime=crime, strand=strand, top=top)
    ranked.prov.counts["shown"] = len(frame)
    if archive is not None:
        from socprio.history.archive import archive_ranking

        archive_ranking(
            archive, frame=ranked.full, movement=ranked.moved, prov=ranked.prov, argv=sys.argv
        )
    _show(format, frame, ranked, output, cfg)
    if not quiet:
        _stderr(_ranked_line(ranked, include_dormant=include_dormant))


@dataclass
class _Ranked:
    """What the rank pipeline produced: the full table, movement, provenance and stability."""

    full: pd.DataFrame
    moved: Movement | None
    prov: Provenance
    stab: Stability | None


@dataclass
class _Assessed:
    """One validated, scored, ranked and assessed file: the run, its table and provenance."""

    run: RankRun
    stab: Stability | None
    opinion: SecondOpinion
    frame: pd.DataFrame  # run.frame with the stability and second-opinion columns
    prov: Provenance


def _assess_file(
    path: str,
    cfg: LoadedConfig,
    *,
    as_of: date,
    encoding: str,
    delimiter: str,
    include_dormant: bool,
    draws: int,
    seed: int,
    quiet: bool,
) -> _Assessed:
    """Load, validate (all or nothing), score, rank, and assess (stability, second opinion)."""
    from socprio.pipeline.frame import (
        Provenance,
        compute,
        run_counts,
        stability_meta,
        with_stability,
    )

    input_sha, validated = _load(
        path, cfg, as_of=as_of, encoding=encoding, delimiter=delimiter, values=False
    )
    _require_valid(validated, quiet=quiet)
    run = compute(validated.records, cfg.config, as_of=as_of, include_dormant=include_dormant)
    stab, opinion = _assess(run, cfg, draws=draws, seed=seed, quiet=quiet)
    counts = run_counts(validated, ranked=len(run.ranking.order))
    meta = stability_meta(stab) if stab is not None else None
    prov = Provenance(__version__, cfg, validated.source, input_sha, as_of, counts, meta)
    return _Assessed(run, stab, opinion, with_stability(run.frame, run, stab, opinion), prov)


def _rank_pipeline(
    path: str,
    cfg: LoadedConfig,
    *,
    as_of: date,
    encoding: str,
    delimiter: str,
    include_dormant: bool,
    draws: int,
    seed: int,
    previous: Path | None,
    archive: Path | None,
    quiet: bool,
) -> _Ranked:
    """Assess the file and compare it with the last run. Only the table is kept, so the
    records and core arrays are freed before a large ranking is written."""
    assessed = _assess_file(
        path,
        cfg,
        as_of=as_of,
        encoding=encoding,
        delimiter=delimiter,
        include_dormant=include_dormant,
        draws=draws,
        seed=seed,
        quiet=quiet,
    )
    moved = _movement(assessed.frame, previous=previous, archive=archive, as_of=as_of)
    full = moved.frame if moved else assessed.frame
    return _Ranked(full, moved, assessed.prov, assessed.stab)


def _show(
    fmt: OutputFormat, frame: pd.DataFrame, ranked: _Ranked, output: Path | None, cfg: LoadedConfig
) -> None:
    """Print the table, or write the chosen format to stdout or (atomically) to ``output``."""
    from socprio.pipeline.frame import summary

    summ = summary(frame)
    if fmt is OutputFormat.TABLE:
        from rich.console import Console

        from socprio.present.table import rank_table

        console = Console(width=100 if not sys.stdout.isatty() else min(100, _term_width()))
        console.print(rank_table(frame, ranked.prov, summ, boxes=console.is_terminal))
        if ranked.moved is not None:
            from socprio.history.movement import render_changes_text

            text = render_changes_text(ranked.moved)
            console.print(text, markup=False, highlight=False)
    elif fmt is OutputFormat.XLSX:
        from socprio.present.xlsx import workbook_bytes
        from socprio.write.output import write_output

        counts = ranked.moved.counts() if ranked.moved else None
        data = workbook_bytes(frame, ranked.prov, summ, cfg.config, movement_counts=counts)
        if output is None:
            raise UsageError("xlsx is a workbook: give --output FILE.xlsx")
        write_output(output, data, mode=cfg.config.output.mode)
    else:
        from socprio.present.exports import render_chunks

        text_chunks = render_chunks(fmt, frame, ranked.prov, summ, cfg.config)
        _emit(text_chunks, output, mode=cfg.config.output.mode, bom=fmt is OutputFormat.CSV)


def _ranked_line(ranked: _Ranked, *, include_dormant: bool) -> str:
    """The stderr summary of a run: what was read, ranked and set aside."""
    counts = ranked.prov.counts
    line = (
        f"{ranked.prov.input_path}: ranked {counts['ranked']} of {counts['read']} records read"
        f" ({counts['blank_skipped']} blank skipped; {counts['status_dormant']} dormant "
        f"and {counts['status_archived']} archived"
        f"{' (dormant ranked)' if include_dormant else ' not ranked'})"
    )
    if ranked.stab is not None:
        line += (
            f"\nstability: {ranked.stab.draws} draws, Spearman median "
            f"{ranked.stab.spearman_median:.3f}, p5 {ranked.stab.spearman_p5:.3f}"
        )
    return line


@app.command()
def report(
    input: InputArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="Groups in the chart.")] = 20,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            help="Read the weekly archive for movement (nothing is written to it).",
            file_okay=False,
        ),
    ] = None,
    previous: PreviousOpt = None,
    stability: Annotated[
        int | None,
        typer.Option(
            "--stability", min=0, help="Weight draws for rank intervals; default from the config."
        ),
    ] = None,
    seed: SeedOpt = 0,
    include_dormant: DormantOpt = False,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimiterOpt = ",",
    quiet: QuietOpt = False,
) -> None:
    """Write the one-page tasking pack: a self-contained HTML file that prints on A4."""
    from socprio.pipeline.frame import summary
    from socprio.present.pack import pack_html

    cfg = _config(config)
    ranked = _rank_pipeline(
        input,
        cfg,
        as_of=parse_as_of(as_of, date.today()),
        encoding=encoding,
        delimiter=delimiter,
        include_dormant=include_dormant,
        draws=cfg.config.stability.draws if stability is None else stability,
        seed=seed,
        previous=previous,
        archive=archive,
        quiet=quiet,
    )
    html = pack_html(
        ranked.full, ranked.prov, summary(ranked.full), cfg.config, top=top, movement=ranked.moved
    )
    _emit(html, output, mode=cfg.config.output.mode, bom=False)
    if not quiet:
        _stderr(_ranked_line(ranked, include_dormant=include_dormant))


@app.command()
def explain(
    group_id: Annotated[str, typer.Argument(help="The group to explain, e.g. OCG-0042.")],
    input: InputArg,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    include_dormant: DormantOpt = False,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimiterOpt = ",",
    stability: StabilityOpt = 0,
    seed: SeedOpt = 0,
) -> None:
    """Show one group's full breakdown: factors, weights, points, overrides, flags, neighbours."""
    import numpy as np
    from rich.console import Console

    from socprio.present.explain import explain as explain_group

    cfg = _config(config)
    assessed = _assess_file(
        input,
        cfg,
        as_of=parse_as_of(as_of, date.today()),
        encoding=encoding,
        delimiter=delimiter,
        include_dormant=include_dormant,
        draws=stability,
        seed=seed,
        quiet=False,
    )
    run = assessed.run
    rows = np.flatnonzero(run.matrix.group_id == group_id.strip())
    if not len(rows):
        raise UsageError(f"no group '{group_id.strip()}' in {assessed.prov.input_path}")
    panel = explain_group(run, int(rows[0]), cfg, stability=assessed.stab, opinion=assessed.opinion)
    Console(width=100).print(panel)


@config_app.command("show")
def config_show(
    path: Annotated[Path | None, typer.Argument(help="Config file; default as for rank.")] = None,
) -> None:
    """Print the weights (relative and effective), bands and rules of a config."""
    from rich.console import Console

    from socprio.present.describe import config_view

    Console(width=100).print(config_view(_config(path)))


@config_app.command("check")
def config_check(
    path: Annotated[Path | None, typer.Argument(help="Config file; default as for rank.")] = None,
) -> None:
    """Validate a config; exit 78 with file:line:col when it is wrong."""
    loaded = _config(path)
    typer.echo(f"{loaded.path}: ok (version {loaded.config.version}, sha256 {loaded.sha256})")


@app.command()
def schema(
    config: ConfigOpt = None,
    format: Annotated[SchemaFormat, typer.Option("--format", "-f")] = SchemaFormat.TABLE,
) -> None:
    """List the CSV columns the config expects, with their allowed values."""
    from socprio.present.describe import schema_markdown, schema_table

    cfg = _config(config).config
    if format is SchemaFormat.MARKDOWN:
        typer.echo(schema_markdown(cfg), nl=False)
    else:
        from rich.console import Console

        Console(width=100).print(schema_table(cfg))


def _movement(
    frame: pd.DataFrame, *, previous: Path | None, archive: Path | None, as_of: date
) -> Movement | None:
    """Movement against --previous, else the archive's latest run before ``as_of``, if any."""
    if previous is None and archive is None:
        return None
    from socprio.history.archive import load_ranking, previous_run
    from socprio.history.movement import movement

    source = previous
    if source is None and archive is not None and archive.is_dir():
        source = previous_run(archive, before=as_of)
    return movement(frame, load_ranking(source)) if source is not None else None


def _assess(
    run: RankRun, cfg: LoadedConfig, *, draws: int, seed: int, quiet: bool
) -> tuple[Stability | None, SecondOpinion]:
    """The stability draws (when ``draws`` > 0) and the second opinion of a run; a progress
    bar on stderr only when it is a terminal and the run is not quiet."""
    from socprio.core.stability import second_opinion
    from socprio.core.stability import stability as draw_stability

    m, s, r, c = run.matrix, run.scores, run.ranking, cfg.config
    opinion = second_opinion(m, s, r, c)
    if draws < 1:
        return None, opinion
    if quiet or not sys.stderr.isatty():
        return draw_stability(m, s, r, c, draws=draws, seed=seed), opinion
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("weight draws", total=draws)

        def advance(done: int) -> None:
            bar.update(task, completed=done)

        return draw_stability(m, s, r, c, draws=draws, seed=seed, progress=advance), opinion


@app.command("stability")
def stability_command(
    input: InputArg,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws", min=1, max=1_000_000, help="Weight vectors drawn. Default: the config's."
        ),
    ] = None,
    seed: SeedOpt = 0,
    top: Annotated[
        int | None, typer.Option("--top", "-n", min=1, help="Groups shown in the text table.")
    ] = None,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text for people, json for scripts.")
    ] = ReportFormat.TEXT,
    include_dormant: DormantOpt = False,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimiterOpt = ",",
) -> None:
    """How sure are we? Rank intervals under weight draws, +/-p per weight, second opinions."""
    from socprio.present.stability import report_json, report_text

    cfg = _config(config)
    assessed = _assess_file(
        input,
        cfg,
        as_of=parse_as_of(as_of, date.today()),
        encoding=encoding,
        delimiter=delimiter,
        include_dormant=include_dormant,
        draws=cfg.config.stability.draws if draws is None else draws,
        seed=seed,
        quiet=format is ReportFormat.JSON,
    )
    stab = assessed.stab
    assert stab is not None  # draws >= 1
    parts = (assessed.frame, assessed.run, stab, assessed.opinion, assessed.prov)
    if format is ReportFormat.JSON:
        typer.echo(report_json(*parts), nl=False)
    else:
        from rich.console import Console

        Console(width=100).print(report_text(*parts, top=top))


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Earlier ranking: csv, json or an archive run dir.")],
    new: Annotated[Path, typer.Argument(help="Later ranking: csv, json or an archive run dir.")],
    movers: Annotated[int, typer.Option("--movers", min=1, help="Biggest movers listed.")] = 10,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.TEXT,
    config: ConfigOpt = None,
) -> None:
    """Compare two rankings: new, dropped, band changes, biggest movers and their drivers."""
    import json

    from socprio.history.archive import load_ranking
    from socprio.history.movement import diff as diff_rankings
    from socprio.history.movement import diff_to_json, render_diff_text

    result = diff_rankings(load_ranking(old), load_ranking(new), movers=movers)
    if format is ReportFormat.JSON:
        typer.echo(json.dumps(diff_to_json(result), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_diff_text(result, marking=_config(config).config.marking))


def _term_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def main() -> None:
    """Console-script entry point."""
    # socprio uses no pydantic plugins; skipping their discovery saves a scan of every
    # installed package's metadata on each run (a user can still opt in by setting it).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
