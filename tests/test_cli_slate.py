"""``socprio slate`` end to end: formats, files, capacity from the config, effort, errors."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from socprio.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
CONFIG = ROOT / "config" / "scoring.yaml"
AS_OF = ["--as-of", "2026-11-23"]
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def config_with(tmp_path: Path, capacity: dict[str, object]) -> Path:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["capacity"] = capacity
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_csv_has_a_decision_and_a_reason_for_every_ranked_group() -> None:
    code, out, err = run("slate", str(SAMPLE), *AS_OF, "-f", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 170
    assert {r["decision"] for r in rows} == {"ADOPT", "KEEP", "RELEASE", "BELOW_THE_LINE"}
    assert all(r["reason"] for r in rows)
    assert "slate: " in err and "adopted" in err


def test_json_owners_stay_within_capacity(tmp_path: Path) -> None:
    out = tmp_path / "slate.json"
    code, _, err = run("slate", str(SAMPLE), *AS_OF, "-o", str(out), "-q")
    assert code == 0 and err == ""
    assert out.stat().st_mode & 0o777 == 0o600
    data = json.loads(out.read_text(encoding="utf-8"))
    for owner in data["owners"]:
        assert owner["used"] <= owner["capacity"]
        assert owner["free"] == owner["capacity"] - owner["used"]
    groups = data["groups"]
    for owner in data["owners"]:
        taken = [g for g in groups if g["lead_force"] == owner["owner"]]
        assert sum(g["decision"] in ("ADOPT", "KEEP") for g in taken) == owner["used"]
    assert all(g["decision"] in ("ADOPT", "KEEP") for g in groups if "ACTION_NOW" in g["flags"])


def test_markdown_and_table_show_the_owners() -> None:
    code, out, _ = run("slate", str(SAMPLE), *AS_OF, "-f", "markdown")
    assert code == 0 and "| owner | capacity |" in out and "BELOW\\_THE\\_LINE" in out
    code, out, _ = run("slate", str(SAMPLE), *AS_OF)
    assert code == 0 and "best below the line" in out and "KEEP" in out


def test_capacity_short_is_said_plainly(tmp_path: Path) -> None:
    path = config_with(tmp_path, {"default_slots": 0})
    code, out, err = run("slate", str(SAMPLE), *AS_OF, "-c", str(path), "-f", "markdown")
    assert code == 0
    assert "CAPACITY SHORT" in out and "CAPACITY SHORT" in err
    assert "ADOPT |" not in out and "KEEP |" not in out


def test_no_capacity_configured_adopts_every_group(tmp_path: Path) -> None:
    path = config_with(tmp_path, {})
    code, out, _ = run("slate", str(SAMPLE), *AS_OF, "-c", str(path), "-f", "json")
    assert code == 0
    assert {g["decision"] for g in json.loads(out)["groups"]} == {"ADOPT", "KEEP"}


def with_effort(tmp_path: Path, cells: list[str]) -> Path:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    body = (f"{line},{c}" for line, c in zip(lines[1:], cells, strict=False))
    out = [lines[0] + ",effort", *body]
    path = tmp_path / "ocgs.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def test_effort_column_limits_by_effort(tmp_path: Path) -> None:
    config = config_with(
        tmp_path, {"effort_column": "effort", "owners": {"WMP": {"slots": 80, "effort": 10}}}
    )
    data = with_effort(tmp_path, ["3"] * 200)
    code, out, err = run("slate", str(data), *AS_OF, "-c", str(config), "-f", "json")
    assert code == 0, err
    wmp = next(o for o in json.loads(out)["owners"] if o["owner"] == "WMP")
    assert wmp["used"] == 3 and wmp["effort_used"] == 9.0


def test_a_bad_effort_cell_is_located(tmp_path: Path) -> None:
    config = config_with(tmp_path, {"effort_column": "effort"})
    data = with_effort(tmp_path, ["1", "2", "lots"] + ["1"] * 200)
    code, out, err = run("slate", str(data), *AS_OF, "-c", str(config))
    assert code == 65 and out == ""
    assert "line 4, column 'effort'" in err and "lots" not in err


def test_an_unknown_capacity_owner_is_a_config_error(tmp_path: Path) -> None:
    path = config_with(tmp_path, {"owners": {"MET": {"slots": 3}}})
    code, _, err = run("slate", str(SAMPLE), *AS_OF, "-c", str(path))
    assert code == 78 and "capacity.owners.MET" in err


def test_table_format_to_a_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, _ = run("slate", str(SAMPLE), *AS_OF, "-f", "table", "-o", str(tmp_path / "x"))
    assert code == 2


def test_the_pack_has_a_slate_section(tmp_path: Path) -> None:
    out = tmp_path / "pack.html"
    code, _, err = run("report", str(SAMPLE), *AS_OF, "-o", str(out), "-q")
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    assert "<h2>Slate</h2>" in html and "Proposed changes" in html
    assert html.index("<h2>Slate</h2>") < html.index("<h2>Method</h2>")
    assert "capacity needed for OCG-" in html


README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## From ranking to decision\n", 1)[1].split("\n## ", 1)[0]


def test_readme_slate_sample_is_what_slate_prints() -> None:
    shown = SECTION.split("<!-- slate-sample: begin -->\n", 1)[1].split("<!-- slate", 1)[0]
    code, out, _ = run("slate", str(SAMPLE), *AS_OF, "-f", "markdown")
    assert code == 0
    assert out.split("\n\n")[1] + "\n" == shown
    text = run("slate", str(SAMPLE), *AS_OF, "-f", "csv")[1]
    rows = {r["group_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(re.findall(r'`(OCG-\d+) (\w+) "([^"]+)"`', SECTION)) == 2
    for gid, decision, reason in re.findall(r'`(OCG-\d+) (\w+) "([^"]+)"`', SECTION):
        assert (rows[gid]["decision"], rows[gid]["reason"]) == (decision, reason)


def test_readme_week_from_ranking_to_decision_runs_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sample_data").mkdir()
    shutil.copy(SAMPLE, tmp_path / "sample_data" / "ocgs.csv")
    meeting = SECTION.split("```csv\n", 1)[1].split("```", 1)[0]
    (tmp_path / "meeting.csv").write_text(meeting, encoding="utf-8")
    console = SECTION.split("```console\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    for step in console.split("$ ")[1:]:
        command, _, shown = step.partition("\n")
        argv = shlex.split(command)
        assert argv[0] == "socprio"
        result = runner.invoke(app, argv[1:])
        assert result.exit_code == 0, (command, result.stderr)
        assert re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", result.stdout) == shown, command


def test_the_terminal_table_lists_the_changes_first_and_says_how_many_more() -> None:
    """170 groups: 60 listed (every ADOPT and RELEASE among them), then how to see the rest;
    --all lists every group."""
    code, csv_text, _ = run("slate", str(SAMPLE), *AS_OF, "-f", "csv", "-q")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    changes = [r["group_id"] for r in rows if r["decision"] in ("ADOPT", "RELEASE")]
    assert 0 < len(changes) <= 60
    code, table, _ = run("slate", str(SAMPLE), *AS_OF, "-q")
    assert code == 0 and f"{len(rows) - 60} more groups not listed" in table
    assert all(gid in table for gid in changes)
    assert len(re.findall(r"^\s*\d+\s+OCG-\d+\s", table, re.M)) == 60  # one line per group
    code, every, _ = run("slate", str(SAMPLE), *AS_OF, "-q", "--all")
    assert code == 0 and "more groups not listed" not in every
    assert all(r["group_id"] in every for r in rows)
