"""SHELL: what kind of thing an output path is, checked before anything is read or written.

- A missing path, a regular file, or a symlink (to a regular file, or dangling) is a **file**
  target: replaced atomically by rename, under a lock on its directory. A symlink there is
  replaced, not followed.
- A character device (``/dev/null``, ``/dev/tty``), a FIFO, or a file-descriptor alias
  (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N``) is a **stream**
  target: written through in place at commit, never replaced, never locked, and no temp or
  lock file is created beside it. Writing is not atomic (a stream cannot be).
- Anything else that exists (a directory, a block device, a socket) is refused: OutputError
  (exit 73). socprio never replaces a special file.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from socprio.errors import OutputError
from socprio.write.atomic import os_error

NAME_MAX = 255
_FD_ALIAS = re.compile(
    r"^/(?:dev/(?P<std>stdout|stderr)|dev/fd/(?P<n>\d+)|proc/self/fd/(?P<m>\d+))$"
)
_STD = {"stdout": 1, "stderr": 2}
_SPECIAL = (
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class Kind(Enum):
    """How an output is written."""

    FILE = "file"  # staged in a temp beside it, renamed into place under a directory lock
    STREAM = "stream"  # written through in place at commit (device, FIFO, descriptor)


@dataclass(frozen=True)
class Resolved:
    """A checked output path: its kind, the directory to lock (files), the descriptor (aliases)."""

    path: Path
    kind: Kind
    directory: Path | None = None
    fd: int | None = None


def fd_alias(path: Path) -> int | None:
    """The descriptor number ``path`` names (``/dev/stdout`` is 1), or None."""
    match = _FD_ALIAS.match(str(path.absolute()))
    if match is None:
        return None
    if match["std"]:
        return _STD[match["std"]]
    return int(match["n"] or match["m"])


def name_max(directory: Path) -> int:
    """The longest file name ``directory``'s file system allows (255 where unknown)."""
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return NAME_MAX


def check_directory(directory: Path, *, what: str = "output directory") -> None:
    """OutputError (73), naming ``directory``, unless it exists, is a directory and writable."""
    try:
        info = directory.stat()
    except FileNotFoundError:
        raise OutputError(f"{what} does not exist", file=str(directory)) from None
    except OSError as exc:
        raise os_error(exc, directory, f"use the {what}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{what} is not a directory", file=str(directory))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(f"{what} is not writable", file=str(directory))


def resolve_output(path: Path) -> Resolved:
    """Check ``path`` as an output and say how it will be written; OutputError (73) naming the
    offending place (the path, or its missing directory) when it cannot be."""
    alias = fd_alias(path)
    if alias is not None:
        try:
            os.fstat(alias)
        except OSError:
            raise OutputError(f"file descriptor {alias} is not open", file=str(path)) from None
        return Resolved(path, Kind.STREAM, fd=alias)
    if not path.name:
        raise OutputError("is not a file name", file=str(path))
    directory = path.parent
    size = len(os.fsencode(path.name))
    if size > name_max(directory if directory.is_dir() else Path()):
        raise OutputError(
            f"file name is too long ({size} bytes; the limit is {NAME_MAX})", file=str(path)
        )
    check_directory(directory)
    return Resolved(path, _existing_kind(path), directory=directory)


def _existing_kind(path: Path) -> Kind:
    """FILE for a missing path, a regular file or a symlink to one (or dangling); STREAM for a
    character device or FIFO; OutputError for any other existing thing."""
    try:
        info = path.stat()  # follows a symlink: what would a write reach?
    except FileNotFoundError:
        return Kind.FILE  # missing, or a dangling symlink (replaced, as any symlink)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Kind.FILE  # a symlink loop: the link itself is replaced
        raise os_error(exc, path, "check the output") from None
    if stat.S_ISREG(info.st_mode):
        return Kind.FILE
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        if path.is_symlink() and not _is_system_path(path):
            return _refuse(path, "a symlink to a device or FIFO")
        return Kind.STREAM
    for test, label in _SPECIAL:
        if test(info.st_mode):
            return _refuse(path, label)
    return _refuse(path, "not a regular file")


def _is_system_path(path: Path) -> bool:
    """True for paths under /dev or /proc (their symlinks are the system's, e.g. /dev/tty)."""
    return str(path.absolute()).startswith(("/dev/", "/proc/"))


def _refuse(path: Path, label: str) -> Kind:
    raise OutputError(f"is {label}, not a regular file; socprio never replaces it", file=str(path))
