"""The decision log: entries tied to the archived run, departures from rank and slate, a hash
chain that ``log verify`` breaks at the right line for an edit, deletion, reordering or
insertion, and bad input that appends nothing."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socprio.cli.app import app
from socprio.history.decisions import GENESIS, canonical, entry_hash, sealed

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
WEEK = "2026-11-23"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("decisions")
    archive = base / "archive"
    code, _, err = run("rank", str(SAMPLE), "--as-of", WEEK, "--archive", str(archive), "-q")
    assert code == 0, err
    meeting = base / "meeting.csv"
    meeting.write_text(
        "group_id,decision,by,rationale,dissent\n"
        "OCG-0098,keep,DCI Vale,Highest harm in WMP,\n"
        "OCG-0088,adopt,DCI Vale,New firearms intelligence,\n"
        "OCG-0064,defer,DCI Vale,Awaiting the review,DS Kerr would adopt now\n"
        "OCG-0077,keep,DCI Vale,Live operation,\n",
        encoding="utf-8",
    )
    log = base / "decisions.jsonl"
    args = ("--log", str(log), "--archive", str(archive), "--as-of", WEEK)
    code, _, err = run("decide", "--from-csv", str(meeting), *args)
    assert code == 0, err
    code, _, err = run(
        "decide", "OCG-0150", "decline", *args, "--by", "DCI Vale", "--rationale", "Other unit"
    )
    assert code == 0, err
    return base


@pytest.fixture
def base(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "b"
    shutil.copytree(pristine, copy, symlinks=True)
    # the entries name the archive where it was: point them at the copy, resealing the chain
    log = copy / "decisions.jsonl"
    prev, lines = GENESIS, []
    for line in log.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        entry["run"]["archive"] = str(copy / "archive")
        entry["prev_sha256"] = prev
        entry = sealed(entry)
        prev = entry["sha256"]
        lines.append(canonical(entry))
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return copy


def entries(base: Path) -> list[dict[str, object]]:
    text = (base / "decisions.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def verify(base: Path) -> tuple[int, str, str]:
    return run("log", "verify", str(base / "decisions.jsonl"))


def test_each_entry_records_the_run_the_group_and_the_chain(base: Path) -> None:
    got = entries(base)
    assert [e["seq"] for e in got] == [1, 2, 3, 4, 5]
    manifest = (base / "archive" / WEEK / "manifest.json").resolve().read_bytes()
    first = got[0]
    assert first["run"] == {
        "archive": str(base / "archive"),
        "as_of": WEEK,
        "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
    }
    assert first["group"] == {"rank": 2, "band": "1B", "flags": ["STALE"], "lead_force": "WMP"}
    assert first["prev_sha256"] == GENESIS
    for before, after in itertools.pairwise(got):
        assert after["prev_sha256"] == before["sha256"]
    assert all(e["sha256"] == entry_hash(e) for e in got)
    assert got[2]["dissent"] == "DS Kerr would adopt now"
    assert (base / "decisions.jsonl").stat().st_mode & 0o777 == 0o600
    code, out, _ = verify(base)
    assert code == 0 and "5 entries" in out


def test_departures_from_rank_and_slate_are_recorded(base: Path) -> None:
    got = entries(base)
    declined = got[4]["departs"]
    assert declined["rank"] and declined["slate"]
    assert "declines rank 1 while rank" in str(declined["note"])
    kept = got[0]["departs"]
    assert kept == {"rank": False, "slate": False, "note": ""}


def rewrite(base: Path, lines: list[str]) -> None:
    (base / "decisions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def lines_of(base: Path) -> list[str]:
    return (base / "decisions.jsonl").read_text(encoding="utf-8").splitlines()


def broken_at(base: Path) -> int:
    code, _, err = verify(base)
    assert code == 65, err
    prefix = f"{base / 'decisions.jsonl'}:"
    return int(err.split(prefix, 1)[1].split(":", 1)[0])


def test_an_edited_entry_breaks_at_its_line(base: Path) -> None:
    lines = lines_of(base)
    lines[2] = lines[2].replace("Awaiting the review", "Awaiting the reviews")
    rewrite(base, lines)
    assert broken_at(base) == 3


def test_a_resealed_edit_breaks_at_the_next_line(base: Path) -> None:
    lines = lines_of(base)
    entry = json.loads(lines[1])
    entry["decision"] = "decline"
    lines[1] = canonical(sealed(entry))
    rewrite(base, lines)
    assert broken_at(base) == 3


def test_a_deleted_entry_breaks_where_it_was(base: Path) -> None:
    lines = lines_of(base)
    del lines[1]
    rewrite(base, lines)
    assert broken_at(base) == 2
    rewrite(base, lines_of(base)[1:])  # the first one too
    assert broken_at(base) == 1


def test_reordered_entries_break_at_the_first_moved(base: Path) -> None:
    lines = lines_of(base)
    lines[2], lines[3] = lines[3], lines[2]
    rewrite(base, lines)
    assert broken_at(base) == 3


def test_an_inserted_entry_breaks_at_its_line(base: Path) -> None:
    lines = lines_of(base)
    forged = json.loads(lines[0]) | {"group_id": "OCG-0001", "seq": 2}
    forged["prev_sha256"] = json.loads(lines[0])["sha256"]
    lines.insert(1, canonical(sealed(forged)))
    rewrite(base, lines)
    assert broken_at(base) == 3  # a well-forged entry: the next one no longer chains
    lines = lines_of(base)
    lines.insert(1, lines[4])  # a copied entry
    rewrite(base, lines)
    assert broken_at(base) == 2


def test_a_replaced_run_breaks_the_entries_taken_on_it(base: Path) -> None:
    archive = base / "archive"
    args = ("rank", str(SAMPLE), "--as-of", WEEK, "--archive", str(archive), "--replace", "-q")
    assert run(*args)[0] == 0
    code, _, err = verify(base)
    assert code == 65 and ":1:" in err and "changed or been replaced" in err


def decide(base: Path, *args: str) -> tuple[int, str, str]:
    return run(
        "decide", *args, "--log", str(base / "decisions.jsonl"),
        "--archive", str(base / "archive"),
    )  # fmt: skip


BY = ("--by", "DCI Vale", "--rationale", "why")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("OCG-9999", "adopt", "--as-of", WEEK, *BY), "column 'group_id': not a ranked group"),
        (("OCG-0098", "adopted", "--as-of", WEEK, *BY), "column 'decision': decision must be"),
        (("OCG-0098", "adopt", "--as-of", "2026-11-30", *BY), "no archived run for 2026-11-30"),
        (("OCG-0098", "adopt", "--as-of", WEEK, "--by", " ", "--rationale", "x"), "'by'"),
    ],
)
def test_bad_input_appends_nothing(base: Path, args: tuple[str, ...], says: str) -> None:
    before = (base / "decisions.jsonl").read_bytes()
    code, _, err = decide(base, *args)
    assert code == 65 and says in err, err
    assert (base / "decisions.jsonl").read_bytes() == before


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("group_id,decision,by,rationale\nOCG-0098,keep,A,x\nOCG-9999,adopt,A,y\n", ", line 3"),
        ("group_id,decision,by,rationale\nOCG-0098,keep,A,x\nOCG-0001,maybe,A,y\n", ", line 3"),
        ("group_id,decision,by\nOCG-0098,keep,A\n", ", line 1, column 'rationale'"),
        (
            "group_id,decision,by,rationale,colour\nOCG-0098,keep,A,x,red\n",
            ", line 1, column 'colour'",
        ),
        ("group_id,decision,by,rationale\nOCG-0098,keep,A\n", ":2: record has 3 fields"),
    ],
)
def test_a_malformed_meeting_csv_appends_nothing(base: Path, text: str, where: str) -> None:
    meeting = base / "bad.csv"
    meeting.write_text(text, encoding="utf-8")
    before = (base / "decisions.jsonl").read_bytes()
    code, _, err = decide(base, "--from-csv", str(meeting), "--as-of", WEEK)
    assert code == 65 and f"{meeting}{where}" in err, err
    assert (base / "decisions.jsonl").read_bytes() == before


def test_a_broken_log_is_not_appended_to(base: Path) -> None:
    lines = lines_of(base)
    del lines[0]
    rewrite(base, lines)
    before = (base / "decisions.jsonl").read_bytes()
    code, _, err = decide(base, "OCG-0098", "keep", "--as-of", WEEK, *BY)
    assert code == 65 and "line 1" not in err and ":1:" in err
    assert (base / "decisions.jsonl").read_bytes() == before
