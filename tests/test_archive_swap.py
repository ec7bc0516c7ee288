"""An archived week is replaced as a whole: explicit --replace, verified reads, kill-safe swap."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from socprio.errors import DataError, OutputError
from socprio.history.archive import (
    CSV_NAME,
    JSON_NAME,
    LATEST,
    MANIFEST_NAME,
    load_ranking,
    runs,
    write_run,
)
from socprio.history.manifest import verify_run
from socprio.history.weekstore import week_dir
from socprio.write import atomic as safeio

SRC = Path(safeio.__file__).resolve().parents[2]
DAY = date(2026, 11, 16)


def manifest(csv: bytes, js: bytes, day: date = DAY) -> dict[str, Any]:
    sha = {CSV_NAME: hashlib.sha256(csv).hexdigest(), JSON_NAME: hashlib.sha256(js).hexdigest()}
    return {"as_of": day.isoformat(), "outputs": {k: {"sha256": v} for k, v in sha.items()}}


def put(archive: Path, version: str, *, replace: bool = False) -> Path:
    csv, js = f"{version} csv".encode(), f"{version} json".encode()
    return write_run(
        archive,
        as_of=DAY,
        csv_bytes=csv,
        json_bytes=js,
        manifest=manifest(csv, js),
        mode=0o600,
        replace=replace,
    )


def legacy_week(archive: Path) -> Path:
    """A week as the earlier layout wrote it: a plain directory."""
    week = archive / DAY.isoformat()
    week.mkdir(parents=True)
    (week / CSV_NAME).write_bytes(b"old csv")
    (week / JSON_NAME).write_bytes(b"old json")
    (week / MANIFEST_NAME).write_bytes(json.dumps(manifest(b"old csv", b"old json")).encode())
    return week


def version_of(archive: Path) -> str:
    """'old' or 'new': the week verifies as a whole, and both files are the same version."""
    held = week_dir(archive / DAY.isoformat())
    assert held is not None
    csv = verify_run(held, read=CSV_NAME)
    js = verify_run(held, read=JSON_NAME)
    assert csv is not None and js is not None
    version = csv.decode().split()[0]
    assert js.decode() == f"{version} json"
    return version


def hidden(archive: Path) -> list[str]:
    return sorted(
        p.name for p in archive.iterdir() if p.name.startswith(".") and p.name != safeio.LOCK_NAME
    )


# --- rerunning a week is explicit -------------------------------------------------------------


def test_rerunning_a_week_without_replace_is_a_clear_error(tmp_path: Path) -> None:
    put(tmp_path, "old")
    with pytest.raises(OutputError, match="already archived; pass --replace") as info:
        put(tmp_path, "new")
    assert info.value.exit_code == 73
    assert DAY.isoformat() in str(info.value)
    assert version_of(tmp_path) == "old"


def test_a_replaced_week_records_the_manifest_it_replaced(tmp_path: Path) -> None:
    week = put(tmp_path, "old")
    old_sha = hashlib.sha256((week / MANIFEST_NAME).read_bytes()).hexdigest()
    put(tmp_path, "new", replace=True)
    doc = json.loads((week / MANIFEST_NAME).read_bytes())
    assert doc["replaces"] == {"manifest_sha256": old_sha}
    assert version_of(tmp_path) == "new"
    assert hidden(tmp_path) == [str(week.readlink())]  # the old version is gone


def test_archive_that_is_a_regular_file_is_cant_create(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.write_bytes(b"not a directory")
    with pytest.raises(OutputError, match="archive directory is not a directory") as info:
        put(archive, "new")
    assert info.value.exit_code == 73


def test_archive_under_a_missing_parent_names_the_parent(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        put(tmp_path / "no" / "archive", "new")
    assert str(info.value).startswith(f"{tmp_path / 'no'}: archive's parent directory")


# --- reads are verified against the manifest --------------------------------------------------


def test_a_half_replaced_week_without_manifest_is_refused_naming_it(tmp_path: Path) -> None:
    week = legacy_week(tmp_path)
    (week / MANIFEST_NAME).unlink()
    (week / CSV_NAME).write_bytes(b"new csv")
    with pytest.raises(DataError, match=r"no manifest\.json") as info:
        load_ranking(week)
    assert str(week / MANIFEST_NAME) in str(info.value)
    assert info.value.exit_code == 65
    with pytest.raises(DataError, match=r"no manifest\.json"):
        load_ranking(tmp_path / DAY.isoformat() / JSON_NAME)


def test_a_week_with_a_mismatched_file_is_refused_naming_that_file(tmp_path: Path) -> None:
    week = legacy_week(tmp_path)
    (week / JSON_NAME).write_bytes(b"new json")
    with pytest.raises(DataError, match=r"ranking\.json does not match the SHA-256") as info:
        load_ranking(week)  # reading the csv checks the json too
    assert str(week / JSON_NAME) in str(info.value)


def test_a_deeply_nested_manifest_is_a_data_error_naming_it(tmp_path: Path) -> None:
    week = legacy_week(tmp_path)
    (week / MANIFEST_NAME).write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(DataError, match="nested more than") as info:
        load_ranking(week)
    assert str(week / MANIFEST_NAME) in str(info.value)


def test_an_older_layout_week_is_read_and_replaced(tmp_path: Path) -> None:
    legacy_week(tmp_path)
    assert [r.complete for r in runs(tmp_path)] == [True]
    put(tmp_path, "new", replace=True)
    assert (tmp_path / DAY.isoformat()).is_symlink()
    assert version_of(tmp_path) == "new"
    assert str((tmp_path / LATEST).readlink()) == DAY.isoformat()


# --- SIGKILL at every step of a rerun ---------------------------------------------------------

KILLER = """
import os, signal, sys
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_archive_swap import put
from socprio.history import archive, weekstore

point = sys.argv[2]
calls = {"n": 0}

def die_on(module, name, nth):
    real = getattr(module, name)
    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    setattr(module, name, wrapper)

kind, _, nth = point.partition(":")
if kind == "write":
    die_on(archive, "write_new", int(nth))
elif kind == "fsync":
    die_on(weekstore, "fsync_dir", int(nth))
elif kind == "rename":
    die_on(Path, "rename", int(nth))  # only the legacy move-aside renames a directory
put(Path(sys.argv[1]), "new", replace=True)
"""
POINTS = ["write:1", "write:2", "write:3", "fsync:2", "fsync:3", "fsync:4", "fsync:5"]


@pytest.mark.parametrize("legacy", [False, True], ids=["symlinked", "older-layout"])
@pytest.mark.parametrize("point", [*POINTS, "rename:2"])
def test_sigkill_during_a_rerun_never_leaves_a_half_replaced_week(
    tmp_path: Path, point: str, legacy: bool
) -> None:
    archive = tmp_path / "archive"
    if legacy:
        legacy_week(archive)
    else:
        put(archive, "old")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    tests_dir = str(Path(__file__).parent)
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(archive), point, tests_dir],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (-signal.SIGKILL, 0), proc.stderr
    if proc.returncode == 0:
        assert version_of(archive) == "new"  # the kill point was never reached
    else:
        seen = version_of(archive) if os.path.lexists(archive / DAY.isoformat()) else None
        assert seen in ("old", "new", None)
        if seen is None:  # killed between the older layout's two renames
            assert legacy and point == "rename:2"
    put(archive, "newer", replace=True)  # the next run recovers, then replaces
    assert version_of(archive) == "newer"
    live = str((archive / DAY.isoformat()).readlink())
    assert hidden(archive) == [live]  # no orphaned run directory, temp or temp link
