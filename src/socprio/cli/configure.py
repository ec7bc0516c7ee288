"""SHELL: ``socprio config show`` and ``socprio config check``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socprio.cli import options as o
from socprio.cli.app import config_app

PathArg = Annotated[
    Path | None,
    typer.Argument(help="Config file (the same as -c); default as for rank.", show_default=False),
]


@config_app.command("show")
def config_show(path: PathArg = None, config: o.ConfigOpt = None) -> None:
    """Print the weights (relative and effective), bands and rules of a config."""
    from socprio.cli.steps import terminal_width
    from socprio.present.describe import config_view
    from socprio.present.termtext import rendered

    typer.echo(rendered(config_view(o.load(config or path)), terminal_width()), nl=False)


@config_app.command("check")
def config_check(path: PathArg = None, config: o.ConfigOpt = None) -> None:
    """Validate a config; exit 78 with file:line:col when it is wrong."""
    loaded = o.load(config or path)
    typer.echo(f"{loaded.path}: ok (version {loaded.config.version}, sha256 {loaded.sha256})")
