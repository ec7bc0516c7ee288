"""CORE + SHELL: the audit manifest of an archived run: build it, and verify a run against it.

A run is trusted only when its manifest parses, names exactly the two ranking files, and every
file it names is present with the SHA-256 it records: a mismatched or manifest-less run is
DataError (exit 65) naming the file, before any command reads it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import platform
import shlex
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from socprio.errors import DataError
from socprio.history.jsonread import loads_capped

CSV_NAME = "ranking.csv"
JSON_NAME = "ranking.json"
MANIFEST_NAME = "manifest.json"
INPUT_NAME = "input.csv"  # the exact input bytes the run ranked
CONFIG_NAME = "config.yaml"  # the exact config bytes it ranked them with
SOURCE_NAMES = (INPUT_NAME, CONFIG_NAME)
MANIFEST_VERSION = 1
MANIFEST_MAX_BYTES = 1 << 20
PACKAGES = ("socprio", "typer", "pydantic", "pyyaml", "rich", "pandas", "numpy")
COUNT_KEYS = ("read", "ranked", "rejected", "skipped")


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as lower-case hex (what ``sha256sum`` prints)."""
    return hashlib.sha256(data).hexdigest()


def sha256_of_chunks(chunks: Iterable[bytes]) -> str:
    """``sha256_hex`` of the chunks joined, without joining them (a large export is never
    held whole)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


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
    source_hashes: Mapping[str, str] | None = None,
    replay: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The audit record of one run, from ``Provenance.meta()`` and the output hashes.

    ``source_hashes`` (of the archived input.csv and config.yaml) are listed under
    ``sources``; ``replay`` records the options ``socprio replay`` needs to re-run the week.

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
    if source_hashes is not None and set(source_hashes) != set(SOURCE_NAMES):
        raise ValueError(f"source_hashes must name exactly {INPUT_NAME} and {CONFIG_NAME}")
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
    } | _sources_block(source_hashes, replay)


def _sources_block(
    source_hashes: Mapping[str, str] | None, replay: Mapping[str, Any] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if source_hashes is not None:
        out["sources"] = {n: {"sha256": d} for n, d in sorted(source_hashes.items())}
    if replay is not None:
        out["replay"] = dict(replay)
    return out


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as written: indented UTF-8 JSON with a final newline."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def verify_run(run_dir: Path, *, read: str | None = None) -> bytes | None:
    """Check every file the manifest of ``run_dir`` names against its SHA-256; return the
    bytes of the file ``read`` (which must be named there). DataError naming the file when the
    manifest is missing, unreadable, too deep or large, or any file is missing or changed."""
    return verified_run(run_dir, read=read)[0]


def verified_run(run_dir: Path, *, read: str | None = None) -> tuple[bytes | None, Any]:
    """``verify_run``, also returning the parsed manifest (read once, depth- and size-capped)."""
    manifest = run_dir / MANIFEST_NAME
    try:
        with manifest.open("rb") as handle:
            raw = handle.read(MANIFEST_MAX_BYTES + 1)
    except FileNotFoundError:
        raise DataError(
            f"no {MANIFEST_NAME}: an incomplete or damaged archive run", file=str(manifest)
        ) from None
    except OSError:
        raise DataError("archive manifest is unreadable", file=str(manifest)) from None
    if len(raw) > MANIFEST_MAX_BYTES:
        raise DataError("archive manifest is too large", file=str(manifest))
    doc = loads_capped(raw, source=str(manifest))
    outputs = _outputs(doc, manifest) | _sources(doc, manifest)
    if read is not None and read not in outputs:
        raise DataError(f"not listed in {MANIFEST_NAME}", file=str(run_dir / read))
    wanted: bytes | None = None
    for name, digest in sorted(outputs.items()):
        data = _read_listed(run_dir / name)
        if sha256_hex(data) != digest:
            raise DataError(
                f"{name} does not match the SHA-256 in {MANIFEST_NAME}: changed after "
                "archiving, or a half-replaced run",
                file=str(run_dir / name),
            )
        if name == read:
            wanted = data
    return wanted, doc


def _outputs(doc: Any, manifest: Path) -> dict[str, str]:
    """``{file name: sha256}`` from a parsed manifest; DataError unless it is well formed."""
    return _hashes(doc, "outputs", (CSV_NAME, JSON_NAME), manifest)


def _sources(doc: Any, manifest: Path) -> dict[str, str]:
    """``{file name: sha256}`` of the archived input and config (none in older runs)."""
    return _hashes(doc, "sources", SOURCE_NAMES, manifest, required=False)


def _hashes(
    doc: Any, key: str, names: Sequence[str], manifest: Path, *, required: bool = True
) -> dict[str, str]:
    """``{file name: sha256}`` of the manifest's ``key`` block, which must list exactly
    ``names``; an absent block is an error when ``required``, else no hashes."""
    block = doc.get(key) if isinstance(doc, dict) else None
    if block is None and not required:
        return {}
    if not isinstance(block, dict) or set(block) != set(names):
        raise DataError(f"'{key}' must name {' and '.join(names)}", file=str(manifest))
    found: dict[str, str] = {}
    for name, entry in block.items():
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(digest, str):
            raise DataError(f"{key}.{name}.sha256 is missing", file=str(manifest))
        found[name] = digest
    return found


def _read_listed(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"missing, but listed in {MANIFEST_NAME}", file=str(path)) from None
    except OSError:
        raise DataError("unreadable archived file", file=str(path)) from None
