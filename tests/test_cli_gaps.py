"""``socprio gaps`` and ``socprio quality`` end to end: formats, files, filters, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from socprio.cli.app import app
from socprio.present.escape import unescape_cell

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
INVALID = ROOT / "sample_data" / "invalid_ocgs.csv"
AS_OF = ["--as-of", "2026-11-23"]
REQUIRED = (
    "group_id",
    "factor",
    "score",
    "band",
    "score_if_min",
    "band_if_min",
    "score_if_max",
    "band_if_max",
)

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_gaps_csv_has_one_row_per_pair_most_relevant_first_with_the_marking() -> None:
    code, out, _ = run("gaps", str(SAMPLE), *AS_OF, "-f", "csv", "--all")
    assert code == 0
    table = rows(out)
    assert set(REQUIRED) <= set(table[0])
    pairs = [(r["group_id"], r["factor"]) for r in table]
    assert len(pairs) == len(set(pairs))
    order = ["band_1", "band", "top_k", "none"]
    impacts = [order.index(r["impact"]) for r in table]
    assert impacts == sorted(impacts) and impacts[-1] == 3
    assert {r["marking"] for r in table} == {"OFFICIAL-SENSITIVE"}
    assert [int(r["priority"]) for r in table] == list(range(1, len(table) + 1))
    code, out, _ = run("gaps", str(SAMPLE), *AS_OF, "-f", "csv")
    assert rows(out) == [r for r in table if r["impact"] != "none"]


def test_gaps_json_counts_agree_with_its_pairs_and_groups() -> None:
    code, out, _ = run("gaps", str(SAMPLE), *AS_OF, "-f", "json", "--all")
    assert code == 0
    data = json.loads(out)
    summary, pairs, groups = data["summary"], data["pairs"], data["groups"]
    assert data["meta"]["marking"] == "OFFICIAL-SENSITIVE"
    assert summary["unknown_cells"] == len(pairs)
    assert summary["groups_with_unknowns"] == len(groups) == len({p["group_id"] for p in pairs})
    settled = [g for g in groups if g["settle"] == "one_fact"]
    assert summary["settled_by_one_fact"] == len(settled)
    named = {(p["group_id"], p["factor"]) for p in pairs if p["settles_band"]}
    assert named == {(g["group_id"], g["settled_by"]) for g in settled}
    quiet = [g for g in groups if not g["single_fact_could_change_band"]]
    assert summary["no_single_fact_changes_band"] == len(quiet)


def test_gaps_table_ends_with_the_count_no_single_fact_could_change() -> None:
    code, out, _ = run("gaps", str(SAMPLE), *AS_OF, "--top", "5")
    assert code == 0
    assert out.startswith(" ") and "OFFICIAL-SENSITIVE" in out.splitlines()[0]
    assert out.rstrip().splitlines()[-1].startswith("No single fact could change the band of")
    code, md, _ = run("gaps", str(SAMPLE), *AS_OF, "--top", "5", "-f", "markdown")
    assert md.startswith("**OFFICIAL-SENSITIVE**") and md.count("| OCG-") == 5


def test_force_filter_keeps_regional_ranks_and_a_bad_force_is_a_usage_error() -> None:
    _, everything, _ = run("gaps", str(SAMPLE), *AS_OF, "-f", "csv")
    _, mine, _ = run("gaps", str(SAMPLE), *AS_OF, "-f", "csv", "--force", "warks")
    regional = [r for r in rows(everything) if r["lead_force"] == "WARKS"]
    assert rows(mine) == regional and regional
    code, _, err = run("gaps", str(SAMPLE), *AS_OF, "--force", "WARK")
    assert code == 2 and "did you mean 'warks'" in err


def test_hostile_codenames_are_formula_escaped_in_the_csv(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    table = list(csv.reader(text[1:]))
    for row in table:
        row[header.index("codename")] = "=HYPERLINK(1)"
    path = tmp_path / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *table])
    code, out, _ = run("gaps", str(path), *AS_OF, "-f", "csv")
    assert code == 0
    names = {r["codename"] for r in rows(out)}
    assert names == {"'=HYPERLINK(1)"} and unescape_cell(names.pop()) == "=HYPERLINK(1)"


def test_output_files_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    code, stdout, _ = run("gaps", str(SAMPLE), *AS_OF, "-o", str(out))
    assert code == 0 and stdout == ""
    assert out.read_bytes().startswith(b"\xef\xbb\xbfpriority,")
    assert (out.stat().st_mode & 0o777) == 0o600
    before = out.read_bytes()
    code, _, _ = run("gaps", str(INVALID), *AS_OF, "-o", str(out))
    assert code == 65 and out.read_bytes() == before  # a rejected record: nothing written
    code, _, err = run("gaps", str(SAMPLE), *AS_OF, "-o", str(tmp_path / "plan.txt"))
    assert code == 2 and "table format is for the terminal" in err
    code, _, _ = run("gaps", str(SAMPLE), *AS_OF, "-f", "json", "-o", str(out))
    assert code == 2


def test_explain_shows_the_groups_unknowns() -> None:
    _, out, _ = run("gaps", str(SAMPLE), *AS_OF, "-f", "csv", "--top", "1")
    first = rows(out)[0]
    code, text, _ = run("explain", first["group_id"], str(SAMPLE), *AS_OF)
    assert code == 0 and "Unknowns (socprio gaps):" in text
    assert f"  {first['factor']}: {first['level_if_min']} -> {first['score_if_min']}" in text
    code, raw, _ = run("explain", first["group_id"], str(SAMPLE), *AS_OF, "-f", "json")
    unknowns = json.loads(raw)["unknowns"]
    assert unknowns["pairs"][0]["factor"] == first["factor"]
    assert unknowns["pairs"][0]["score_if_max"] == float(first["score_if_max"])


def test_quality_runs_on_a_file_with_rejected_records_and_counts_them() -> None:
    code, out, _ = run("quality", str(INVALID), *AS_OF, "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert sum(f["rejected"] for f in data["forces"]) + data["rejected_unreadable_force"] == 12
    assert data["meta"]["counts"]["rejected"] == 12
    code, text, _ = run("quality", str(INVALID), *AS_OF)
    assert code == 0 and "Rejected records: 12 (1 with no readable lead force)" in text
    assert "WMPD" not in text + out  # line 3's unreadable force: counted, never shown


def test_quality_json_has_a_boolean_flag_per_force_and_factor(tmp_path: Path) -> None:
    biased = tmp_path / "biased.csv"
    code, _, _ = run("sample", "--seed", "1", "--bias", "WMP:violence:+1", "-o", str(biased))
    assert code == 0
    code, out, _ = run("quality", str(biased), *AS_OF, "-f", "json")
    results = json.loads(out)["consistency"]
    assert len(results) == 5 * 14 and all(isinstance(r["flagged"], bool) for r in results)
    flagged = [(r["force"], r["factor"]) for r in results if r["flagged"]]
    assert flagged == [("WMP", "violence")]
    (hit,) = (r for r in results if r["flagged"])
    assert 0 < hit["ci_low"] < hit["effect"] < hit["ci_high"] and hit["p_holm"] < 0.05
    code, text, _ = run("quality", str(biased), *AS_OF, "-f", "csv")
    table = rows(text)
    assert [(r["force"], r["factor"]) for r in table if r["flagged"] == "true"] == flagged
    code, md, _ = run("quality", str(biased), *AS_OF, "-f", "markdown")
    assert "| WMP | violence |" in md and md.startswith("**OFFICIAL-SENSITIVE**")


def test_the_readme_shows_the_plan_of_the_shipped_sample_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- gaps-sample: begin -->\n", 1)[1].split("\n<!-- gaps-sample: end")[0]
    code, md, _ = run("gaps", str(SAMPLE), *AS_OF, "--top", "10", "-f", "markdown")
    assert code == 0
    assert block == md.split("**OFFICIAL-SENSITIVE**\n\n", 1)[1].split("\n\n_", 1)[0]
    _, raw, _ = run("gaps", str(SAMPLE), *AS_OF, "-f", "json")
    uncertain = json.loads(raw)["summary"]["band_uncertain"]
    _, ranked, _ = run("rank", str(SAMPLE), *AS_OF, "-f", "json")
    gap = sum("GAP" in g["flags"] for g in json.loads(ranked)["groups"])
    assert f'"band uncertain" ({uncertain}) than carry GAP ({gap},' in readme
