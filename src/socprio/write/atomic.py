"""Crash-safe output on POSIX: atomic replace, a per-directory lock, stale-temp sweep, SIGTERM.

A reader of ``path`` sees either the previous file or the complete new one, never a partial
file. Messages name paths and OS reasons only, never the data (cron mails stderr).
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
import signal
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from socprio.errors import IOFailure, LockedError, OutputError, SocprioError
from socprio.write.owner import TEMP_PREFIX as TEMP_PREFIX
from socprio.write.owner import TEMP_SUFFIX as TEMP_SUFFIX
from socprio.write.owner import owned_name, owner_gone

DEFAULT_MODE = 0o600
LOCK_NAME = ".socprio.lock"
UTF8_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20

# The path or its directory cannot be created or written: exit 73. Anything else: I/O, exit 74.
_CANT_CREATE = frozenset(
    {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENAMETOOLONG,
        errno.ELOOP,
    }
)


def os_error(exc: OSError, path: Path, action: str) -> SocprioError:
    """Map an OSError to OutputError (73) or IOFailure (74); the message has no data in it."""
    reason = exc.strerror or type(exc).__name__
    if exc.errno in _CANT_CREATE:
        return OutputError(f"cannot {action}: {reason}", file=str(path))
    return IOFailure(f"I/O error while trying to {action}: {reason}", file=str(path))


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` in chunks (``os.write`` may write less)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:_CHUNK])
        view = view[written:]


def fsync_dir(directory: Path) -> None:
    """fsync a directory so a rename in it survives power loss; skipped where unsupported."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = DEFAULT_MODE) -> None:
    """Replace ``path`` with ``data`` atomically and durably (see ``atomic_write_chunks``)."""
    atomic_write_chunks(path, (data,), mode=mode)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], *, mode: int = DEFAULT_MODE) -> None:
    """Replace ``path`` with the concatenated ``chunks`` atomically and durably, with
    permissions ``mode``; the chunks are written as they are produced (bounded memory).

    Temp file in the same directory -> write -> fchmod -> fsync -> ``os.replace`` -> fsync dir.
    On any failure, KeyboardInterrupt and SystemExit included, the temp file is removed and the
    previous ``path`` is untouched. A symlink at ``path`` is replaced, not followed. Raises
    OutputError (73) when the file or its directory cannot be created, IOFailure (74) otherwise.
    """
    if path.is_dir():
        raise OutputError("cannot write the output: it is a directory", file=str(path))
    install(write_temp(path, chunks, mode=mode), path)


def create_temp(path: Path) -> tuple[int, Path]:
    """Create a new, empty, 0600 temp file owned by this process beside ``path``."""
    tmp = path.parent / owned_name()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(tmp, flags, 0o600), tmp
    except OSError as exc:
        raise os_error(exc, path, "create a file in its directory") from None


def write_temp(path: Path, chunks: Iterable[bytes], *, mode: int = DEFAULT_MODE) -> Path:
    """Write ``chunks`` to a new temp file beside ``path``, fchmod it to ``mode`` and fsync it;
    return the temp. On any failure the temp is removed and the error mapped (73 / 74)."""
    fd, tmp = create_temp(path)
    try:
        try:
            for data in chunks:
                _write_all(fd, data)
            os.fchmod(fd, mode)  # before fsync, so the mode is durable too; ignores umask
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise os_error(exc, path, "write the output") from None
        raise
    return tmp


def install(tmp: Path, path: Path) -> None:
    """Rename the synced temp ``tmp`` over ``path`` and fsync the directory. On a failed rename
    the temp is removed and ``path`` is untouched."""
    try:
        tmp.replace(path)
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise os_error(exc, path, "write the output") from None
        raise
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise os_error(exc, path, "sync the directory after writing the output") from None


def atomic_write_text(
    path: Path, text: str | Iterable[str], *, mode: int = DEFAULT_MODE, bom: bool = False
) -> None:
    """Atomically write ``text`` (a string or an iterable of string chunks) as UTF-8, with a
    BOM when ``bom``; newlines are not translated."""
    parts = (text,) if isinstance(text, str) else text
    encoded = (part.encode("utf-8") for part in parts)
    atomic_write_chunks(path, itertools.chain((UTF8_BOM,) if bom else (), encoded), mode=mode)


@contextmanager
def directory_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking ``flock`` on ``directory/.socprio.lock`` for the block.

    The lock file is created 0600 and never deleted (deleting a flock file races). The kernel
    releases the lock when the process dies, so there are no stale locks. A second holder, even
    in the same process, gets LockedError (exit 75).
    """
    lock_path = directory / LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise os_error(exc, lock_path, "open the lock file") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"another socprio run is writing to {directory} (lock file {lock_path})"
            ) from None
        except OSError as exc:
            raise os_error(exc, lock_path, "lock the output directory") from None
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def sweep_stale_temps(directory: Path, *, older_than_s: float = 3600) -> list[Path]:
    """Remove our own orphaned regular ``.socprio-*.tmp`` files; return them.

    A temp whose name says its owner ran on this host and boot and is gone is removed at once,
    whatever its age; a live owner's temp, or one from another host, is never removed; a legacy
    temp with no owner in its name is removed when older than ``older_than_s``. Files of
    another user are left alone. Best effort: a file that vanishes or resists is skipped.
    """
    cutoff = time.time() - older_than_s
    try:
        entries = list(directory.iterdir())
    except OSError as exc:
        raise os_error(exc, directory, "list the output directory") from None
    removed: list[Path] = []
    for entry in sorted(entries):
        if not (entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX)):
            continue
        gone = owner_gone(entry.name)
        try:
            info = entry.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or gone is False:
                continue
            if gone is None and info.st_mtime > cutoff:
                continue
            entry.unlink()
        except OSError:
            continue
        removed.append(entry)
    return removed


def _raise_exit(signum: int, frame: FrameType | None) -> None:
    """Signal handler: turn the signal into ``SystemExit(128 + signum)`` so cleanup runs."""
    raise SystemExit(128 + signum)


@contextmanager
def terminate_as_exit() -> Iterator[None]:
    """While active, SIGTERM and SIGHUP raise SystemExit(143 / 129) so ``finally`` blocks run.

    Restores the previous handlers on exit. A no-op outside the main thread, where Python
    cannot install signal handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_exit) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            # None means a handler installed outside Python: the default is the best we can do.
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
