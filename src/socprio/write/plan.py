"""SHELL: a run's outputs as one transaction: declare, check and lock up front; stage; commit.

    plan = OutputPlan()
    out = plan.file(Path("out/ranking.csv"), mode=0o600)
    with plan.locked():                   # every check and every lock, before input is read
        result = assess(...)              # may fail: nothing is written anywhere
        plan.stage(out, chunks, bom=True) # streamed to a temp file beside the target
        plan.commit()                     # fsync'd temps renamed into place

``locked()`` checks every target (directory exists and is writable, name fits, the path is
not a special file), then takes every directory lock in a fixed order, non-blocking
(LockedError, exit 75, on contention, with every lock already taken released), then lets each
target sweep its own orphans. Any failure before ``commit()`` leaves every target untouched
and removes every temp; SIGTERM and SIGHUP become SystemExit inside the block, so that holds
for them too. SIGKILL leaves temps that the next run sweeps (see ``owner``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Protocol, TypeVar

from socprio.errors import OutputError
from socprio.write.atomic import (
    DEFAULT_MODE,
    UTF8_BOM,
    directory_lock,
    install,
    os_error,
    sweep_stale_temps,
    terminate_as_exit,
    write_temp,
)
from socprio.write.target import Kind, resolve_output

Data = bytes | str | Iterable[str] | Iterable[bytes]


class Target(Protocol):
    """One declared output. The plan calls, in order: ``check`` (no side effects),
    ``lock_dirs`` (may create a directory it owns, e.g. the archive), ``prepare`` (under the
    locks: sweep orphans, refuse what exists), then ``seal`` and ``publish`` on commit, and
    ``discard`` always, last."""

    stream: bool

    def check(self) -> None: ...
    def lock_dirs(self) -> Sequence[Path]: ...
    def prepare(self) -> None: ...
    def seal(self) -> None: ...
    def publish(self) -> None: ...
    def discard(self) -> None: ...


T = TypeVar("T", bound=Target)


def encode(data: Data, *, bom: bool = False) -> Iterator[bytes]:
    """``data`` as UTF-8 byte chunks (bytes pass through), with a BOM first when ``bom``."""
    if bom:
        yield UTF8_BOM
    parts: Iterable[bytes | str] = (data,) if isinstance(data, bytes | str) else data
    for chunk in parts:
        yield chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")


class FileOutput:
    """A file replaced atomically, or a device/FIFO/descriptor written through (see target)."""

    stream = False

    def __init__(self, path: Path, *, mode: int = DEFAULT_MODE) -> None:
        self.path = path
        self.mode = mode
        self._tmp: Path | None = None
        self._chunks: list[bytes] | None = None
        self._kind = Kind.FILE
        self._fd: int | None = None

    def check(self) -> None:
        resolved = resolve_output(self.path)
        self._kind, self._fd = resolved.kind, resolved.fd
        self.stream = resolved.kind is Kind.STREAM

    def lock_dirs(self) -> Sequence[Path]:
        return [] if self.stream else [self.path.parent]

    def prepare(self) -> None:
        if not self.stream:
            sweep_stale_temps(self.path.parent)

    def stage(self, data: Data, *, bom: bool = False) -> None:
        """Stream ``data`` to a synced temp beside the file (a stream target keeps it in
        memory until commit: there is nowhere beside a device to put it)."""
        if self._tmp is not None or self._chunks is not None:
            raise ValueError(f"{self.path} is already staged")
        if self.stream:
            self._chunks = list(encode(data, bom=bom))
        else:
            self._tmp = write_temp(self.path, encode(data, bom=bom), mode=self.mode)

    def seal(self) -> None:
        if self._tmp is None and self._chunks is None:
            raise ValueError(f"nothing was staged for {self.path}")

    def publish(self) -> None:
        if self._tmp is not None:
            tmp, self._tmp = self._tmp, None
            install(tmp, self.path)
        elif self._chunks is not None:
            chunks, self._chunks = self._chunks, None
            _write_through(self.path, self._fd, chunks)

    def discard(self) -> None:
        self._chunks = None
        if self._tmp is not None:
            with suppress(OSError):
                self._tmp.unlink()
            self._tmp = None


def _write_through(path: Path, alias: int | None, chunks: list[bytes]) -> None:
    """Write ``chunks`` in place: to a duplicate of descriptor ``alias`` (sharing its offset,
    as the shell's redirection expects), else to ``path`` opened without create or truncate."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    try:
        if alias is not None:
            fd = os.dup(alias)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise os_error(exc, path, "open the output") from None
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise os_error(exc, path, "write the output") from None
    finally:
        os.close(fd)


class OutputPlan:
    """Every output of one run, checked and locked up front and committed together."""

    def __init__(self) -> None:
        self._targets: list[Target] = []
        self._locked = False
        self._committed = False

    def file(self, path: Path, *, mode: int = DEFAULT_MODE) -> FileOutput:
        """Declare an output file (or device, FIFO, descriptor alias: see ``target``)."""
        return self.add(FileOutput(path, mode=mode))

    def add(self, target: T) -> T:
        """Declare any other target (e.g. ``history.archive.ArchiveWeek``)."""
        if self._locked:
            raise ValueError("declare every target before locked()")
        self._targets.append(target)
        return target

    @contextmanager
    def locked(self) -> Iterator[OutputPlan]:
        """Check every target, take every lock, sweep; on leaving, release the locks and remove
        whatever was staged but not committed."""
        if self._locked or self._committed:
            raise ValueError("a plan is locked once")
        with terminate_as_exit(), ExitStack() as stack:
            for target in self._targets:
                target.check()
            for directory in _lock_order(t.lock_dirs() for t in self._targets):
                stack.enter_context(directory_lock(directory))
            self._locked = True
            try:
                for target in self._targets:
                    target.prepare()
                yield self
            finally:
                self._locked = False
                for target in self._targets:
                    target.discard()

    def stage(self, target: FileOutput, data: Data, *, bom: bool = False) -> None:
        """Stage ``data`` (bytes, text, or an iterator of either) for a declared file."""
        self._require_locked(target)
        target.stage(data, bom=bom)

    def commit(self) -> None:
        """Seal every target (all must be staged), then publish: files and archive weeks in the
        order declared, streams last. Before the first rename nothing is visible."""
        if not self._locked or self._committed:
            raise ValueError("commit() once, inside locked()")
        for target in self._targets:
            target.seal()
        self._committed = True
        for target in sorted(self._targets, key=lambda t: t.stream):
            target.publish()

    def _require_locked(self, target: Target) -> None:
        if not self._locked or self._committed:
            raise ValueError("stage inside locked(), before commit()")
        if not any(t is target for t in self._targets):
            raise ValueError("stage only a target declared on this plan")


def _lock_order(groups: Iterable[Sequence[Path]]) -> list[Path]:
    """Each directory once (by device and inode), in a fixed order (by real path)."""
    seen: dict[tuple[int, int], Path] = {}
    for directory in (d for group in groups for d in group):
        try:
            info = directory.stat()
        except OSError as exc:
            raise os_error(exc, directory, "use the output directory") from None
        seen.setdefault((info.st_dev, info.st_ino), directory)
    return sorted(seen.values(), key=lambda d: str(d.resolve()))


__all__ = ["Data", "FileOutput", "OutputError", "OutputPlan", "Target", "encode"]
