"""The README's promises hold: its quick-start targets exist and its shown output is real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socprio.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_exactly_the_two_make_commands() -> None:
    start = README.index("## Quick start")
    block = re.search(r"```sh\n(.*?)```", README[start:], re.DOTALL)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_the_invalid_sample_output_shown_in_the_readme_is_what_validate_prints() -> None:
    command = "socprio validate sample_data/invalid_ocgs.csv --as-of 2026-11-23"
    shown = README.split(f"$ {command}\n", 1)[1].split("\n$ echo $?", 1)[0]
    result = CliRunner().invoke(app, command.split()[1:])
    assert result.exit_code == 65
    assert result.stdout.rstrip("\n") == shown


def test_every_exit_code_is_in_the_readme_table_and_the_help() -> None:
    from socprio.errors import ExitCode

    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    listed = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert listed == {int(c) for c in ExitCode if c is not ExitCode.BUG}
    help_text = " ".join(CliRunner().invoke(app, ["--help"]).stdout.split())
    for code in listed:
        assert f"{code} " in help_text.split("Exit codes:", 1)[1]


def test_did_disruption_work_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = README.index("## Did disruption work?")
    blocks = re.findall(r"```(sh|text)\n(.*?)```", README[start:], re.DOTALL)[:2]
    commands = blocks[0][1].strip().splitlines()
    assert commands == [
        "socprio sample --weeks 12 --archive hist",
        "socprio outcomes --archive hist --disruptions hist/disruptions.csv",
    ]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    results = [runner.invoke(app, command.split()[1:]) for command in commands]
    assert [r.exit_code for r in results] == [0, 0]
    assert results[1].stdout.splitlines()[0] == blocks[1][1].strip()
