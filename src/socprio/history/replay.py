"""SHELL: re-run an archived week from the input and config it kept, and prove the ranking
files come out byte-identical.

``rank --archive`` keeps ``input.csv`` and ``config.yaml`` (the exact bytes) in the week with
their SHA-256 under ``sources`` in the manifest, and under ``replay`` the options the ranking
depends on (dormant groups, weight draws and seed, encoding, delimiter, and the previous run
it was compared with). ``replay_run`` verifies every archived file against the manifest,
re-runs ``assess`` with the same config path and input name (both are printed in the
ranking), renders ranking.csv and ranking.json again and compares their SHA-256 with the
manifest's. The manifest's own time, user and command line are not part of the proof.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from socprio.config.models import LoadedConfig
from socprio.errors import DataError
from socprio.history.manifest import (
    CONFIG_NAME,
    CSV_NAME,
    INPUT_NAME,
    JSON_NAME,
    MANIFEST_NAME,
    sha256_hex,
    sha256_of_chunks,
    verified_run,
)
from socprio.history.previous import Previous
from socprio.history.weekstore import week_dir


@dataclass(frozen=True)
class Replay:
    """The outcome of a replay: the run, and the ranking files that came out different."""

    as_of: date
    run_dir: Path
    manifest_sha256: str
    hashes: dict[str, str]  # the re-rendered ranking files
    differ: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.differ


def replay_options(
    archive_dir: Path,
    previous: Path | None,
    *,
    include_dormant: bool,
    draws: int,
    seed: int,
    encoding: str,
    delimiter: str,
    exclude_invalid: bool = False,
    previous_source: str | None = None,
) -> dict[str, Any]:
    """The manifest's ``replay`` block: the options the ranking depends on, and the previous
    run (an archived week by date and manifest SHA-256, or a file by path and SHA-256; with
    ``previous_source``, the name the ranking printed for it, so a moved archive replays)."""
    prev: dict[str, str] | None = None
    if previous is not None:
        held = week_dir(previous) if previous.parent == archive_dir else None
        if held is not None:
            digest = sha256_hex((held / MANIFEST_NAME).read_bytes())
            prev = {"archive_run": previous.name, "manifest_sha256": digest}
        else:
            prev = {"path": str(previous), "sha256": _file_sha(previous)}
        if previous_source is not None:
            prev["source"] = previous_source
    return {
        "include_dormant": include_dormant,
        "draws": draws,
        "seed": seed,
        "encoding": encoding,
        "delimiter": delimiter,
        "exclude_invalid": exclude_invalid,
        "previous": prev,
    }


def _file_sha(path: Path) -> str:
    target = path / CSV_NAME if path.is_dir() else path
    try:
        return sha256_hex(target.read_bytes())
    except OSError:
        return ""


def archived_run(archive_dir: Path, as_of: date) -> tuple[Path, Any, str]:
    """The verified run of ``as_of``: its directory, parsed manifest and manifest SHA-256.
    DataError (exit 65) naming the place when the week has no archived run or any archived
    file does not match its manifest."""
    entry = archive_dir / as_of.isoformat()
    held = week_dir(entry) if os.path.lexists(entry) else None
    if held is None:
        raise DataError(f"no archived run for {as_of}", file=str(entry))
    run_dir = held.resolve()
    _, manifest = verified_run(run_dir)
    return run_dir, manifest, sha256_hex((run_dir / MANIFEST_NAME).read_bytes())


@dataclass(frozen=True)
class ArchivedSources:
    """A verified archived week's input and config, loaded as the run loaded them."""

    run_dir: Path
    manifest: Any
    manifest_sha256: str
    config: LoadedConfig
    input: bytes
    input_name: str  # the name the ranking printed
    options: dict[str, Any]

    def stream(self) -> io.BytesIO:
        """The input as a stream named as the run named it."""
        stream = io.BytesIO(self.input)
        stream.name = self.input_name
        return stream


