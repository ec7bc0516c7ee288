"""The run archive: three weekly runs, manifests that match sha256sum, reruns, latest, locking."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conftest import assess_file, rows_csv
from socprio import __version__
from socprio.config.load import load_config
from socprio.config.models import FactorType, LoadedConfig
from socprio.errors import DataError, LockedError, NoInputError, OutputError
from socprio.history import weekstore
from socprio.history.archive import (
    CSV_NAME,
    JSON_NAME,
    LATEST,
    MANIFEST_NAME,
    archive_ranking,
    build_manifest,
    load_ranking,
    output_hashes,
    previous_run,
    runs,
    write_run,
)
from socprio.history.diff import diff
from socprio.history.movement import movement
from socprio.pipeline.result import Counts, Provenance
from socprio.sample.generate import generate_rows
from socprio.write import atomic as safeio
from test_history import (
    WEEK1,
    WEEK2,
    WEEK2_TAGS,
    WEEK3,
    WEEK3_TAGS,
    WEEKS,
    Week,
    export_csv,
    export_json,
    ranking,
)

SRC = Path(safeio.__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)
ARGV = ["socprio", "rank", "ocgs.csv", "--archive", "archive dir"]
SHA0 = "0" * 64
COUNTS = Counts(
    read=9, valid=7, rejected=1, blank_skipped=1, ranked=7, active=7, dormant=0, archived=0
)

# Child: hold the archive's directory lock until stdin closes.
LOCKER = """
import sys
from pathlib import Path
from socprio.write import atomic as safeio

with safeio.directory_lock(Path(sys.argv[1])):
    print("READY", flush=True)
    sys.stdin.readline()
"""


def sha256_file(path: Path) -> str:
    """What ``sha256sum path`` prints first."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


builtin_config = cache(lambda: load_config(None))


def provenance(input_file: Path, as_of: date) -> Provenance:
    """A real Provenance over the built-in config and ``input_file``."""
    return Provenance(
        tool_version=__version__,
        config=builtin_config(),
        input_path=str(input_file),
        input_sha256=sha256_file(input_file),
        as_of=as_of,
        counts=COUNTS,
    )


