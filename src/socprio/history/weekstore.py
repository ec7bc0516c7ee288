"""SHELL: the archive's on-disk steps: build a run's files, swap a week's symlink, recover.

See ``history.archive`` for the layout. Every step here runs under the archive lock.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from socprio.write.atomic import TEMP_PREFIX, fsync_dir, os_error, sweep_stale_temps
from socprio.write.owner import owned_name, owner_gone

LATEST = "latest"
WEEK = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VERSION = re.compile(r"^\.(?P<day>\d{4}-\d{2}-\d{2})\.(?P<tag>[0-9a-z][0-9a-z-]*)$")
LEGACY = "legacy-"


def day_of(name: str) -> date | None:
    """The date of ``YYYY-MM-DD`` or ``.YYYY-MM-DD.<tag>``, else None."""
    match = VERSION.match(name)
    text = match["day"] if match else name if WEEK.match(name) else None
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def week_dir(entry: Path) -> Path | None:
    """The directory holding the run ``entry`` names: its versioned target when ``entry`` is
    our symlink, ``entry`` itself when it is a plain (older layout) directory, else None."""
    if entry.is_symlink():
        target = str(entry.readlink())
        match = VERSION.match(target)
        if match is None or match["day"] != entry.name:
            return None
        found = entry.parent / target
        return found if found.is_dir() and not found.is_symlink() else None
    return entry if entry.is_dir() else None


def write_new(path: Path, chunks: Iterable[bytes], mode: int) -> str:
    """Create ``path`` (it must not exist), write, fchmod, fsync; return the SHA-256."""
    digest = hashlib.sha256()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
        try:
            for chunk in chunks:
                digest.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise os_error(exc, path, "write the archived run") from None
    return str(digest.hexdigest())


def sync(directory: Path) -> None:
    try:
        fsync_dir(directory)
    except OSError as exc:
        raise os_error(exc, directory, "sync the archive") from None


def swap(entry: Path, build: Path) -> Path | None:
    """Point ``entry`` at ``build`` by renaming a symlink over it; return the replaced run's
    directory (to remove). An older-layout directory is first moved aside as ``legacy``."""
    archive_dir = entry.parent
    link = archive_dir / owned_name()
    old: Path | None = None
    try:
        link.symlink_to(build.name)
        if entry.is_symlink():
            old = week_dir(entry)
        elif entry.is_dir():
            old = archive_dir / f".{entry.name}.{LEGACY}{secrets.token_hex(4)}"
            entry.rename(old)
        link.replace(entry)
        fsync_dir(archive_dir)
    except OSError as exc:
        link.unlink(missing_ok=True)
        raise os_error(exc, entry, "publish the archived run") from None
    return old


def recover(archive_dir: Path) -> None:
    """Under the archive lock: restore an older-layout week moved aside by a killed rerun,
    remove unreferenced run directories and orphaned temps and temp links."""
    sweep_stale_temps(archive_dir)
    try:
        entries = sorted(archive_dir.iterdir())
    except OSError as exc:
        raise os_error(exc, archive_dir, "list the archive") from None
    for entry in entries:
        if entry.name.startswith(TEMP_PREFIX) and entry.is_symlink():
            if owner_gone(entry.name) is not False:
                entry.unlink(missing_ok=True)
            continue
        match = VERSION.match(entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        week = archive_dir / match["day"]
        if week.is_symlink() and str(week.readlink()) == entry.name:
            continue  # the live version of its week
        if match["tag"].startswith(LEGACY) and not os.path.lexists(week):
            entry.rename(week)  # a rerun died between its two renames: the old run is back
        else:
            shutil.rmtree(entry, ignore_errors=True)
    fsync_dir(archive_dir)


def point_latest(archive_dir: Path, target: str) -> None:
    """Make ``archive_dir/latest`` a symlink to ``target`` by an atomic rename."""
    temp = archive_dir / owned_name()
    link = archive_dir / LATEST
    try:
        try:
            temp.symlink_to(target)
            temp.replace(link)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        fsync_dir(archive_dir)
    except OSError as exc:
        raise os_error(exc, link, "update the latest pointer") from None
