"""SHELL: ``socprio sample``: a synthetic input file (invented codenames only)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app

if TYPE_CHECKING:
    from socprio.config.models import LoadedConfig

OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="File to write (atomically, mode 0644: the data is synthetic); default or - "
        "for stdout.",
    ),
]
BiasOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--bias",
        metavar="FORCE:FACTOR:+N",
        help="Plant a bias for testing checks: shift FACTOR's known values by N levels "
        "(clipped; unknowns stay unknown) for groups led by FORCE. Repeatable; N may be "
        "negative, e.g. WARKS:violence:+1.",
    ),
]


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
    output: OutputOpt = None,
    bias: BiasOpt = None,
    config: o.ConfigOpt = None,
    weeks: Annotated[
        int | None,
        typer.Option(
            "--weeks",
            min=1,
            max=520,
            help="Write this many weekly archived runs (needs --archive).",
        ),
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option("--archive", help="With --weeks: the archive directory to fill."),
    ] = None,
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
    if weeks is not None or archive is not None:
        _history(cfg, weeks, archive, groups, seed, as_of, output)
        return
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


def _history(
    cfg: LoadedConfig,
    weeks: int | None,
    archive: Path | None,
    groups: int | None,
    seed: int | None,
    as_of: str | None,
    output: Path | None,
) -> None:
    """``--weeks N --archive DIR``: N weekly runs ending at the as-of date, and the ledger."""
    from socprio.errors import UsageError
    from socprio.sample.generate import SAMPLE_AS_OF, SAMPLE_GROUPS, SAMPLE_SEED
    from socprio.sample.history import write_history

    if weeks is None or archive is None or output is not None:
        raise UsageError("--weeks and --archive go together (and without --output)")
    done = write_history(
        cfg,
        archive,
        weeks=weeks,
        groups=SAMPLE_GROUPS if groups is None else groups,
        seed=SAMPLE_SEED if seed is None else seed,
        as_of=o.parse_as_of(as_of, SAMPLE_AS_OF),
    )
    o.stderr(f"{archive}: {len(done.runs)} weekly runs and {done.ledger.name} (synthetic)")
