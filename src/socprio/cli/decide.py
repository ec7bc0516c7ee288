"""SHELL: ``socprio decide`` (append tasking decisions to the hash-chained log) and
``socprio log verify`` (check the chain and every archived run it names)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import Boundary, app
from socprio.errors import UsageError

log_app = typer.Typer(
    cls=Boundary, help="Check the decision log.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(log_app, name="log")

LogOpt = Annotated[Path, typer.Option("--log", help="The decision log (JSON lines).")]
ArchiveOpt = Annotated[
    Path, typer.Option("--archive", help="The weekly archive holding the run decided on.")
]
AsOfOpt = Annotated[str, typer.Option("--as-of", help="The archived week decided on.")]
TextOpt = Annotated[str | None, typer.Option()]


@app.command()
def decide(
    group_id: Annotated[str | None, typer.Argument(help="The group decided on.")] = None,
    decision: Annotated[
        str | None, typer.Argument(help="adopt, keep, defer, decline or release.")
    ] = None,
    *,
    log: LogOpt,
    archive: ArchiveOpt,
    as_of: AsOfOpt,
    by: Annotated[str | None, typer.Option("--by", help="Who took the decision.")] = None,
    rationale: Annotated[str | None, typer.Option("--rationale", help="Why.")] = None,
    dissent: Annotated[str | None, typer.Option("--dissent", help="Any dissent.")] = None,
    from_csv: Annotated[
        Path | None,
        typer.Option(
            "--from-csv",
            help="A meeting's decisions: columns group_id, decision, by, rationale, dissent.",
        ),
    ] = None,
    quiet: o.QuietOpt = False,
) -> None:
    """Record a tasking decision on an archived run: appended to the log with the run's
    manifest SHA-256, the group's rank, band and flags, whether it departs from the rank or
    the slate, and the hash of the entry before. All decisions are checked first; any error
    (exit 65, naming the place) appends nothing."""
    from datetime import UTC, datetime

    from socprio.history.decisions import Request, append_decisions, read_requests
    from socprio.present.escape import message_text

    day = o.parse_as_of(as_of, date.today())
    if from_csv is not None:
        if group_id is not None or decision is not None or by or rationale or dissent:
            raise UsageError("--from-csv takes every decision from the file; give no others")
        requests = read_requests(from_csv)
        source = str(from_csv)
    else:
        if group_id is None or decision is None or by is None or rationale is None:
            raise UsageError("give GROUP_ID DECISION --by NAME --rationale TEXT (or --from-csv)")
        requests = [Request(group_id, decision.casefold(), by, rationale, dissent)]
        source = None
    new = append_decisions(
        log, requests, archive=archive, as_of=day, now=datetime.now(UTC), source=source
    )
    if not quiet:
        for entry in new:
            note = entry["departs"]["note"] or (
                "departs from the slate" if entry["departs"]["slate"] else ""
            )
            typer.echo(
                message_text(
                    f"{log}: {entry['seq']}: {entry['decision']} {entry['group_id']} "
                    f"(rank {entry['group']['rank']}, {entry['group']['band']})"
                    + (f"; DEPARTS: {note}" if note else "")
                )
            )
        count = new[-1]["seq"]
        typer.echo(f"log head: {new[-1]['sha256']} ({count} entr{'y' if count == 1 else 'ies'})")


@log_app.command("verify")
def verify(
    log: Annotated[Path, typer.Argument(help="The decision log.")],
    archive: Annotated[
        Path | None,
        typer.Option("--archive", help="Look for the runs here (an archive that was moved)."),
    ] = None,
) -> None:
    """Check the hash chain line by line and that every archived run an entry names still
    exists with the manifest SHA-256 it recorded; exit 65 at the first broken line."""
    from socprio.errors import NoInputError
    from socprio.history.decisions import check_chain, check_runs, read_log

    if not log.is_file():
        raise NoInputError("decision log not found", file=str(log))
    entries = check_chain(read_log(log), source=str(log))
    check_runs(entries, source=str(log), archive=archive)
    head = entries[-1]["sha256"] if entries else "(empty log)"
    typer.echo(f"{log}: ok, {len(entries)} entries, chain intact, every run found; head {head}")
