"""SHELL: ``socprio replay``: re-run an archived week and prove its ranking files identical."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import app
from socprio.errors import DataError, UsageError

ArchiveDirOpt = Annotated[
    Path, typer.Option("--archive", help="The weekly archive directory (rank --archive DIR).")
]
RequiredAsOfOpt = Annotated[str, typer.Option("--as-of", help="The archived week (YYYY-MM-DD).")]


@app.command()
def replay(archive: ArchiveDirOpt, as_of: RequiredAsOfOpt, quiet: o.QuietOpt = False) -> None:
    """Prove an archived week: re-run it from the input.csv and config.yaml it kept, with the
    options and previous run its manifest records, and check that ranking.csv and
    ranking.json come out byte-identical to those archived (exit 65 naming the file that
    differs, or any archived file that no longer matches its manifest)."""
    from datetime import date

    from socprio.history.replay import replay_run

    if not archive.is_dir():
        raise UsageError(f"--archive {archive} is not a directory")
    result = replay_run(archive, o.parse_as_of(as_of, date.today()))
    for name in result.differ:
        raise DataError(
            f"{name} differs from the archived file: the replay does not reproduce it "
            f"(replayed SHA-256 {result.hashes[name]})",
            file=str(result.run_dir / name),
        )
    if not quiet:
        typer.echo(
            f"replay {result.as_of}: ranking.csv and ranking.json are byte-identical to the "
            f"archived run (manifest SHA-256 {result.manifest_sha256})"
        )
