"""SHELL: the run archive, one directory per as-of date, with an audit manifest per run.

Layout: ``DIR/<YYYY-MM-DD>/{ranking.csv, ranking.json, manifest.json}`` plus ``DIR/latest``, a
symlink to the newest complete run. ``manifest.json`` is written last and removed first on a
rerun, so a run directory with a manifest always holds exactly the files it describes.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import platform
import re
import secrets
import shlex
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socprio.errors import DataError, NoInputError, OutputError
from socprio.history.previous import Previous, read_ranking

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment

from socprio.write.atomic import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    atomic_write_bytes,
    directory_lock,
    fsync_dir,
    os_error,
    sweep_stale_temps,
    terminate_as_exit,
)

CSV_NAME = "ranking.csv"
JSON_NAME = "ranking.json"
MANIFEST_NAME = "manifest.json"
LATEST = "latest"
DIR_MODE = 0o700
MANIFEST_VERSION = 1
PACKAGES = ("socprio", "typer", "pydantic", "pyyaml", "rich", "pandas", "numpy")
COUNT_KEYS = ("read", "ranked", "rejected", "skipped")
_LINK_TEMP = f"{TEMP_PREFIX}latest-"
_WEEK = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ArchiveRun:
    """One dated directory in the archive; ``complete`` when its manifest exists."""

    as_of: date
    path: Path
    complete: bool


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as lower-case hex (what ``sha256sum`` prints)."""
    return hashlib.sha256(data).hexdigest()


def output_hashes(csv_bytes: bytes, json_bytes: bytes) -> dict[str, str]:
    """SHA-256 of the two ranking files as they will be written, keyed by file name."""
    return {CSV_NAME: sha256_hex(csv_bytes), JSON_NAME: sha256_hex(json_bytes)}


def current_user() -> str:
    """The login name, or ``uid:<n>`` when there is none (cron in a bare container)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    """Installed distribution versions; None for one that is not installed."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def build_manifest(
    *,
    provenance_meta: Mapping[str, Any],
    output_hashes: Mapping[str, str],
    argv: Sequence[str],
    now: datetime,
) -> dict[str, Any]:
    """The audit record of one run, from ``Provenance.meta()`` and the output hashes.

    ``provenance_meta["counts"]`` must hold read, ranked, rejected and skipped (or
    blank_skipped); every other count is kept too. ``now`` must be timezone-aware. Raises
    ValueError otherwise (a programming error, not bad data).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    counts = dict(provenance_meta["counts"])
    if "skipped" not in counts and "blank_skipped" in counts:
        counts["skipped"] = counts["blank_skipped"]  # the name ``socprio rank`` uses
    missing = [k for k in COUNT_KEYS if k not in counts]
    if missing:
        raise ValueError(f"provenance counts lack {', '.join(missing)}")
    if set(output_hashes) != {CSV_NAME, JSON_NAME}:
        raise ValueError(f"output_hashes must name exactly {CSV_NAME} and {JSON_NAME}")
    config = provenance_meta["config"]
    source = provenance_meta["input"]
    return {
        "manifest_version": MANIFEST_VERSION,
        "marking": provenance_meta["marking"],
        "tool": "socprio",
        "tool_version": provenance_meta["tool_version"],
        "as_of": provenance_meta["as_of"],
        "created_utc": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "user": current_user(),
        "command_line": shlex.join(argv),
        "argv": list(argv),
        "config": dict(config),
        "input": {"path": source["path"], "sha256": source["sha256"], "counts": counts},
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "packages": package_versions(),
        "outputs": {name: {"sha256": digest} for name, digest in sorted(output_hashes.items())},
    }


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as written: indented UTF-8 JSON with a final newline."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_run(
    archive_dir: Path,
    *,
    as_of: date,
    csv_bytes: bytes,
    json_bytes: bytes,
    manifest: Mapping[str, Any],
    mode: int,
) -> Path:
    """Archive one run under ``archive_dir/<as_of>/`` and point ``latest`` at the newest run.

    Holds ``directory_lock(archive_dir)`` (LockedError, exit 75, when another run holds it).
    A rerun for the same ``as_of`` replaces that directory's files only; other runs are never
    touched. Returns the run directory.
    """
    _check_manifest(manifest, as_of=as_of, csv_bytes=csv_bytes, json_bytes=json_bytes)
    _make_dir(archive_dir, follow=True)
    with terminate_as_exit(), directory_lock(archive_dir):
        sweep_stale_temps(archive_dir)
        _remove_link_temps(archive_dir)
        run_dir = archive_dir / as_of.isoformat()
        _make_dir(run_dir, follow=False)
        sweep_stale_temps(run_dir)
        _unlink(run_dir / MANIFEST_NAME)  # the run is incomplete until the new manifest lands
        atomic_write_bytes(run_dir / CSV_NAME, csv_bytes, mode=mode)
        atomic_write_bytes(run_dir / JSON_NAME, json_bytes, mode=mode)
        atomic_write_bytes(run_dir / MANIFEST_NAME, manifest_bytes(manifest), mode=mode)
        newest = max(r.as_of for r in runs(archive_dir) if r.complete)
        _point_latest(archive_dir, newest.isoformat())
    return run_dir


def _check_manifest(
    manifest: Mapping[str, Any], *, as_of: date, csv_bytes: bytes, json_bytes: bytes
) -> None:
    """ValueError unless the manifest describes exactly these bytes and this date."""
    if manifest.get("as_of") != as_of.isoformat():
        raise ValueError("manifest as_of does not match the run's as_of")
    recorded = {k: v.get("sha256") for k, v in dict(manifest.get("outputs", {})).items()}
    if recorded != output_hashes(csv_bytes, json_bytes):
        raise ValueError("manifest output hashes do not match the bytes being written")


def _make_dir(path: Path, *, follow: bool) -> None:
    """Create ``path`` with mode 0700 if missing; a file there, or (unless ``follow``) a
    symlink, is an OutputError."""
    if not follow and path.is_symlink():
        raise OutputError("is a symlink, not a run directory", file=str(path))
    try:
        path.mkdir(mode=DIR_MODE)
        path.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask
    except FileExistsError:
        if not path.is_dir():
            raise OutputError("exists and is not a directory", file=str(path)) from None
    except OSError as exc:
        raise os_error(exc, path, "create the archive directory") from None


def _unlink(path: Path) -> None:
    """Remove ``path`` if present and make the removal durable."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise os_error(exc, path, "remove the old manifest") from None
    fsync_dir(path.parent)


