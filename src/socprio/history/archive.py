"""SHELL: the run archive, one run per as-of date, each replaced as a whole.

Layout: ``DIR/<YYYY-MM-DD>`` is a relative symlink to a hidden, versioned directory
``DIR/.<YYYY-MM-DD>.<host>-<pid>-<random>/`` holding ``ranking.csv``, ``ranking.json`` and
``manifest.json``; ``DIR/latest`` links to the newest complete week. A run is built in full
in a fresh hidden directory (files and manifest synced) and published by renaming one symlink
over ``DIR/<as-of>``: a reader sees the whole old run or the whole new one, never a mix; a
killed run leaves an unreferenced hidden directory that the next run removes. Weeks archived
before this layout (plain directories) are still read, and on ``--replace`` are moved aside
then swapped; a run killed between those two renames is restored by the next run.

Rerunning a week needs ``replace=True`` (``--replace``): otherwise OutputError, exit 73. The
new manifest's ``replaces.manifest_sha256`` is the SHA-256 of the manifest it replaced.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socprio.errors import NoInputError, OutputError
from socprio.history.manifest import (
    CONFIG_NAME,
    CSV_NAME,
    INPUT_NAME,
    JSON_NAME,
    MANIFEST_NAME,
    SOURCE_NAMES,
    build_manifest,
    manifest_bytes,
    output_hashes,
    sha256_hex,
    verified_run,
)
from socprio.history.previous import Previous, read_ranking
from socprio.history.weekstore import (
    LATEST,
    WEEK,
    day_of,
    point_latest,
    recover,
    swap,
    sync,
    week_dir,
    write_new,
)
from socprio.write.atomic import (
    os_error,
)
from socprio.write.owner import host_token
from socprio.write.plan import OutputPlan, encode
from socprio.write.target import check_directory

if TYPE_CHECKING:
    from socprio.pipeline.result import Assessment

__all__ = [
    "CSV_NAME",
    "JSON_NAME",
    "LATEST",
    "MANIFEST_NAME",
    "ArchiveRun",
    "ArchiveWeek",
    "archive_ranking",
    "build_manifest",
    "load_ranking",
    "manifest_bytes",
    "output_hashes",
    "previous_run",
    "runs",
    "write_run",
]

DIR_MODE = 0o700


@dataclass(frozen=True)
class ArchiveRun:
    """One dated run in the archive; ``complete`` when its manifest exists."""

    as_of: date
    path: Path
    complete: bool


class ArchiveWeek:
    """The archive week of one run, as an ``OutputPlan`` target: locks ``archive_dir``,
    refuses an existing week unless ``replace``, builds the run beside it, swaps it in."""

    stream = False

    def __init__(self, archive_dir: Path, as_of: date, *, replace: bool, mode: int) -> None:
        self.archive_dir = archive_dir
        self.as_of = as_of
        self.replace = replace
        self.mode = mode
        self.replaces: dict[str, str | None] | None = None
        self._build: Path | None = None
        self._hashes: dict[str, str] = {}
        self._finished = False

    @property
    def entry(self) -> Path:
        return self.archive_dir / self.as_of.isoformat()

    def check(self) -> None:
        if os.path.lexists(self.archive_dir):
            check_directory(self.archive_dir, what="archive directory")
        else:
            check_directory(self.archive_dir.parent, what="archive's parent directory")

    def lock_dirs(self) -> Sequence[Path]:
        try:
            self.archive_dir.mkdir(mode=DIR_MODE)
            self.archive_dir.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask
        except FileExistsError:
            pass
        except OSError as exc:
            raise os_error(exc, self.archive_dir, "create the archive directory") from None
        return [self.archive_dir]

    def prepare(self) -> None:
        recover(self.archive_dir)
        entry = self.entry
        if not os.path.lexists(entry):
            return
        found = week_dir(entry)
        if found is None:
            raise OutputError("is not an archive run; move it away", file=str(entry))
        if not self.replace:
            raise OutputError(
                f"week {self.as_of} is already archived; pass --replace to rerun it",
                file=str(entry),
            )
        try:
            digest: str | None = sha256_hex((found / MANIFEST_NAME).read_bytes())
        except OSError:
            digest = None  # an incomplete older run: nothing to verify against
        self.replaces = {"manifest_sha256": digest}

    def write(self, name: str, chunks: Iterable[bytes]) -> str:
        """Write ``name`` (ranking.csv, ranking.json, input.csv or config.yaml) into the new
        run; return its SHA-256."""
        if (
            name not in (CSV_NAME, JSON_NAME, *SOURCE_NAMES)
            or name in self._hashes
            or self._finished
        ):
            raise ValueError(f"cannot stage {name} now")
        self._hashes[name] = write_new(self._build_dir() / name, chunks, self.mode)
        return self._hashes[name]

    def finish(self, manifest: Mapping[str, Any]) -> None:
        """Write the manifest (it must record the hashes written), with ``replaces``."""
        if manifest.get("as_of") != self.as_of.isoformat():
            raise ValueError("manifest as_of does not match the run's as_of")
        recorded = {k: v.get("sha256") for k, v in dict(manifest.get("outputs", {})).items()}
        sources = {k: v.get("sha256") for k, v in dict(manifest.get("sources", {})).items()}
        if recorded | sources != self._hashes or set(recorded) != {CSV_NAME, JSON_NAME}:
            raise ValueError("manifest output hashes do not match the bytes being written")
        full = dict(manifest) | ({"replaces": self.replaces} if self.replaces else {})
        build = self._build_dir()
        write_new(build / MANIFEST_NAME, [manifest_bytes(full)], self.mode)
        sync(build)
        sync(self.archive_dir)
        self._finished = True

    def seal(self) -> None:
        if not self._finished:
            raise ValueError(f"nothing was staged for the archive week {self.as_of}")

    def publish(self) -> None:
        assert self._build is not None
        old = swap(self.entry, self._build)
        self._build = None
        newest = max(r.as_of for r in runs(self.archive_dir) if r.complete)
        point_latest(self.archive_dir, newest.isoformat())
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)  # else the next run's recover() does

    def discard(self) -> None:
        if self._build is not None:
            shutil.rmtree(self._build, ignore_errors=True)
            self._build = None

    def _build_dir(self) -> Path:
        if self._build is None:
            tag = f"{host_token()}-{os.getpid()}-{secrets.token_hex(4)}"
            build = self.archive_dir / f".{self.as_of.isoformat()}.{tag}"
            try:
                build.mkdir(mode=DIR_MODE)
                build.chmod(DIR_MODE)
            except OSError as exc:
                raise os_error(exc, build, "create the run directory") from None
            self._build = build
        return self._build


def runs(archive_dir: Path) -> list[ArchiveRun]:
    """Every dated run in the archive, oldest first (a symlink elsewhere is not a run)."""
    try:
        entries = list(archive_dir.iterdir())
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise os_error(exc, archive_dir, "list the archive") from None
    found: list[ArchiveRun] = []
    for entry in entries:
        day = day_of(entry.name) if WEEK.match(entry.name) else None
        held = week_dir(entry) if day is not None else None
        if day is not None and held is not None:
            found.append(ArchiveRun(day, entry, (held / MANIFEST_NAME).is_file()))
    return sorted(found, key=lambda r: r.as_of)


def previous_run(archive_dir: Path, *, before: date) -> Path | None:
    """The newest complete run strictly before ``before``, or None (a rerun skips itself)."""
    earlier = [r for r in runs(archive_dir) if r.complete and r.as_of < before]
    return earlier[-1].path if earlier else None


def load_ranking(path: Path) -> Previous:
    """Read a ranking CSV/JSON, or an archive run directory (its ranking.csv).

    A run directory, or a file in one (a dated directory, or one with a manifest), is verified
    against its manifest first: every file it names must have the SHA-256 recorded there, and
    a run without one is refused (DataError, exit 65, naming the file). The as-of date comes
    from the JSON meta or the run's date.
    """
    if path.is_dir():
        run_dir, name = path.resolve(), CSV_NAME
    else:
        resolved = path.resolve()
        run_dir, name = resolved.parent, resolved.name
        if day_of(run_dir.name) is None and not (run_dir / MANIFEST_NAME).exists():
            return read_ranking(_read(path), source=str(path))
    data, manifest = verified_run(run_dir, read=name)
    assert data is not None
    earlier = read_ranking(data, source=str(run_dir / name), as_of=day_of(run_dir.name))
    return with_manifest_config(earlier, manifest)


def with_manifest_config(earlier: Previous, manifest: Any) -> Previous:
    """``earlier`` with the config SHA-256 and summary its run's (parsed) manifest records
    (the CSV carries neither); unchanged when the manifest has none (runs before the summary)."""
    import dataclasses

    config = manifest.get("config") if isinstance(manifest, dict) else None
    if not isinstance(config, dict):
        return earlier
    sha, summary = config.get("sha256"), config.get("summary")
    return dataclasses.replace(
        earlier,
        config_sha256=sha if isinstance(sha, str) else earlier.config_sha256,
        config_summary=summary if isinstance(summary, dict) else earlier.config_summary,
    )


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise NoInputError("ranking file not found", file=str(file)) from None
    except IsADirectoryError:
        raise NoInputError("ranking path is a directory", file=str(file)) from None
    except OSError as exc:
        raise os_error(exc, file, "read the ranking") from None


def write_run(
    archive_dir: Path,
    *,
    as_of: date,
    csv_bytes: bytes,
    json_bytes: bytes,
    manifest: Mapping[str, Any],
    mode: int,
    replace: bool = False,
) -> Path:
    """Archive one run under ``archive_dir/<as_of>`` on its own plan (lock, build, swap) and
    point ``latest`` at the newest run. Returns ``archive_dir/<as_of>``."""
    plan = OutputPlan()
    week = plan.add(ArchiveWeek(archive_dir, as_of, replace=replace, mode=mode))
    with plan.locked():
        week.write(CSV_NAME, [csv_bytes])
        week.write(JSON_NAME, [json_bytes])
        week.finish(manifest)
        plan.commit()
    return week.entry


def archive_ranking(
    target: Path | ArchiveWeek,
    a: Assessment,
    *,
    argv: Sequence[str],
    replace: bool = False,
    now: datetime | None = None,
    sources: Mapping[str, bytes] | None = None,
    replay: Mapping[str, Any] | None = None,
) -> Path:
    """Render the whole assessment as CSV and JSON and archive it with its manifest.

    ``sources`` (``input.csv`` and ``config.yaml``: the exact bytes ranked, which must have
    the SHA-256 the provenance records) are kept beside the ranking, listed in the manifest
    with ``replay`` (the options ``socprio replay`` re-runs the week with).

    ``target`` is an ``ArchiveWeek`` declared on the caller's ``OutputPlan`` (staged here,
    published by ``plan.commit()``), or an archive directory (then a plan of its own is
    locked and committed here; ``replace`` allows rerunning an archived week).
    """
    if isinstance(target, Path):
        plan = OutputPlan()
        mode = a.config.output.mode
        week = plan.add(ArchiveWeek(target, a.provenance.as_of, replace=replace, mode=mode))
        with plan.locked():
            archive_ranking(week, a, argv=argv, now=now, sources=sources, replay=replay)
            plan.commit()
        return week.entry
    from socprio.present.csvout import csv_chunks
    from socprio.present.jsonout import json_chunks

    csv_sha = target.write(CSV_NAME, encode(csv_chunks(a), bom=True))
    json_sha = target.write(JSON_NAME, encode(json_chunks(a)))
    source_hashes = _write_sources(target, a, sources) if sources is not None else None
    manifest = build_manifest(
        provenance_meta=a.provenance.meta(),
        output_hashes={CSV_NAME: csv_sha, JSON_NAME: json_sha},
        argv=list(argv),
        now=now or datetime.now(UTC),
        source_hashes=source_hashes,
        replay=replay,
    )
    target.finish(manifest)
    return target.entry


def _write_sources(
    target: ArchiveWeek, a: Assessment, sources: Mapping[str, bytes]
) -> dict[str, str]:
    """Write the exact input and config bytes; each must be what the run ranked."""
    expected = {INPUT_NAME: a.provenance.input_sha256, CONFIG_NAME: a.provenance.config.sha256}
    if set(sources) != set(expected):
        raise ValueError(f"sources must be exactly {INPUT_NAME} and {CONFIG_NAME}")
    hashes = {name: target.write(name, [sources[name]]) for name in SOURCE_NAMES}
    if hashes != expected:
        raise ValueError("the archived input or config is not what the run ranked")
    return hashes