def run_week(
    archive_dir: Path,
    input_file: Path,
    week: Week,
    as_of: date,
    mode: int = 0o600,
    *,
    replace: bool = False,
) -> Path:
    """What ``socprio rank INPUT --archive DIR`` does after ranking: movement, export, archive."""
    frame = ranking(week)
    before = previous_run(archive_dir, before=as_of)
    if before is not None:
        frame = movement(frame, load_ranking(before)).frame
    csv_bytes = export_csv(frame)
    json_bytes = export_json(frame, as_of=as_of)
    manifest = build_manifest(
        provenance_meta=provenance(input_file, as_of).meta(),
        output_hashes=output_hashes(csv_bytes, json_bytes),
        argv=ARGV,
        now=NOW,
    )
    return write_run(
        archive_dir,
        as_of=as_of,
        csv_bytes=csv_bytes,
        json_bytes=json_bytes,
        manifest=manifest,
        mode=mode,
        replace=replace,
    )


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of every archived week, as ``<week>/<name>`` -> bytes."""
    return {
        f"{run.path.name}/{p.name}": p.read_bytes()
        for run in runs(directory)
        for p in sorted(run.path.iterdir())
    }


@pytest.fixture
def input_file(tmp_path: Path) -> Path:
    path = tmp_path / "ocgs.csv"
    path.write_bytes(b"group_id,codename\r\nOCG-0001,Amber Fox\r\n")
    return path


@pytest.fixture
def archived(tmp_path: Path, input_file: Path) -> Path:
    """An archive holding the three scenario weeks, run in order."""
    archive_dir = tmp_path / "archive"
    for week, as_of in zip((WEEK1, WEEK2, WEEK3), WEEKS, strict=True):
        run_week(archive_dir, input_file, week, as_of)
    return archive_dir


def archived_tags(run_dir: Path) -> dict[str, str]:
    """group_id -> movement as written in an archived ranking.csv."""
    frame = pd.read_csv(run_dir / CSV_NAME, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return dict(zip(frame["group_id"], frame["movement"], strict=True))


# --- three weekly runs ------------------------------------------------------------------------


def test_three_weekly_runs_give_movement_and_diff(archived: Path) -> None:
    assert [r.as_of for r in runs(archived)] == list(WEEKS)
    week1, week2, week3 = (archived / d.isoformat() for d in WEEKS)
    assert "movement" not in pd.read_csv(week1 / CSV_NAME, encoding="utf-8-sig").columns
    assert archived_tags(week2) == {g: t.value for g, t in WEEK2_TAGS.items()}
    assert archived_tags(week3) == {g: t.value for g, t in WEEK3_TAGS.items()}
    d = diff(load_ranking(week2), load_ranking(week3))
    assert d.old.as_of == WEEKS[1] and d.new.as_of == WEEKS[2]  # from the directory names
    assert list(d.entered["group_id"]) == ["OCG-0005"]
    assert list(d.dropped["group_id"]) == ["OCG-0008"]
    assert set(d.band_changes["group_id"]) == {"OCG-0001", "OCG-0004"}
    assert list(d.movers["group_id"]) == ["OCG-0004", "OCG-0001"]
    assert d.drivers["OCG-0004"] == (("violence", 12.0), ("firearms", 5.0))
    # the JSON export of the same run reads the same
    from_json = load_ranking(week3 / JSON_NAME)
    assert from_json.frame["rank"].to_dict() == d.new.frame["rank"].to_dict()


def test_layout_modes_and_latest(archived: Path) -> None:
    week3 = archived / WEEKS[2].isoformat()
    assert sorted(p.name for p in week3.iterdir()) == sorted([CSV_NAME, JSON_NAME, MANIFEST_NAME])
    assert stat.S_IMODE(week3.stat().st_mode) == 0o700
    for name in (CSV_NAME, JSON_NAME, MANIFEST_NAME):
        assert stat.S_IMODE((week3 / name).stat().st_mode) == 0o600
    latest = archived / LATEST
    assert latest.is_symlink()
    assert str(latest.readlink()) == WEEKS[2].isoformat()  # relative: the archive can be moved
    assert (latest / CSV_NAME).read_bytes() == (week3 / CSV_NAME).read_bytes()
    assert not list(archived.glob(f"{safeio.TEMP_PREFIX}*{safeio.TEMP_SUFFIX}"))


def test_file_mode_comes_from_the_caller(tmp_path: Path, input_file: Path) -> None:
    run_dir = run_week(tmp_path / "a", input_file, WEEK1, WEEKS[0], mode=0o640)
    assert stat.S_IMODE((run_dir / CSV_NAME).stat().st_mode) == 0o640


# --- manifest ---------------------------------------------------------------------------------


def test_manifest_hashes_match_the_files_on_disk(archived: Path, input_file: Path) -> None:
    run_dir = archived / WEEKS[1].isoformat()
    manifest = json.loads((run_dir / MANIFEST_NAME).read_bytes())
    for name in (CSV_NAME, JSON_NAME):
        assert manifest["outputs"][name]["sha256"] == sha256_file(run_dir / name)
    assert manifest["input"]["sha256"] == sha256_file(input_file)
    cfg = load_config(None)
    assert manifest["config"]["sha256"] == cfg.sha256
    assert manifest["config"]["path"] == cfg.path


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not installed")
def test_manifest_hashes_equal_sha256sum(archived: Path, input_file: Path) -> None:
    run_dir = archived / WEEKS[2].isoformat()
    manifest = json.loads((run_dir / MANIFEST_NAME).read_bytes())
    files = [run_dir / CSV_NAME, run_dir / JSON_NAME, input_file]
    out = subprocess.run(
        ["sha256sum", *map(str, files)], capture_output=True, text=True, check=True
    ).stdout
    printed = [line.split()[0] for line in out.splitlines()]
    recorded = [manifest["outputs"][CSV_NAME]["sha256"], manifest["outputs"][JSON_NAME]["sha256"]]
    assert printed == [*recorded, manifest["input"]["sha256"]]


def test_manifest_records_the_audit_fields(archived: Path) -> None:
    manifest = json.loads((archived / LATEST / MANIFEST_NAME).read_bytes())
    assert manifest["marking"] == "OFFICIAL-SENSITIVE"
    assert manifest["tool_version"] == __version__
    assert manifest["as_of"] == WEEKS[2].isoformat()
    assert manifest["created_utc"] == "2026-11-23T06:30:00Z"
    assert manifest["user"]
    assert manifest["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert manifest["packages"]["pandas"] == pd.__version__
    assert set(manifest["packages"]) >= {"typer", "pydantic", "pyyaml", "rich", "pandas", "numpy"}
    assert manifest["argv"] == ARGV
    assert manifest["command_line"] == "socprio rank ocgs.csv --archive 'archive dir'"
    assert manifest["input"]["counts"] == COUNTS.to_dict() | {"skipped": COUNTS.blank_skipped}


def test_build_manifest_checks_its_inputs(
    input_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = provenance(input_file, WEEKS[0]).meta()
    hashes = output_hashes(b"csv", b"json")
    later = datetime(2026, 11, 23, 7, 30, tzinfo=timezone(timedelta(hours=1)))
    assert (
        build_manifest(provenance_meta=meta, output_hashes=hashes, argv=ARGV, now=later)[
            "created_utc"
        ]
        == "2026-11-23T06:30:00Z"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        build_manifest(
            provenance_meta=meta, output_hashes=hashes, argv=ARGV, now=datetime(2026, 1, 1)
        )
    with pytest.raises(ValueError, match="skipped"):
        bad = meta | {"counts": {"read": 1, "ranked": 1, "rejected": 0}}
        build_manifest(provenance_meta=bad, output_hashes=hashes, argv=ARGV, now=NOW)

    def no_user() -> str:
        raise OSError("no login name")

    monkeypatch.setattr("getpass.getuser", no_user)
    made = build_manifest(provenance_meta=meta, output_hashes=hashes, argv=ARGV, now=NOW)
    assert made["user"] == f"uid:{os.getuid()}"


def test_write_run_refuses_a_manifest_for_other_bytes(tmp_path: Path, input_file: Path) -> None:
    meta = provenance(input_file, WEEKS[0]).meta()
    manifest = build_manifest(
        provenance_meta=meta, output_hashes=output_hashes(b"a", b"b"), argv=ARGV, now=NOW
    )
    args: dict[str, Any] = {"manifest": manifest, "mode": 0o600}
    with pytest.raises(ValueError, match="hashes"):
        write_run(tmp_path, as_of=WEEKS[0], csv_bytes=b"a", json_bytes=b"changed", **args)
    with pytest.raises(ValueError, match="as_of"):
        write_run(tmp_path, as_of=WEEKS[1], csv_bytes=b"a", json_bytes=b"b", **args)
    assert runs(tmp_path) == []


# --- reruns and previous runs -----------------------------------------------------------------


def test_rerun_replaces_only_that_week(archived: Path, input_file: Path) -> None:
    before = snapshot(archived)
    changed = dict(WEEK2) | {"OCG-0009": ("Teal Moth", (1.0, 1.0, 1.0, 1.0, 1.0))}
    run_week(archived, input_file, changed, WEEKS[1], replace=True)
    after = snapshot(archived)
    week2 = WEEKS[1].isoformat() + "/"
    assert {k: v for k, v in after.items() if not k.startswith(week2)} == {
        k: v for k, v in before.items() if not k.startswith(week2)
    }
    assert after[week2 + CSV_NAME] != before[week2 + CSV_NAME]
    assert "OCG-0009" in archived_tags(archived / WEEKS[1].isoformat())
    manifest = json.loads(after[week2 + MANIFEST_NAME])
    assert (
        manifest["outputs"][CSV_NAME]["sha256"]
        == hashlib.sha256(after[week2 + CSV_NAME]).hexdigest()
    )
    assert str((archived / LATEST).readlink()) == WEEKS[2].isoformat()  # still the newest


def test_rerun_compares_with_the_week_before_not_itself(archived: Path) -> None:
    assert previous_run(archived, before=WEEKS[2]) == archived / WEEKS[1].isoformat()
    assert previous_run(archived, before=WEEKS[0]) is None
    assert previous_run(archived, before=WEEKS[2] + timedelta(days=7)) == archived / "2026-11-23"
    assert previous_run(archived.parent / "never-created", before=WEEKS[0]) is None


def test_backfilling_an_older_week_keeps_latest_at_the_newest(
    archived: Path, input_file: Path
) -> None:
    run_week(archived, input_file, WEEK1, date(2026, 11, 2))
    assert str((archived / LATEST).readlink()) == WEEKS[2].isoformat()
    assert runs(archived)[0].as_of == date(2026, 11, 2)


def test_only_complete_dated_directories_are_runs(archived: Path) -> None:
    (archived / "2026-11-30").mkdir()  # started, never finished: no manifest
    (archived / "2026-13-01").mkdir()  # not a date
    (archived / "notes").mkdir()
    (archived / "2026-12-07").symlink_to(archived / WEEKS[0].isoformat())
    later = WEEKS[2] + timedelta(days=30)
    assert previous_run(archived, before=later) == archived / WEEKS[2].isoformat()
    assert [r.as_of for r in runs(archived)] == [*WEEKS, date(2026, 11, 30)]
    assert [r.complete for r in runs(archived)] == [True, True, True, False]


def test_failed_rerun_leaves_the_old_week_whole_and_no_build_directory(
    archived: Path, input_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(archived)
    listing = sorted(p.name for p in archived.iterdir())
    real = weekstore.write_new

    def fail_on_manifest(path: Path, chunks: Any, mode: int) -> str:
        if path.name == MANIFEST_NAME:
            raise OutputError("cannot write the output: disk full", file=str(path))
        return real(path, chunks, mode)

    monkeypatch.setattr("socprio.history.archive.write_new", fail_on_manifest)
    with pytest.raises(OutputError):
        run_week(archived, input_file, WEEK3, WEEKS[1], replace=True)
    assert snapshot(archived) == before
    assert sorted(p.name for p in archived.iterdir()) == listing
    assert previous_run(archived, before=WEEKS[2]) == archived / WEEKS[1].isoformat()
    assert str((archived / LATEST).readlink()) == WEEKS[2].isoformat()


def test_stale_temps_from_a_killed_run_are_swept(archived: Path, input_file: Path) -> None:
    week3 = archived / WEEKS[2].isoformat()
    old = time.time() - 7200
    stale = [archived / ".socprio-dead.tmp", week3 / ".socprio-dead.tmp"]
    for path in stale:
        path.write_bytes(b"partial")
        os.utime(path, (old, old))
    dangling = archived / ".socprio-latest-dead.tmp"
    dangling.symlink_to("2026-01-01")
    run_week(archived, input_file, WEEK3, WEEKS[2], replace=True)
    assert not any(p.exists() or p.is_symlink() for p in [*stale, dangling])


# --- locking and refusals ---------------------------------------------------------------------


def test_second_writer_gets_locked_error(tmp_path: Path, input_file: Path) -> None:
    archive_dir = tmp_path / "archive"
    archive_dir.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(archive_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "READY\n"
        with pytest.raises(LockedError) as info:
            run_week(archive_dir, input_file, WEEK1, WEEKS[0])
        assert info.value.exit_code == 75
        assert runs(archive_dir) == []
    finally:
        proc.communicate(timeout=30)
    run_week(archive_dir, input_file, WEEK1, WEEKS[0])  # free again once the holder exits
    assert [r.as_of for r in runs(archive_dir)] == [WEEKS[0]]


def test_archive_under_a_missing_parent_is_output_error(tmp_path: Path, input_file: Path) -> None:
    with pytest.raises(OutputError) as info:
        run_week(tmp_path / "no" / "archive", input_file, WEEK1, WEEKS[0])
    assert info.value.exit_code == 73


def test_symlinked_run_directory_is_refused(tmp_path: Path, input_file: Path) -> None:
    archive_dir = tmp_path / "archive"
    archive_dir.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (archive_dir / WEEKS[0].isoformat()).symlink_to(elsewhere)
    with pytest.raises(OutputError, match="not an archive run"):
        run_week(archive_dir, input_file, WEEK1, WEEKS[0], replace=True)
    assert list(elsewhere.iterdir()) == []


# --- loading earlier rankings -----------------------------------------------------------------


def test_load_ranking_refuses_a_file_changed_after_archiving(archived: Path) -> None:
    csv_path = archived / WEEKS[0].isoformat() / CSV_NAME
    csv_path.write_bytes(csv_path.read_bytes().replace(b"Amber Fox", b"Amber Fix"))
    with pytest.raises(DataError, match="does not match the SHA-256"):
        load_ranking(csv_path.parent)


def test_load_ranking_of_a_missing_file_is_no_input(tmp_path: Path) -> None:
    with pytest.raises(NoInputError) as info:
        load_ranking(tmp_path / "missing.csv")
    assert info.value.exit_code == 66


def test_load_ranking_outside_the_archive_has_no_date_unless_json(tmp_path: Path) -> None:
    frame = ranking(WEEK1)
    (tmp_path / "prev.csv").write_bytes(export_csv(frame))
    (tmp_path / "prev.json").write_bytes(export_json(frame, as_of=WEEKS[0]))
    assert load_ranking(tmp_path / "prev.csv").as_of is None
    assert load_ranking(tmp_path / "prev.json").as_of == WEEKS[0]


# --- the real pipeline over generated data ----------------------------------------------------


def expected_tags(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, str]:
    """An independent, row-by-row statement of the tag rules: any sub-band change is a band
    move (1A is the highest); inside a sub-band, fewer than 3 places is SAME."""
    was = {g: (int(r), str(b)) for g, r, b in before[["group_id", "rank", "band"]].values}
    out: dict[str, str] = {}
    for gid, rank, band in after[["group_id", "rank", "band"]].values:
        if gid not in was:
            out[gid] = "NEW"
            continue
        old_rank, old_band = was[gid]
        now_band = str(band)
        key = (int(now_band[:-1]), now_band[-1])
        old_key = (int(old_band[:-1]), old_band[-1])
        if key != old_key:
            out[gid] = "BAND_UP" if key < old_key else "BAND_DOWN"
        elif abs(rank - old_rank) < 3:
            out[gid] = "SAME"
        else:
            out[gid] = "UP" if rank < old_rank else "DOWN"
    return out


def test_three_weekly_runs_of_the_real_pipeline(tmp_path: Path, loaded: LoadedConfig) -> None:
    """What ``socprio rank INPUT --archive DIR`` does each week: assess against the archive's
    previous run, then archive the assessment."""
    cfg = loaded.config
    generated = generate_rows(cfg, groups=40, seed=11, as_of=WEEKS[0], dormant=0, archived=0)
    header = next(generated)
    pool = [dict(zip(header, row, strict=True)) for row in generated]
    weeks = [pool[:30], pool[3:33], pool[:3] + pool[6:33]]  # 3 leave and 3 enter each week
    first = assess_file(rows_csv(weeks[0]), loaded, as_of=WEEKS[0]).table
    stays = first["group_id"].isin([row["group_id"] for row in pool[6:30]])  # in every week
    low = first[stays & (first["band"].str[0] != "1")].iloc[-1]["group_id"]
    ordinal = [n for n, f in cfg.factors.items() if f.type is FactorType.ORDINAL]
    maxed = [n for n in ordinal if n in cfg.group_of]  # every weighted ordinal factor at its max
    weeks[1] = [
        row | {n: str(cfg.factors[n].max) for n in maxed} if row["group_id"] == low else row
        for row in pool[3:33]
    ]
    archive_dir = tmp_path / "archive"
    frames: list[pd.DataFrame] = []
    for rows, as_of in zip(weeks, WEEKS, strict=True):
        before = previous_run(archive_dir, before=as_of)
        a = assess_file(rows_csv(rows), loaded, as_of=as_of, previous=before)
        assert (a.movement is None) == (before is None)
        run_dir = archive_ranking(archive_dir, a, argv=ARGV, now=NOW)
        assert run_dir == archive_dir / as_of.isoformat()
        frames.append(a.table)
    for i in (1, 2):
        run_dir = archive_dir / WEEKS[i].isoformat()
        assert archived_tags(run_dir) == expected_tags(frames[i - 1], frames[i])
        d = diff(load_ranking(archive_dir / WEEKS[i - 1].isoformat()), load_ranking(run_dir))
        old_ids, new_ids = set(frames[i - 1]["group_id"]), set(frames[i]["group_id"])
        assert set(d.entered["group_id"]) == new_ids - old_ids
        assert set(d.dropped["group_id"]) == old_ids - new_ids
        assert len(d.entered) == len(d.dropped) == 3
    assert archived_tags(archive_dir / WEEKS[1].isoformat())[low] == "BAND_UP"
    week1, week2 = (load_ranking(archive_dir / day.isoformat()) for day in WEEKS[:2])
    d = diff(week1, week2)
    assert d.movers.iloc[0]["group_id"] == low  # the largest move of all
    drivers = d.drivers[low]
    assert drivers and all(name in maxed and change > 0 for name, change in drivers)
    manifest = json.loads((archive_dir / LATEST / MANIFEST_NAME).read_bytes())
    assert manifest["input"]["counts"]["skipped"] == 0
    assert manifest["input"]["counts"]["read"] == len(weeks[2])
    assert manifest["outputs"][CSV_NAME]["sha256"] == sha256_file(archive_dir / LATEST / CSV_NAME)
    assert manifest["argv"] == ARGV and manifest["as_of"] == WEEKS[2].isoformat()
