"""``rank --stability``, ``socprio stability`` and ``explain --stability`` through CliRunner.

Expectations are properties of the outputs (intervals contain the rank, flags match the
figures they summarise), never hard-coded results.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from socprio import Flag, assess, load_config
from socprio.cli.app import app
from socprio.cli.options import progress_bar
from socprio.pipeline.frame import STABILITY_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
CONFIG = ROOT / "config" / "scoring.yaml"
DAY = date(2026, 11, 23)
AS_OF = ["--as-of", DAY.isoformat()]
DRAWS = ["--stability", "200", "--seed", "1"]
STABILITY_FLAGS = (Flag.UNSTABLE.value, Flag.DISAGREE.value)  # after the review flags

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, err
    return out


def groups(*args: str) -> list[dict[str, Any]]:
    """The per-group objects of ``rank -f json``."""
    payload: list[dict[str, Any]] = json.loads(
        ok("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q", *args)
    )["groups"]
    return payload


def config_with(tmp_path: Path, **settings: str) -> Path:
    """The default config file with some ``stability:`` settings replaced, line by line."""
    lines = CONFIG.read_text(encoding="utf-8").splitlines()
    start = lines.index("stability:")
    for key, value in settings.items():
        at = next(i for i, line in enumerate(lines) if i > start and line.startswith(f"  {key}:"))
        lines[at] = f"  {key}: {value}"
    path = tmp_path / "scoring.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_rank_with_stability_is_byte_identical_for_a_seed_and_carries_the_columns() -> None:
    for fmt in ("csv", "json"):
        first, second = (ok("rank", str(SAMPLE), *AS_OF, "-f", fmt, "-q", *DRAWS) for _ in range(2))
        assert first == second
    text = ok("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-q", *DRAWS)
    header = next(csv.reader(io.StringIO(text)))
    for column in (*STABILITY_COLUMNS, "harm_rank", "attribute_rank"):
        assert column in header
    other_seed = ok("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-q", "--stability", "200")
    assert other_seed != text


def test_json_meta_and_intervals_contain_the_baseline_rank() -> None:
    payload = json.loads(ok("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q", *DRAWS))
    meta = payload["meta"]["stability"]
    assert (meta["draws"], meta["seed"]) == (200, 1)
    assert -1 <= meta["spearman_p5"] <= meta["spearman_median"] <= 1
    assert len(payload["groups"]) == 170
    for g in payload["groups"]:
        assert 1 <= g["rank_p5"] <= g["rank"] <= g["rank_p95"] <= 170
        assert 0 <= g["p_top_k"] <= 1 and 0 <= g["p_same_band"] <= 1
        assert g["harm_rank"] >= 1 and g["attribute_rank"] >= 1


def test_without_stability_only_the_second_opinion_is_added() -> None:
    payload = json.loads(ok("rank", str(SAMPLE), *AS_OF, "-f", "json", "-q"))
    assert "stability" not in payload["meta"]
    first = payload["groups"][0]
    assert "harm_rank" in first and "rank_p5" not in first
    assert all("UNSTABLE" not in g["flags"] for g in payload["groups"])


def test_huge_concentration_collapses_every_interval_to_the_rank(tmp_path: Path) -> None:
    path = config_with(tmp_path, concentration="1.0e+30")
    for g in groups("--config", str(path), *DRAWS):
        assert g["rank_p5"] == g["rank_p95"] == g["rank"]
        assert g["p_same_band"] == 1.0
        assert "UNSTABLE" not in g["flags"]


def test_unstable_and_disagree_flags_follow_their_figures(tmp_path: Path) -> None:
    path = config_with(tmp_path, unstable_share="0.0", disagree_places="3")
    rows = groups("--config", str(path), *DRAWS)
    unstable = [g["p_same_band"] < 1 for g in rows]
    disagree = [
        max(abs(g["harm_rank"] - g["rank"]), abs(g["attribute_rank"] - g["rank"])) > 3 for g in rows
    ]
    assert any(unstable) and any(disagree) and not all(disagree)
    assert ["UNSTABLE" in g["flags"] for g in rows] == unstable
    assert ["DISAGREE" in g["flags"] for g in rows] == disagree
    for g in rows:  # review flags first, then UNSTABLE, then DISAGREE
        review = [f for f in g["flags"] if f not in STABILITY_FLAGS]
        assert g["flags"] == review + [f for f in STABILITY_FLAGS if f in g["flags"]]


def test_rank_table_shows_the_interval_within_100_columns() -> None:
    code, out, err = run("rank", str(SAMPLE), *AS_OF, *DRAWS)
    assert code == 0
    assert max(cell_len(line) for line in out.splitlines()) <= 100
    assert "p5-p95" in out and "90% of 200 weight draws (seed 1)" in out
    assert "stability: 200 draws, Spearman median" in err
    markdown = ok("rank", str(SAMPLE), *AS_OF, "-f", "markdown", "-q", *DRAWS)
    assert "| p5-p95 |" in markdown


def test_the_archive_carries_the_stability_columns_and_meta(tmp_path: Path) -> None:
    ok("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-q", *DRAWS, "--archive", str(tmp_path / "a"))
    stored = json.loads((tmp_path / "a" / "2026-11-23" / "ranking.json").read_text("utf-8"))
    assert stored["meta"]["stability"]["draws"] == 200
    assert "rank_p5" in stored["groups"][0]


def test_stability_command_text_fits_100_columns() -> None:
    code, out, _ = run("stability", str(SAMPLE), *AS_OF, "--draws", "200", "--top", "15")
    assert code == 0
    assert max(cell_len(line) for line in out.splitlines()) <= 100
    assert "…" not in out  # no column is cut short
    for text in ("P(top 10)", "Spearman's rho", "One weight at a time", "OFFICIAL-SENSITIVE"):
        assert text in out
    assert "Showing 15 of 170" in out


def test_stability_command_json_has_every_group_and_weight() -> None:
    payload = json.loads(ok("stability", str(SAMPLE), *AS_OF, "--draws", "200", "-f", "json"))
    ranked = [g["group_id"] for g in groups()]
    assert [g["group_id"] for g in payload["groups"]] == ranked
    assert payload["meta"]["stability"]["draws"] == 200
    weighted = load_config(None).config.weighted_factors
    assert [w["factor"] for w in payload["one_at_a_time"]] == list(weighted)
    assert set(payload["overall"]) >= {"spearman_median", "spearman_p5", "unstable", "disagree"}
    for g in payload["groups"]:
        assert g["unstable"] == ("UNSTABLE" in g["flags"])
        assert g["disagree"] == ("DISAGREE" in g["flags"])


def test_stability_command_uses_the_config_draws_by_default(tmp_path: Path) -> None:
    path = config_with(tmp_path, draws="30")
    payload = json.loads(ok("stability", str(SAMPLE), *AS_OF, "-c", str(path), "-f", "json"))
    assert payload["meta"]["stability"]["draws"] == 30


def test_stability_command_matches_rank_for_the_same_seed() -> None:
    payload = json.loads(
        ok("stability", str(SAMPLE), *AS_OF, "--draws", "200", "--seed", "1", "-f", "json")
    )
    by_rank = {g["group_id"]: g for g in groups(*DRAWS)}
    for g in payload["groups"]:
        assert (g["rank_p5"], g["rank_p95"]) == (
            by_rank[g["group_id"]]["rank_p5"],
            by_rank[g["group_id"]]["rank_p95"],
        )


def test_explain_shows_interval_and_second_opinion() -> None:
    first = groups(*DRAWS)[7]
    out = ok("explain", first["group_id"], str(SAMPLE), *AS_OF, *DRAWS)
    assert f"rank {first['rank_p5']}-{first['rank_p95']} in 90% of 200 weight draws" in out
    assert f"#{first['harm_rank']} by Harm points alone" in out
    assert max(cell_len(line) for line in out.splitlines()) <= 100
    plain = ok("explain", first["group_id"], str(SAMPLE), *AS_OF)
    assert "Stability:" not in plain and "Second opinion:" in plain


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_never_changes_the_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = load_config(None)

    def draws(quiet: bool) -> Any:
        stab = assess(
            SAMPLE, loaded, as_of=DAY, draws=50, seed=2, progress=progress_bar(50, quiet=quiet)
        ).stability
        assert stab is not None
        return stab

    plain = draws(quiet=False)  # pytest's stderr is no terminal
    assert progress_bar(50, quiet=False) is None
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    shown = draws(quiet=False)
    assert terminal.getvalue()  # the bar was drawn on (fake) stderr
    quiet_terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet_terminal)
    assert progress_bar(50, quiet=True) is None
    assert progress_bar(0, quiet=False) is None  # no draws, no bar
    silent = draws(quiet=True)
    assert quiet_terminal.getvalue() == ""
    for stab in (shown, silent):
        assert stab.rank_p5.tolist() == plain.rank_p5.tolist()
        assert stab.p_top_k.tolist() == plain.p_top_k.tolist()


def test_draws_and_stability_are_one_option() -> None:
    by_draws = ok("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-q", "--draws", "200", "--seed", "1")
    assert by_draws == ok("rank", str(SAMPLE), *AS_OF, "-f", "csv", "-q", *DRAWS)


@pytest.mark.parametrize("args", [("--stability", "-1"), ("--draws", "-1"), ("--seed", "-3")])
def test_bad_stability_options_are_usage_errors(args: tuple[str, str]) -> None:
    code, _, err = run("rank", str(SAMPLE), *AS_OF, *args)
    assert code == 2 and err.strip()