def archived_sources(archive_dir: Path, as_of: date) -> ArchivedSources:
    """The verified input, config and replay options of the week ``as_of``; DataError naming
    the place for a missing week, a changed file, or a run archived without its sources."""
    from socprio.config.load import parse_config_bytes

    run_dir, manifest, digest = archived_run(archive_dir, as_of)
    options = manifest.get("replay")
    if "sources" not in manifest or not isinstance(options, dict):
        raise DataError(
            "this run was archived before socprio kept its input and config: it cannot be "
            "replayed or decided on (rerun the week with rank --archive --replace)",
            file=str(run_dir / MANIFEST_NAME),
        )
    raw_config = (run_dir / CONFIG_NAME).read_bytes()
    cfg = parse_config_bytes(raw_config, source=str(run_dir / CONFIG_NAME))
    loaded = LoadedConfig(cfg, str(manifest["config"]["path"]), sha256_hex(raw_config), raw_config)
    data = (run_dir / INPUT_NAME).read_bytes()
    if sha256_hex(data) != manifest["sources"][INPUT_NAME]["sha256"]:
        raise DataError("changed while being read", file=str(run_dir / INPUT_NAME))
    name = str(manifest["input"]["path"])
    return ArchivedSources(run_dir, manifest, digest, loaded, data, name, options)


def replay_run(archive_dir: Path, as_of: date) -> Replay:
    """Re-run the archived week ``as_of`` and compare its ranking files with the archived."""
    from socprio.pipeline.assess import assess
    from socprio.present.csvout import csv_chunks
    from socprio.present.jsonout import json_chunks
    from socprio.write.plan import encode

    week = archived_sources(archive_dir, as_of)
    run_dir, manifest, options = week.run_dir, week.manifest, week.options
    where = str(run_dir / MANIFEST_NAME)
    a = assess(
        week.stream(),
        week.config,
        as_of=as_of,
        include_dormant=bool(options.get("include_dormant", False)),
        draws=int(options.get("draws", 0)),
        seed=int(options.get("seed", 0)),
        previous=_previous(archive_dir, options.get("previous"), where),
        encoding=str(options.get("encoding", "utf-8")),
        delimiter=str(options.get("delimiter", ",")),
        exclude_invalid=bool(options.get("exclude_invalid", False)),
    )
    hashes = {
        CSV_NAME: sha256_of_chunks(encode(csv_chunks(a), bom=True)),
        JSON_NAME: sha256_of_chunks(encode(json_chunks(a))),
    }
    recorded = {name: manifest["outputs"][name]["sha256"] for name in hashes}
    differ = tuple(name for name in hashes if hashes[name] != recorded[name])
    return Replay(as_of, run_dir, week.manifest_sha256, hashes, differ)


def _previous(archive_dir: Path, prev: Mapping[str, Any] | None, where: str) -> Previous | None:
    """The previous run the week was compared with, checked to be unchanged since, named as
    the ranking named it."""
    import dataclasses

    from socprio.history.archive import load_ranking

    if prev is None:
        return None
    earlier = load_ranking(_previous_path(archive_dir, prev, where))
    source = prev.get("source")
    return dataclasses.replace(earlier, source=source) if isinstance(source, str) else earlier


def _previous_path(archive_dir: Path, prev: Mapping[str, Any], where: str) -> Path:
    if "archive_run" in prev:
        path = archive_dir / str(prev["archive_run"])
        held = week_dir(path) if os.path.lexists(path) else None
        found = sha256_hex((held / MANIFEST_NAME).read_bytes()) if held is not None else None
        if found != prev.get("manifest_sha256"):
            raise DataError(
                f"the previous run it was compared with ({prev['archive_run']}) has been "
                "replaced or removed since: its movement cannot be replayed",
                file=where,
            )
        return path
    path = Path(str(prev.get("path", "")))
    if _file_sha(path) != prev.get("sha256"):
        raise DataError(
            f"the previous ranking it was compared with ({path}) is missing or changed",
            file=where,
        )
    return path
