"""End-to-end runs through typer's CliRunner: exit codes, streams, files, and no tracebacks."""

from __future__ import annotations

import json
import stat
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from socprio import __version__
from socprio.cli.app import app
from socprio.errors import ExitCode
from socprio.write.atomic import directory_lock

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
AS_OF = ["--as-of", "2026-11-23"]

runner = CliRunner()


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def broken_copy(tmp_path: Path, line: int, column: str, value: str) -> Path:
    """The sample with one cell replaced (line is physical, header = 1)."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    import csv
    import io

    row = next(csv.reader([lines[line - 1]]))
    row[header.index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    lines[line - 1] = buf.getvalue()
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out
    code, out, _ = run("--help")
    assert code == 0
    for command in ("validate", "rank", "explain", "schema", "config", "sample"):
        assert command in out
    assert "65 invalid data" in out


def test_validate_sample_reports_170_active_groups() -> None:
    code, out, _ = run("validate", str(SAMPLE), *AS_OF)
    assert code == 0
    assert "170 active" in out
    assert out.rstrip().endswith("OK")


def test_validate_json_lists_one_object_per_issue(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, 5, "violence", "high")
    code, out, _ = run("validate", str(path), *AS_OF, "--format", "json")
    assert code == ExitCode.DATA
    payload = json.loads(out)
    errors = [i for i in payload["issues"] if i["severity"] == "error"]
    assert errors == [
        {
            "severity": "error",
            "type": "invalid_choice",
            "file": str(path),
            "line": 5,
            "column": "violence",
            "message": errors[0]["message"],
        }
    ]
    assert payload["counts"]["invalid"] == 1


def test_error_text_never_contains_the_cell_value(tmp_path: Path) -> None:
    secret = "ZEBRA-SECRET-42"
    path = broken_copy(tmp_path, 7, "lead_force", secret)
    code, out, err = run("validate", str(path), *AS_OF)
    assert code == ExitCode.DATA
    assert secret not in out + err
    code, out, err = run("validate", str(path), *AS_OF, "--show-values")
    assert secret in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("validate", "does-not-exist.csv"), ExitCode.NO_INPUT),
        (("rank", "does-not-exist.csv"), ExitCode.NO_INPUT),
        (("rank", str(SAMPLE), "--as-of", "23/11/2026"), ExitCode.USAGE),
        (("rank", str(SAMPLE), "--format", "xml"), ExitCode.USAGE),
        (("rank", str(SAMPLE), "--config", "missing.yaml"), ExitCode.CONFIG),
        (("rank", str(SAMPLE), "--delimiter", ";;"), ExitCode.USAGE),
        (("explain", "OCG-9999", str(SAMPLE), *AS_OF), ExitCode.USAGE),
    ],
)
def test_user_mistakes_exit_with_their_code_and_no_traceback(
    args: tuple[str, ...], expected: ExitCode
) -> None:
    code, _, err = run(*args)
    assert code == expected
    assert err.strip()


def test_workbook_renamed_as_csv_is_not_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "ocgs.csv"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    code, _, err = run("validate", str(path))
    assert code == ExitCode.NO_INPUT
    assert "Excel" in err


def test_invalid_config_is_located(tmp_path: Path) -> None:
    text = (ROOT / "config" / "scoring.yaml").read_text(encoding="utf-8")
    bad = text.replace("weight: 0.45", "weight: -1", 1)
    line = (
        bad.splitlines().index(
            "    weight: -1 # the strategy targets the highest harm first; MoRiLE is harm-led"
        )
        + 1
    )
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    code, _, err = run("config", "check", str(path))
    assert code == ExitCode.CONFIG
    assert f"{path}:{line}:" in err


def test_config_env_var_is_used_when_no_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "env.yaml"
    path.write_text("version: [\n", encoding="utf-8")
    monkeypatch.setenv("SOCPRIO_CONFIG", str(path))
    code, _, err = run("config", "check")
    assert code == ExitCode.CONFIG and str(path) in err
    code, out, _ = run("config", "check", str(ROOT / "config" / "scoring.yaml"))
    assert code == 0 and "ok" in out


def test_rank_csv_and_json_are_byte_identical_across_runs() -> None:
    for fmt in ("csv", "json"):
        first = run("rank", str(SAMPLE), *AS_OF, "-f", fmt, "-q")
        second = run("rank", str(SAMPLE), *AS_OF, "-f", fmt, "-q")
        assert first[0] == 0 and first == second


def test_rank_json_meta_names_config_input_and_counts() -> None:
    code, out, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q")
    assert code == 0
    payload = json.loads(out)
    meta = payload["meta"]
    import hashlib

    assert meta["input"]["sha256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert meta["as_of"] == "2026-11-23"
    assert meta["counts"]["ranked"] == len(payload["groups"]) == 170
    assert meta["tool_version"] == __version__
    assert len(meta["config"]["sha256"]) == 64


def test_rank_table_fits_100_columns_and_shows_every_group() -> None:
    code, out, err = run("rank", str(SAMPLE), *AS_OF)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "ranked 170" in err
    assert "OFFICIAL-SENSITIVE" in out


def test_rank_output_file_is_private_and_excel_friendly(tmp_path: Path) -> None:
    target = tmp_path / "ranking.csv"
    code, out, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-o", str(target), "-q")
    assert code == 0 and out == ""
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    piped = runner.invoke(app, ["rank", str(SAMPLE), *AS_OF, "-f", "csv", "-q"])
    assert data[3:] == piped.stdout_bytes  # same CRLF text; only the file carries a BOM


def test_rejected_record_writes_nothing_and_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "ranking.csv"
    target.write_bytes(b"last week\r\n")
    path = broken_copy(tmp_path, 9, "status", "sleeping")
    code, _, err = run("rank", str(path), *AS_OF, "-f", "csv", "-o", str(target))
    assert code == ExitCode.DATA
    assert "nothing was ranked or written" in err
    assert target.read_bytes() == b"last week\r\n"
    # the lock file stays (removing a flock file races with the next run); no data file does
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".socprio.lock", "broken.csv", "ranking.csv"]


def test_output_directory_missing_is_cant_create(tmp_path: Path) -> None:
    code, _, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-o", str(tmp_path / "no" / "x.csv"))
    assert code == ExitCode.CANT_CREATE


def test_locked_output_directory_exits_75_and_touches_nothing(tmp_path: Path) -> None:
    target = tmp_path / "ranking.csv"
    target.write_bytes(b"previous")
    with directory_lock(tmp_path):
        code, _, err = run("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-o", str(target))
    assert code == ExitCode.LOCKED and "another socprio run" in err
    assert target.read_bytes() == b"previous"


def test_stdin_input() -> None:
    code, out, _ = run("rank", "-", *AS_OF, "-f", "csv", "-q", input=SAMPLE.read_bytes())
    assert code == 0
    assert out == run("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-q")[1]


def test_filters_keep_regional_ranks() -> None:
    _, all_csv, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q")
    _, wmp_csv, _ = run(
        "rank", str(SAMPLE), *AS_OF, "-f", "json", "-q", "--force", "WMP", "--top", "5"
    )
    everyone = {g["group_id"]: g["rank"] for g in json.loads(all_csv)["groups"]}
    wmp = json.loads(wmp_csv)["groups"]
    assert len(wmp) == 5
    assert all(g["lead_force"] == "WMP" and everyone[g["group_id"]] == g["rank"] for g in wmp)


def test_explain_shows_breakdown_and_neighbours() -> None:
    _, out, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q")
    second = json.loads(out)["groups"][1]["group_id"]
    code, text, _ = run("explain", second, str(SAMPLE), *AS_OF)
    assert code == 0
    assert "rank 2 of 170" in text
    assert "Below #1" in text and "Above #3" in text
    for factor in ("violence", "intent", "crime_harm", "links"):
        assert factor in text


def test_schema_markdown_and_config_show() -> None:
    code, out, _ = run("schema", "--format", "markdown")
    assert code == 0 and "| group_id |" in out and "| violence |" in out
    code, out, _ = run("config", "show")
    assert code == 0 and "Effective" in out and "R2-threat-to-life" in out


def test_sample_file_regenerates_identically() -> None:
    code, out, _ = run("sample")
    assert code == 0
    assert out.encode("utf-8") == SAMPLE.read_bytes()


def test_rank_xlsx_needs_an_output_file_and_writes_a_workbook(tmp_path: Path) -> None:
    code, _, err = run("rank", str(SAMPLE), *AS_OF, "-f", "xlsx")
    assert code == ExitCode.USAGE and "--output" in err
    target = tmp_path / "tasking.xlsx"
    code, out, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "xlsx", "-o", str(target), "-q")
    assert code == 0 and out == ""
    from openpyxl import load_workbook

    book = load_workbook(target)
    assert book.sheetnames == ["Ranking", "Breakdown", "Summary", "Method"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_report_writes_a_self_contained_pack(tmp_path: Path) -> None:
    target = tmp_path / "pack.html"
    code, out, _ = run("report", str(SAMPLE), *AS_OF, "-o", str(target), "--draws", "50", "-q")
    assert code == 0 and out == ""
    html = target.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert html.count("OFFICIAL-SENSITIVE") >= 2
    first = json.loads(run("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q")[1])["groups"][0]
    assert first["group_id"] in html
    assert "Rank 5-95%" in html and "not assessed in this run" not in html


def test_draws_has_the_stability_alias_and_report_defaults_to_none(tmp_path: Path) -> None:
    pages: dict[str | None, str] = {}
    for option in ("--draws", "--stability", None):
        target = tmp_path / f"{option or 'default'}.html"
        extra = (option, "20", "--seed", "4") if option else ()
        code, _, _ = run("report", str(SAMPLE), *AS_OF, "-o", str(target), *extra, "-q")
        assert code == 0
        pages[option] = target.read_text(encoding="utf-8")
    assert pages["--draws"] == pages["--stability"]
    assert "Rank 5-95%" in pages["--draws"]
    assert "Rank 5-95%" not in pages[None] and "not assessed in this run" in pages[None]
    code, out, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q", "--draws", "20")
    assert code == 0 and json.loads(out)["meta"]["stability"]["draws"] == 20
    code, out, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q")
    assert code == 0 and "stability" not in json.loads(out)["meta"]


def test_formula_triggers_in_codenames_and_notes_are_escaped_and_read_back(
    tmp_path: Path,
) -> None:
    """Every trigger goes in through the real input file and comes out inert in the CSV."""
    import csv
    import io

    from socprio.present.escape import TRIGGERS, unescape_cell

    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [next(csv.reader([line])) for line in lines[1:]]
    active = [r for r in rows if r[header.index("status")] == "active"]
    planted: dict[str, tuple[str, str]] = {}
    # Codenames are one trimmed line, so tab/CR/LF can only lead the (multi-line) notes.
    for i, trigger in enumerate(sorted(TRIGGERS - {"\x00"})):
        row = active[i]
        codename = f"{trigger}CMD|calc" if trigger.strip() else f"X{i} CODENAME"
        row[header.index("codename")] = codename
        row[header.index("notes")] = f'{trigger}HYPERLINK("x")'
        planted[row[header.index("group_id")]] = (codename, row[header.index("notes")])
    source = tmp_path / "triggers.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])  # CRLF, as Excel writes: a lone CR is quoted
    target = tmp_path / "ranking.csv"
    code, _, _ = run("rank", str(source), *AS_OF, "-f", "csv", "-o", str(target), "-q")
    assert code == 0
    text = target.read_bytes().decode("utf-8-sig")  # not read_text: it rewrites a lone CR
    table = list(csv.reader(io.StringIO(text, newline="")))
    cols = table[0]
    for cells in table:
        for cell in cells:
            assert cell[:1] not in TRIGGERS, cell  # nothing a spreadsheet would evaluate
    by_id = {cells[cols.index("group_id")]: cells for cells in table[1:]}
    for group_id, (codename, notes) in planted.items():
        out = by_id[group_id]
        assert unescape_cell(out[cols.index("codename")]) == codename
        assert unescape_cell(out[cols.index("notes")]) == notes
    assert float(by_id[next(iter(planted))][cols.index("score")]) >= 0  # numbers stay numbers


@pytest.fixture(scope="module")
def all_dormant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with every group dormant: nothing can be ranked."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8-sig"))))
    for row in rows:
        row["status"] = "dormant"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("dormant") / "all-dormant.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["rank"],
        ["rank", "-f", "csv"],
        ["rank", "-f", "json"],
        ["rank", "-f", "markdown"],
        ["rank", "-f", "xlsx", "-o", "{out}/r.xlsx"],
        ["rank", "--archive", "{out}/archive"],
        ["report", "-o", "{out}/pack.html"],
        ["stability", "--draws", "50"],
        ["gaps"],
        ["quality"],
    ],
    ids=lambda c: " ".join(c[:3]),
)
def test_a_run_with_nothing_to_rank_says_so_and_exits_0(
    all_dormant: Path, tmp_path: Path, command: list[str]
) -> None:
    """All groups dormant crashed rank, report, stability and explain (cannot reshape)."""
    args = [c.format(out=tmp_path) for c in command]
    code, out, err = run(args[0], str(all_dormant), *args[1:], *AS_OF)
    assert code == 0, err
    if args[0] == "rank":
        assert "ranked 0 of 183" in err
    if "-f" in args and args[args.index("-f") + 1] == "json":
        assert json.loads(out)["groups"] == []


def test_explain_of_a_group_when_nothing_is_ranked(all_dormant: Path) -> None:
    code, out, _ = run("explain", "OCG-0001", str(all_dormant), *AS_OF)
    assert code == 0 and "OCG-0001" in out


def test_a_file_without_a_header_row_names_no_cell_value_on_stderr(tmp_path: Path) -> None:
    """Line 1 of such a file is data: the error named a cell ('0') as a column name."""
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    headerless = tmp_path / "no-header-row.csv"
    headerless.write_text("".join(lines[1:]), encoding="utf-8")
    code, _, err = run("rank", str(headerless), *AS_OF)
    assert code == ExitCode.DATA
    assert "does line 1 hold the column names?" in err
    cells = {c for c in lines[1].rstrip("\n").split(",") if len(c) > 0}
    assert not {c for c in cells if f"'{c}'" in err or f": {c}" in err}


def test_report_quiet_with_codenames_the_font_lacks_prints_nothing(tmp_path: Path) -> None:
    """The pack's charts once warned 'Glyph ... missing from font' (matplotlib), naming the
    characters on stderr; the text is now drawn by the viewer's fonts and nothing is said."""
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    header = lines[0].split(",")
    at = header.index("codename")
    rows = [line.split(",") for line in lines[1:]]
    for k, row in enumerate(rows[:30]):
        row[at] = f"देवनागरी 漢字 {k}"
    source = tmp_path / "codenames-in-scripts-the-font-lacks.csv"
    source.write_text(lines[0] + "".join(",".join(r) for r in rows), encoding="utf-8")
    code, out, err = run("report", str(source), *AS_OF, "-q", "-o", str(tmp_path / "p.html"))
    assert code == 0 and out == "" and err == ""
    assert "देवनागरी" in (tmp_path / "p.html").read_text(encoding="utf-8")


