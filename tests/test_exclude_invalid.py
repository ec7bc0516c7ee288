"""``--exclude-invalid``: one mistyped cell need not stop the 9am ranking, but the way forward
is explicit, marked on every output with the lines left out, and exits 3 so cron notices."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socprio import assess
from socprio.cli.app import app
from socprio.config.models import LoadedConfig
from socprio.errors import ExitCode
from socprio.pipeline.assess import RejectedRecords

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
AS_OF = ["--as-of", "2026-11-23"]
BAD_LINES = (4, 9)

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def with_bad_cells(tmp_path: Path, lines: tuple[int, ...] = BAD_LINES) -> tuple[Path, list[str]]:
    """The sample with member_count mistyped on ``lines``; returns it and their group ids."""
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
    column = rows[0].index("member_count")
    for line in lines:
        rows[line - 1][column] = "lots"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path = tmp_path / "two_mistyped_member_counts.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path, [rows[line - 1][0] for line in lines]


def test_default_stays_all_or_nothing_and_names_the_way_forward(tmp_path: Path) -> None:
    bad, _ = with_bad_cells(tmp_path)
    out = tmp_path / "r.csv"
    code, _, err = run("rank", str(bad), *AS_OF, "-o", str(out))
    assert code == ExitCode.DATA
    assert "--exclude-invalid" in err
    assert not out.exists()


def test_library_ranks_the_valid_records_and_counts_the_lines_left_out(
    tmp_path: Path, loaded: LoadedConfig
) -> None:
    bad, ids = with_bad_cells(tmp_path)
    with pytest.raises(RejectedRecords):
        assess(bad, loaded, as_of=date(2026, 11, 23))
    a = assess(bad, loaded, as_of=date(2026, 11, 23), exclude_invalid=True)
    counts = a.provenance.counts
    assert counts.excluded_lines == BAD_LINES
    assert counts.rejected == 2
    assert counts.read == counts.valid + counts.rejected + counts.blank_skipped
    assert not set(ids) & set(a.table["group_id"])
    assert [i.line for i in a.excluded] == list(BAD_LINES)


def test_every_output_is_marked_and_the_run_exits_3(tmp_path: Path) -> None:
    bad, ids = with_bad_cells(tmp_path)
    archive, pack = tmp_path / "archive", tmp_path / "pack.html"
    out = tmp_path / "r.csv"
    args = (str(bad), *AS_OF, "--exclude-invalid")
    code, _, err = run("rank", *args, "-o", str(out), "--archive", str(archive), "-q")
    assert code == ExitCode.PARTIAL == 3
    assert "warning" in err and "lines 4, 9" in err  # even with --quiet: cron mails it
    assert "line 4, column 'member_count'" in err and "lots" not in err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {r["excluded"] for r in rows} == {
        "PARTIAL: 2 rejected record(s) left out by --exclude-invalid (lines 4, 9)"
    }
    assert not set(ids) & {r["group_id"] for r in rows}
    week = archive / "2026-11-23"
    meta = json.loads((week / "ranking.json").read_text(encoding="utf-8"))["meta"]
    assert meta["counts"]["excluded_lines"] == list(BAD_LINES)
    manifest = json.loads((week / "manifest.json").read_text(encoding="utf-8"))
    assert "excluded_lines" in json.dumps(manifest)
    assert run("report", *args, "-o", str(pack), "-q")[0] == ExitCode.PARTIAL
    assert 'class="partial"' in pack.read_text(encoding="utf-8")
    code, md, _ = run("rank", *args, "-f", "markdown")
    assert code == ExitCode.PARTIAL and "PARTIAL: 2 rejected record(s)" in md


def test_a_whole_run_carries_no_partial_mark(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    code, _, _ = run("rank", str(SAMPLE), *AS_OF, "--exclude-invalid", "-o", str(out), "-q")
    assert code == ExitCode.OK
    assert "excluded" not in out.read_text(encoding="utf-8-sig").splitlines()[0]


def test_a_file_level_problem_still_rejects_everything(tmp_path: Path) -> None:
    header_broken = tmp_path / "unknown_column.csv"
    text = SAMPLE.read_text(encoding="utf-8")
    header_broken.write_text(text.replace("member_count", "members_count", 1), encoding="utf-8")
    out = tmp_path / "r.csv"
    code, _, err = run("rank", str(header_broken), *AS_OF, "--exclude-invalid", "-o", str(out))
    assert code == ExitCode.DATA and not out.exists()
    assert "ranks the rest" not in err  # no way forward is offered where none exists


def test_nothing_valid_is_rejected_not_an_empty_partial_ranking(tmp_path: Path) -> None:
    bad, _ = with_bad_cells(tmp_path, (2, 3))
    bad.write_text("\n".join(bad.read_text(encoding="utf-8").splitlines()[:3]) + "\n")
    out = tmp_path / "r.csv"
    code, _, _ = run("rank", str(bad), *AS_OF, "--exclude-invalid", "-o", str(out))
    assert code == ExitCode.DATA and not out.exists()


def test_only_commands_that_have_the_option_offer_it(tmp_path: Path) -> None:
    bad, _ = with_bad_cells(tmp_path)
    for command in ("slate", "gaps", "stability"):  # (quality counts rejected records)
        code, _, err = run(command, str(bad), *AS_OF)
        assert code == ExitCode.DATA and "--exclude-invalid" not in err, command
    code, _, err = run("report", str(bad), *AS_OF, "-o", str(tmp_path / "p.html"))
    assert code == ExitCode.DATA and "--exclude-invalid" in err


def test_a_group_left_out_is_not_blamed_on_the_input(tmp_path: Path) -> None:
    """Compared with last week, a group whose record was rejected says so; it is not
    'missing from the input'."""
    bad, ids = with_bad_cells(tmp_path)
    previous = tmp_path / "last_week.csv"
    assert run("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-o", str(previous), "-q")[0] == 0
    args = ("rank", str(bad), *AS_OF, "--exclude-invalid", "--previous", str(previous))
    code, out, _ = run(*args, "-f", "json", "-q")
    assert code == ExitCode.PARTIAL
    dropped = {d["group_id"]: d["reason"] for d in json.loads(out)["meta"]["movement"]["dropped"]}
    ranked = [gid for gid in ids if gid in previous.read_text(encoding="utf-8-sig")]
    assert ranked  # at least one of them was ranked last week
    assert {gid: dropped.get(gid) for gid in ranked} == dict.fromkeys(
        ranked, "its record was rejected; --exclude-invalid left it out"
    )
