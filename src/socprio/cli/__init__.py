"""SHELL: the ``socprio`` command line, one module per command group.

``app`` holds the one error boundary; each module registers its commands on import.
"""

import os

from socprio.cli import (
    compare,
    configure,
    data,
    decide,
    gaps,
    inspect,
    outcomes,
    quality,
    rank,
    replay,
    report,
    sample,
    slate,
)
from socprio.cli.app import app

__all__ = [
    "app",
    "compare",
    "configure",
    "data",
    "decide",
    "gaps",
    "inspect",
    "main",
    "outcomes",
    "quality",
    "rank",
    "replay",
    "report",
    "sample",
    "slate",
]


def main() -> None:
    """Console-script entry point."""
    # socprio uses no pydantic plugins; skipping their discovery saves a scan of every
    # installed package's metadata on each run (a user can still opt in by setting it).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
