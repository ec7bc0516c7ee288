"""SHELL: read the input file (or stdin) as bytes, decoded and parsed into a CSV table."""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from socprio.errors import IOFailure, NoInputError
from socprio.read.csvtable import CsvTable, decode, parse

STDIN = "-"
Source = str | Path | bytes | BinaryIO  # a path, "-" for stdin, the bytes, or a binary stream


@dataclass(frozen=True)
class InputFile:
    """A parsed input table and the SHA-256 of the exact bytes it came from."""

    table: CsvTable
    sha256: str

    @property
    def source(self) -> str:
        """The name used in messages."""
        return self.table.source


def read_bytes(path: str) -> tuple[bytes, str]:
    """The raw bytes of ``path`` (``-`` is stdin) and the name to use in messages."""
    if path == STDIN:
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        return Path(path).read_bytes(), path
    except FileNotFoundError:
        raise NoInputError("input file not found", file=path) from None
    except IsADirectoryError:
        raise NoInputError("input is a directory, not a CSV file", file=path) from None
    except PermissionError:
        raise NoInputError("input file is not readable (permission denied)", file=path) from None
    except OSError as exc:
        raise IOFailure(f"cannot read input: {os.strerror(exc.errno or 0)}", file=path) from None


def source_bytes(source: Source) -> tuple[bytes, str]:
    """The raw bytes of any ``Source`` and the name to use in messages."""
    if isinstance(source, bytes):
        return source, "<bytes>"
    if isinstance(source, str | Path):
        return read_bytes(str(source))
    return source.read(), str(getattr(source, "name", "<stream>"))


def read_input(source: Source, *, encoding: str = "utf-8", delimiter: str = ",") -> InputFile:
    """Read, decode and structurally parse the input CSV."""
    data, name = source_bytes(source)
    sha256 = hashlib.sha256(data).hexdigest()
    text = decode(data, source=name, encoding=encoding)
    del data  # the file's bytes are not held while it is parsed (the caller may still hold them)
    return InputFile(table=parse(text, source=name, delimiter=delimiter), sha256=sha256)