HIDDEN_CATS = ["Cc", "Cf", "Zl", "Zp"]
HIDDEN = st.characters(codec="utf-8", categories=HIDDEN_CATS, exclude_characters="\n\r")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(alphabet=st.one_of(HIDDEN, st.sampled_from("ab]52;c;[")), min_size=1, max_size=12)
)
def test_a_hostile_header_cell_never_reaches_the_terminal_raw(tmp_path: Path, name: str) -> None:
    """OSC 52 / OSC 8 / bidi in a header cell reached the terminal through validate and rank."""
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    text = "\n".join([lines[0] + ",x" + name, *(line + ",1" for line in lines[1:4])]) + "\n"
    source = tmp_path / "header-cell-with-controls.csv"
    source.write_text(text, encoding="utf-8")
    for command in ("validate", "rank"):
        _, out, err = run(command, str(source), *AS_OF)
        shown = out + err
        assert not [c for c in shown if c not in "\n" and unicodedata.category(c) in HIDDEN_CATS]


def test_a_failed_rank_lists_its_errors_and_only_counts_the_warnings() -> None:
    """One mistyped cell among many records was buried under 20 warning lines."""
    code, _, err = run("rank", str(SAMPLE), "--as-of", "2026-11-16")  # reviews after it: errors
    assert code == ExitCode.DATA
    lines = err.splitlines()
    assert "[future_date]" in lines[1]  # the first error comes right after the error count
    assert not [line for line in lines if "[stale_review]" in line or "[few_members]" in line]
    assert any(line.endswith("; 'socprio validate' lists them") for line in lines)
    code, out, _ = run("validate", str(SAMPLE), "--as-of", "2026-11-16")
    assert "[stale_review]" in out  # validate still lists every kind
