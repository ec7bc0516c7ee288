"""``socprio sample --weeks`` and ``socprio outcomes`` end to end: formats, files, exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socprio.cli.app import app

LEDGERS = Path(__file__).parent / "data" / "ledger"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def hist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outcomes") / "hist"
    code, _, err = run("sample", "--weeks", "12", "--archive", str(path))
    assert code == 0, err
    return path


def outcomes(hist: Path, ledger: Path, *more: str) -> tuple[int, str, str]:
    return run("outcomes", "--archive", str(hist), "--disruptions", str(ledger), *more)


def test_the_two_commands_give_a_table_with_flags(hist: Path) -> None:
    code, out, _ = outcomes(hist, hist / "disruptions.csv")
    assert code == 0
    assert "Did disruption work?" in out and "UNSUPPORTED" in out and "REGROWTH" in out


def test_json_lists_every_run_with_its_manifest_hash_and_the_ledger_hash(hist: Path) -> None:
    import hashlib

    code, out, _ = outcomes(hist, hist / "disruptions.csv", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    runs = doc["meta"]["archive_runs"]
    assert len(runs) == 12
    manifest = (hist / runs[0]["as_of"] / "manifest.json").read_bytes()
    assert runs[0]["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    ledger = (hist / "disruptions.csv").read_bytes()
    assert doc["meta"]["ledger"]["sha256"] == hashlib.sha256(ledger).hexdigest()
    assert set(doc["summaries"]) == {"lead_force", "strand", "tactic", "claimed_grade", "quarter"}
    assert len(doc["band1_by_week"]) == 12
    assert doc["definitions"]["grades_note"].startswith("local definitions")


def test_same_archive_and_ledger_give_the_same_bytes(hist: Path, tmp_path: Path) -> None:
    for fmt in ("csv", "json", "markdown"):
        first = outcomes(hist, hist / "disruptions.csv", "-f", fmt)[1]
        assert first == outcomes(hist, hist / "disruptions.csv", "-f", fmt)[1]
    out = tmp_path / "o.md"
    assert outcomes(hist, hist / "disruptions.csv", "-o", str(out))[0] == 0
    assert out.read_text(encoding="utf-8").startswith("# Did disruption work?")


def test_a_bad_ledger_lists_every_problem_exit_65_and_writes_nothing(
    hist: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o.csv"
    code, _, err = outcomes(hist, LEDGERS / "every_kind_of_bad_row.csv", "-o", str(out))
    assert code == 65
    assert not out.exists()
    assert "12 problem(s) in 12 line(s)" in err
    for line in range(3, 15):
        assert f"line {line}, column" in err
    assert "kneecapping" not in err
    code, _, err = outcomes(hist, LEDGERS / "every_kind_of_bad_row.csv", "--show-values")
    assert code == 65 and "kneecapping" in err


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("group_not_in_archive.csv", "line 3, column 'group_id': group id is in no archived run"),
        ("date_after_as_of.csv", "line 3, column 'date': after the as-of date 2026-11-23"),
        ("missing_and_unknown_columns.csv", "column 'colour': not a ledger column"),
        ("semicolon_delimited.csv", "try --delimiter ';'"),
        ("ragged_row.csv", "record has 7 fields, expected 9"),
        ("duplicate_header.csv", "duplicate column name"),
    ],
)
def test_rejected_ledgers(hist: Path, tmp_path: Path, name: str, needle: str) -> None:
    out = tmp_path / "o.json"
    code, _, err = outcomes(hist, LEDGERS / name, "-o", str(out))
    assert code == 65, err
    assert needle in err
    assert not out.exists()


def test_formula_like_ledger_text_is_escaped_on_export(hist: Path) -> None:
    code, out, _ = outcomes(hist, LEDGERS / "formula_text_in_notes.csv", "-f", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert rows[0]["notes"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["notes"] == "'+1-2" and rows[1]["assessed_by"] == "'@WMP"
    md = outcomes(hist, LEDGERS / "formula_text_in_notes.csv", "-f", "markdown")[1]
    assert "OCG-0001" in md


def test_bom_and_blank_lines_are_accepted(hist: Path) -> None:
    for name in ("bom_crlf_is_fine.csv", "blank_lines_are_skipped.csv"):
        code, _, err = outcomes(hist, LEDGERS / name, "-f", "json")
        assert code == 0, err


def test_a_missing_archive_is_no_input(tmp_path: Path) -> None:
    code, _, err = outcomes(tmp_path / "none", LEDGERS / "bom_crlf_is_fine.csv")
    assert code == 66 and "no complete archived runs" in err


def test_a_changed_archived_ranking_is_refused(hist: Path, tmp_path: Path) -> None:
    copy = tmp_path / "hist"
    shutil.copytree(hist, copy, symlinks=True)
    ranking = copy / "2026-11-23" / "ranking.csv"
    ranking.write_bytes(ranking.read_bytes() + b"\n")
    code, _, err = outcomes(copy, copy / "disruptions.csv")
    assert code == 65 and "does not match the SHA-256" in err


def test_sample_weeks_needs_archive() -> None:
    code, _, err = run("sample", "--weeks", "3")
    assert code == 2 and "--weeks and --archive go together" in err


def test_the_pack_gains_an_outcomes_section_with_the_ledger(hist: Path, tmp_path: Path) -> None:
    from datetime import date

    from socprio.config.load import load_config
    from socprio.sample.generate import generate_csv

    records = tmp_path / "ocgs.csv"
    text = "".join(
        generate_csv(load_config(None).config, groups=40, seed=1, as_of=date(2026, 11, 23))
    )
    records.write_text(text, encoding="utf-8")
    pack = tmp_path / "pack.html"
    base = ["report", str(records), "--as-of", "2026-11-23", "-o", str(pack), "-q"]
    code, _, err = run(*base, "--disruptions", str(hist / "disruptions.csv"))
    assert code == 2 and "--disruptions needs --archive" in err and not pack.exists()
    with_ledger = [*base, "--archive", str(hist), "--disruptions", str(hist / "disruptions.csv")]
    code, _, err = run(*with_ledger)
    assert code == 0, err
    html = pack.read_text(encoding="utf-8")
    assert "Outcomes: did disruption work?" in html and 'aria-label="Band 1 harm' in html
    assert run(*base)[0] == 0
    assert "Outcomes: did disruption work?" not in pack.read_text(encoding="utf-8")


def test_a_record_disagreeing_with_the_ledger_is_a_warning_not_an_error(hist: Path) -> None:
    code, out, err = outcomes(hist, LEDGERS / "formula_text_in_notes.csv", "-f", "json")
    assert code == 0
    assert "2 warning(s): a record's last_disruption_date differs" in err
    warned = json.loads(out)["warnings"]
    assert [(w["line"], w["type"]) for w in warned] == [
        (2, "last_disruption_differs"),
        (3, "last_disruption_differs"),
    ]
    # the synthetic history keeps its records and ledger in step
    assert outcomes(hist, hist / "disruptions.csv", "-f", "json")[2] == ""


def test_a_synthetic_week_replays_and_takes_decisions(hist: Path, tmp_path: Path) -> None:
    """The synthetic history keeps each week's input and config, like rank --archive."""
    code, out, err = run("replay", "--archive", str(hist), "--as-of", "2026-11-23")
    assert code == 0 and "byte-identical" in out, err
    log = tmp_path / "d.jsonl"
    args = ("--log", str(log), "--archive", str(hist), "--as-of", "2026-11-23")
    code, _, err = run("decide", "OCG-0052", "adopt", *args, "--by", "DCI Vale", "--rationale", "r")
    assert code == 0, err
    assert run("log", "verify", str(log))[0] == 0
