"""SHELL: write one output file atomically, under an exclusive lock on its directory."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from socprio.write.plan import OutputPlan


def write_output(
    path: Path, data: bytes | str | Iterable[str], *, mode: int, bom: bool = False
) -> None:
    """Atomically replace ``path`` under an exclusive lock on its directory (a one-target
    ``OutputPlan``; a run with several outputs should declare them all on one plan).

    ``data`` is bytes (written as they are) or text, whole or in chunks (UTF-8, with a BOM
    when ``bom``). A concurrent run gets LockedError (75) and touches nothing; on any failure,
    SIGTERM included, the previous file is intact and no temporary file is left. A device,
    FIFO or descriptor alias (``/dev/null``, ``/dev/stdout``) is written through, never
    replaced; another special file is refused (73).
    """
    plan = OutputPlan()
    target = plan.file(path, mode=mode)
    with plan.locked():
        plan.stage(target, data, bom=bom)
        plan.commit()
