"""SHELL: the ``socprio`` command line, one module per command group."""

from socprio.cli.app import app, main

__all__ = ["app", "main"]
