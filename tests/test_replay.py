"""The archive keeps each week's exact input and config, and ``socprio replay`` proves the
week: byte-identical on an untouched archive; exit 65 naming the file when anything changed."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from socprio.cli.app import app
from socprio.history.manifest import sha256_of_chunks

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
CONFIG = ROOT / "config" / "scoring.yaml"
WEEKS = ("2026-11-23", "2026-11-30")
runner = CliRunner()


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = tmp_path_factory.mktemp("replay") / "archive"
    for week in WEEKS:
        code, _, err = run("rank", str(SAMPLE), "--as-of", week, "--archive", str(archive), "-q")
        assert code == 0, err
    return archive


@pytest.fixture
def archive(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "archive"
    shutil.copytree(pristine, copy, symlinks=True)
    return copy


def week(archive: Path, day: str = WEEKS[1]) -> Path:
    return (archive / day).resolve()


def test_the_week_keeps_the_exact_input_and_config_bytes_mode_0600(archive: Path) -> None:
    run_dir = week(archive)
    assert (run_dir / "input.csv").read_bytes() == SAMPLE.read_bytes()
    assert (run_dir / "config.yaml").read_bytes() == CONFIG.read_bytes()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    for name in ("input.csv", "config.yaml"):
        assert (run_dir / name).stat().st_mode & 0o777 == 0o600
        digest = hashlib.sha256((run_dir / name).read_bytes()).hexdigest()
        assert manifest["sources"][name]["sha256"] == digest
    assert manifest["sources"]["input.csv"]["sha256"] == manifest["input"]["sha256"]
    assert manifest["replay"]["previous"]["archive_run"] == WEEKS[0]


def test_replay_passes_on_an_untouched_archive(archive: Path) -> None:
    for day in WEEKS:
        code, out, err = run("replay", "--archive", str(archive), "--as-of", day)
        assert code == 0, err
        assert "byte-identical" in out


def test_stdin_input_replays_too(tmp_path: Path) -> None:
    archive = tmp_path / "a"
    args = ("rank", "-", "--as-of", WEEKS[0], "--archive", str(archive), "-q")
    code, _, err = run(*args, stdin=SAMPLE.read_bytes())
    assert code == 0, err
    assert (week(archive, WEEKS[0]) / "input.csv").read_bytes() == SAMPLE.read_bytes()
    assert run("replay", "--archive", str(archive), "--as-of", WEEKS[0])[0] == 0


@pytest.mark.parametrize("name", ["ranking.csv", "ranking.json", "input.csv", "config.yaml"])
def test_an_altered_archived_file_is_named(archive: Path, name: str) -> None:
    path = week(archive) / name
    path.write_bytes(path.read_bytes() + b"\n")
    code, _, err = run("replay", "--archive", str(archive), "--as-of", WEEKS[1])
    assert code == 65
    assert name in err and "does not match the SHA-256" in err


def reseal(run_dir: Path, name: str, section: str) -> None:
    """Alter ``name`` and rewrite its hash in the manifest, as a careful forger would."""
    path = run_dir / name
    data = path.read_bytes()
    old = b"AZURE CANDLE" if name == "input.csv" else b"OCG-0098"
    path.write_bytes(data.replace(old, old[:-1] + b"X", 1))
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest[section][name]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "section", "differs"),
    [
        ("ranking.csv", "outputs", "ranking.csv"),
        ("ranking.json", "outputs", "ranking.json"),
        ("input.csv", "sources", "ranking.csv"),
    ],
)
def test_a_resealed_alteration_is_caught_by_the_replay(
    archive: Path, name: str, section: str, differs: str
) -> None:
    reseal(week(archive), name, section)
    code, _, err = run("replay", "--archive", str(archive), "--as-of", WEEKS[1])
    assert code == 65
    assert f"{differs} differs from the archived file" in err


def test_a_week_with_no_run_and_a_run_without_sources(archive: Path) -> None:
    code, _, err = run("replay", "--archive", str(archive), "--as-of", "2026-12-07")
    assert code == 65 and "no archived run for 2026-12-07" in err
    manifest_path = week(archive, WEEKS[0]) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["sources"], manifest["replay"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    code, _, err = run("replay", "--archive", str(archive), "--as-of", WEEKS[0])
    assert code == 65 and "cannot be replayed" in err


def test_a_replaced_previous_week_is_reported(archive: Path) -> None:
    args = ("rank", str(SAMPLE), "--as-of", WEEKS[0], "--archive", str(archive), "-q")
    assert run(*args, "--replace", "--draws", "5")[0] == 0
    code, _, err = run("replay", "--archive", str(archive), "--as-of", WEEKS[1])
    assert code == 65 and "replaced or removed since" in err
    assert run("replay", "--archive", str(archive), "--as-of", WEEKS[0])[0] == 0  # draws too


def test_a_partial_run_replays_with_the_records_it_left_out(tmp_path: Path) -> None:
    """A week ranked with --exclude-invalid is replayed the same way (exit 0, identical)."""
    text = SAMPLE.read_text(encoding="utf-8").splitlines()
    column = text[0].split(",").index("member_count")
    cells = text[3].split(",")
    cells[column] = "lots"
    text[3] = ",".join(cells)
    bad = tmp_path / "one_mistyped_member_count.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    archive = tmp_path / "archive"
    args = ("rank", str(bad), "--as-of", WEEKS[0], "--archive", str(archive), "-q")
    assert run(*args, "--exclude-invalid")[0] == 3
    manifest = json.loads((week(archive, WEEKS[0]) / "manifest.json").read_text("utf-8"))
    assert manifest["replay"]["exclude_invalid"] is True
    code, _, err = run("replay", "--archive", str(archive), "--as-of", WEEKS[0])
    assert code == 0, err


@given(st.lists(st.binary(max_size=40), max_size=6))
def test_a_replayed_export_is_hashed_chunk_by_chunk_as_sha256sum_hashes_the_file(
    chunks: list[bytes],
) -> None:
    # Replay hashes a re-run export as it streams (never held whole): the digest must be the
    # one the manifest recorded for the written file.
    assert sha256_of_chunks(iter(chunks)) == hashlib.sha256(b"".join(chunks)).hexdigest()
