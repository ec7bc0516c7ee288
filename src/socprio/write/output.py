"""SHELL: write one output file atomically, under an exclusive lock on its directory."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from socprio.write.atomic import (
    atomic_write_bytes,
    atomic_write_text,
    directory_lock,
    sweep_stale_temps,
    terminate_as_exit,
)


def write_output(
    path: Path, data: bytes | str | Iterable[str], *, mode: int, bom: bool = False
) -> None:
    """Atomically replace ``path`` under an exclusive lock on its directory.

    ``data`` is bytes (written as they are) or text, whole or in chunks (UTF-8, with a BOM
    when ``bom``). A concurrent run gets LockedError (75) and touches nothing; on any failure,
    SIGTERM included, the previous file is intact and no temporary file is left.
    """
    directory = path.parent if str(path.parent) else Path()
    with terminate_as_exit(), directory_lock(directory):
        sweep_stale_temps(directory)
        if isinstance(data, bytes):
            atomic_write_bytes(path, data, mode=mode)
        else:
            atomic_write_text(path, data, mode=mode, bom=bom)