def _remove_link_temps(archive_dir: Path) -> None:
    """Remove temp symlinks left by a killed run (call only while holding the lock)."""
    for entry in archive_dir.glob(f"{_LINK_TEMP}*{TEMP_SUFFIX}"):
        if entry.is_symlink():
            with suppress(OSError):
                entry.unlink()


def _point_latest(archive_dir: Path, target: str) -> None:
    """Make ``archive_dir/latest`` a symlink to ``target`` by an atomic rename."""
    temp = archive_dir / f"{_LINK_TEMP}{secrets.token_hex(8)}{TEMP_SUFFIX}"
    link = archive_dir / LATEST
    try:
        try:
            temp.symlink_to(target)
            temp.replace(link)
        except BaseException:
            with suppress(OSError):
                temp.unlink()
            raise
        fsync_dir(archive_dir)
    except OSError as exc:
        raise os_error(exc, link, "update the latest pointer") from None


def runs(archive_dir: Path) -> list[ArchiveRun]:
    """Every dated run directory in the archive (not symlinks), oldest first."""
    try:
        entries = list(archive_dir.iterdir())
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise os_error(exc, archive_dir, "list the archive") from None
    found: list[ArchiveRun] = []
    for entry in entries:
        day = _parse_week(entry.name)
        if day is None or entry.is_symlink() or not entry.is_dir():
            continue
        found.append(ArchiveRun(day, entry, (entry / MANIFEST_NAME).is_file()))
    return sorted(found, key=lambda r: r.as_of)


def _parse_week(name: str) -> date | None:
    """The date of a ``YYYY-MM-DD`` directory name, else None."""
    if not _WEEK.match(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def previous_run(archive_dir: Path, *, before: date) -> Path | None:
    """The newest complete run strictly before ``before``, or None (a rerun skips itself)."""
    earlier = [r for r in runs(archive_dir) if r.complete and r.as_of < before]
    return earlier[-1].path if earlier else None


def load_ranking(path: Path) -> Previous:
    """Read a ranking CSV/JSON, or a run directory (its ranking.csv), for movement or diff.

    The as-of date comes from the JSON meta or a ``YYYY-MM-DD`` directory name. A file named
    in a sibling manifest must still have the hash recorded there (DataError if not).
    """
    file = path / CSV_NAME if path.is_dir() else path
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise NoInputError("ranking file not found", file=str(file)) from None
    except IsADirectoryError:
        raise NoInputError("ranking path is a directory", file=str(file)) from None
    except OSError as exc:
        raise os_error(exc, file, "read the ranking") from None
    _verify_against_manifest(file, data)
    return read_ranking(data, source=str(file), as_of=_parse_week(file.parent.name))


def _verify_against_manifest(file: Path, data: bytes) -> None:
    """DataError when a sibling manifest records a different SHA-256 for ``file``."""
    manifest = file.parent / MANIFEST_NAME
    try:
        doc = json.loads(manifest.read_bytes())
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        raise DataError("archive manifest is unreadable", file=str(manifest)) from None
    outputs = doc.get("outputs") if isinstance(doc, dict) else None
    entry = outputs.get(file.name) if isinstance(outputs, dict) else None
    if isinstance(entry, dict) and entry.get("sha256") != sha256_hex(data):
        raise DataError(
            f"{file.name} does not match the SHA-256 in {MANIFEST_NAME}: changed after archiving",
            file=str(file),
        )


def archive_ranking(
    archive_dir: Path, a: Assessment, *, argv: Sequence[str], now: datetime | None = None
) -> Path:
    """Render the whole assessment as CSV and JSON and archive it with its manifest."""
    from socprio.present.csvout import to_csv
    from socprio.present.jsonout import to_json
    from socprio.write.atomic import UTF8_BOM

    csv_bytes = UTF8_BOM + to_csv(a).encode("utf-8")
    json_bytes = to_json(a).encode("utf-8")
    manifest = build_manifest(
        provenance_meta=a.provenance.meta(),
        output_hashes=output_hashes(csv_bytes, json_bytes),
        argv=list(argv),
        now=now or datetime.now(UTC),
    )
    return write_run(
        archive_dir,
        as_of=a.provenance.as_of,
        csv_bytes=csv_bytes,
        json_bytes=json_bytes,
        manifest=manifest,
        mode=a.config.output.mode,
    )
