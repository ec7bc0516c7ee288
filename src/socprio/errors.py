"""Exceptions that own their message and exit code.

The one error boundary in ``cli.py`` prints ``str(err)`` and exits with ``err.exit_code``.
Messages name places (file, line, column), never record values: cron mails stderr and the
data is OFFICIAL-SENSITIVE.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (sysexits), documented in the README."""

    OK = 0
    BUG = 1
    USAGE = 2
    PARTIAL = 3  # ranked and written, but --exclude-invalid left rejected records out
    DATA = 65  # invalid data: the input was read but is not acceptable
    NO_INPUT = 66  # input missing, unreadable as a file, or not a CSV at all
    CANT_CREATE = 73  # an output file or directory cannot be created
    IO = 74  # an I/O error while reading or writing
    LOCKED = 75  # another run holds the lock
    CONFIG = 78  # invalid configuration


def where(file: str, line: int | None = None, column: int | str | None = None) -> str:
    """Format a location as ``file:line:col`` (config) or ``file, line N, column 'c'`` (CSV)."""
    if isinstance(column, int) or column is None:
        parts = [file]
        if line is not None:
            parts.append(str(line))
            if column is not None:
                parts.append(str(column))
        return ":".join(parts)
    if line is None:
        return f"{file}, column '{column}'"
    return f"{file}, line {line}, column '{column}'"


class SocprioError(Exception):
    """Base class: a user-facing failure with its own message and exit code."""

    exit_code: ExitCode = ExitCode.BUG
    report: str = ""  # details printed before the message (e.g. every rejected record)
    kind: str = "error"  # the word after "socprio:" on stderr

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.file is None:
            return self.message
        return f"{where(self.file, self.line, self.column)}: {self.message}"


class DataError(SocprioError):
    """The input was read but cannot be accepted exactly (encoding, structure, values)."""

    exit_code = ExitCode.DATA


class NoInputError(SocprioError):
    """The input is missing, is a directory, or is not a CSV file at all (e.g. an .xlsx)."""

    exit_code = ExitCode.NO_INPUT


class OutputError(SocprioError):
    """An output file or directory cannot be created."""

    exit_code = ExitCode.CANT_CREATE


class IOFailure(SocprioError):
    """An operating-system I/O error while reading or writing."""

    exit_code = ExitCode.IO


class LockedError(SocprioError):
    """Another socprio run holds the lock on the output directory."""

    exit_code = ExitCode.LOCKED


class ConfigError(SocprioError):
    """The configuration file is unsafe or invalid; located as ``file:line:col``."""

    exit_code = ExitCode.CONFIG


class UsageError(SocprioError):
    """The command line is inconsistent in a way typer cannot check by itself."""

    exit_code = ExitCode.USAGE


class PartialRun(SocprioError):
    """The run finished and wrote its outputs, but left out the records --exclude-invalid
    excluded: exit 3, so that cron still notices."""

    exit_code = ExitCode.PARTIAL
    kind = "warning"
