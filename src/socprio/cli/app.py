"""SHELL: the typer app and its one error boundary.

``Boundary.invoke`` is the only place that turns exceptions into messages and exit codes: a
``SocprioError`` becomes its report and message on stderr and its exit code; anything else is
a bug and keeps its traceback (without locals, so no record data reaches a cron mail).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from socprio import __version__
from socprio.errors import ExitCode, SocprioError


class Boundary(TyperGroup):
    """Maps every SocprioError to its message and exit code: the only place that does."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SocprioError as err:
            from socprio.present.escape import message_text

            if err.report:
                typer.echo(message_text(err.report), err=True)
            typer.echo(message_text(f"socprio: {err.kind}: {err}"), err=True)
            raise typer.Exit(int(err.exit_code)) from None
        except BrokenPipeError:  # e.g. `socprio rank x -f csv | head`: the reader has enough
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)  # nothing more can reach the reader,
            os.dup2(devnull, sys.stdout.fileno())  # so the exit flush must not fail again
            raise typer.Exit(int(ExitCode.OK)) from None
        except KeyboardInterrupt:
            typer.echo("socprio: interrupted; nothing was written", err=True)
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=Boundary,
    name="socprio",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,  # plain help: keeps rich (and markdown-it) off the --help path
)
config_app = typer.Typer(
    cls=Boundary,
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

    Exit codes: 0 ok; 2 usage; 3 ranked and written with records left out (--exclude-invalid);
    65 invalid data; 66 input missing or not a CSV; 73 cannot create output; 74 I/O error;
    75 locked by another run; 78 invalid config.
    """
