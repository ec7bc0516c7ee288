"""Exports: byte-identical, CRLF and formula-safe CSV, JSON with provenance, a 100-column table."""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.cells import cell_len
from rich.console import Console

from conftest import AS_OF, rows_to_records, sample_rows
from socprio.config.models import Config, LoadedConfig
from socprio.core.ranking import rounded
from socprio.pipeline.frame import Provenance, RankRun, compute, summary
from socprio.present.escape import TRIGGERS, escape_cell
from socprio.present.exports import (
    OutputFormat,
    render_text,
    to_csv,
    to_json,
    to_markdown,
)
from socprio.present.table import rank_table
from socprio.validate.records import RecordBase

CODENAMES = ["=SUM(A1)", "+44 20", "-dash", "@cmd", "＝full", "＋plus", "－minus", "＠at", "'=x"]
CODENAMES += ["a|pipe", "Ω unicode", "-", "x" * 60, "＝" + "Ｗ" * 40]


@pytest.fixture(scope="module")
def rows(cfg: Config) -> list[dict[str, str]]:
    rows = sample_rows(cfg, groups=60, seed=31, dormant=3, archived=2)
    for row, name in zip(rows, CODENAMES, strict=False):
        row["codename"] = name
        row["status"] = "active"
        row["notes"] = '=HYPERLINK("x")\n@note\t+1'
    clones = [{**row, "group_id": f"OCG-{8000 + n}"} for n, row in enumerate(rows[:10])]
    return rows + clones  # clones tie on every key but group_id


def _prov(loaded: LoadedConfig, run: RankRun) -> Provenance:
    counts = {"read": len(run.records), "ranked": len(run.ranking.order)}
    return Provenance("0.1.0", loaded, "ocgs.csv", "e" * 64, AS_OF, counts)


def _exports(cfg: Config, loaded: LoadedConfig, rows: list[dict[str, str]]) -> tuple[str, str]:
    run = compute(rows_to_records(cfg, rows), cfg, as_of=AS_OF)
    prov = _prov(loaded, run)
    return to_csv(run.frame, prov), to_json(run.frame, prov, summary(run.frame), cfg)


@pytest.fixture(scope="module")
def run(cfg: Config, rows: list[dict[str, str]]) -> RankRun:
    return compute(rows_to_records(cfg, rows), cfg, as_of=AS_OF)


@pytest.fixture(scope="module")
def exports(cfg: Config, loaded: LoadedConfig, rows: list[dict[str, str]]) -> tuple[str, str]:
    return _exports(cfg, loaded, rows)


def test_two_runs_and_any_input_order_give_identical_bytes(
    cfg: Config, loaded: LoadedConfig, rows: list[dict[str, str]], exports: tuple[str, str]
) -> None:
    assert _exports(cfg, loaded, rows) == exports
    shuffled = rows[:]
    random.Random(2).shuffle(shuffled)
    assert _exports(cfg, loaded, shuffled) == exports


def _parse(text: str) -> tuple[list[str], list[list[str]]]:
    header, *body = csv.reader(io.StringIO(text, newline=""))
    return header, body


def test_csv_is_crlf_with_formula_triggers_escaped(run: RankRun, exports: tuple[str, str]) -> None:
    text = exports[0]
    header, body = _parse(text)
    again = io.StringIO()
    csv.writer(again, lineterminator="\r\n").writerows([header, *body])
    assert again.getvalue() == text  # every record ends CRLF (a quoted note may hold an LF)
    assert len(body) == len(run.frame)
    for line in [header, *body]:
        assert len(line) == len(header)
        for cell in line:
            assert cell[:1] not in TRIGGERS, cell
    codenames = [r[header.index("codename")] for r in body]
    assert codenames == [escape_cell(c) for c in run.frame["codename"]]
    assert {"'=SUM(A1)", "'+44 20", "'-dash", "'@cmd", "'＝full", "''=x", "'-"} <= set(codenames)
    assert "a|pipe" in codenames  # nothing else changes


def test_csv_numbers_stay_numeric(run: RankRun, exports: tuple[str, str]) -> None:
    header, body = _parse(exports[0])
    column = {name: [r[header.index(name)] for r in body] for name in header}
    scores = [float(v) for v in column["score"]]
    assert scores == rounded(run.frame["score"].to_numpy()).tolist()
    assert [int(v) for v in column["rank"]] == run.frame["rank"].tolist()
    for name in header:
        if name.endswith(("_points", "_value")) or name in ("score_min", "score_max", "coverage"):
            assert all(not v.startswith("'") for v in column[name])
            [float(v) for v in column[name]]


def test_csv_escapes_every_text_cell_and_header_whatever_the_trigger(
    run: RankRun, loaded: LoadedConfig
) -> None:
    frame = run.frame.head(len(TRIGGERS)).copy()
    triggers = sorted(TRIGGERS)
    frame["codename"] = [f"{t}x" for t in triggers]
    frame["lead_force"] = [f"{t}force" for t in triggers]
    frame["=evil"] = "plain"
    before = frame.copy()
    header, body = _parse(to_csv(frame, _prov(loaded, run)))
    assert "'=evil" in header
    assert [r[header.index("codename")] for r in body] == [f"'{t}x" for t in triggers]
    assert [r[header.index("lead_force")] for r in body] == [f"'{t}force" for t in triggers]
    pd.testing.assert_frame_equal(frame, before)  # exports never round or edit the frame


def test_json_has_provenance_and_contributions_that_sum_to_the_score(
    cfg: Config, loaded: LoadedConfig, run: RankRun, exports: tuple[str, str]
) -> None:
    doc = json.loads(exports[1])
    meta = doc["meta"]
    assert meta["tool_version"] == "0.1.0"
    assert meta["config"]["path"] == loaded.path
    assert meta["config"]["sha256"] == loaded.sha256
    assert meta["input"]["sha256"] == "e" * 64
    assert meta["as_of"] == AS_OF.isoformat()
    assert meta["counts"]["ranked"] == len(run.ranking.order)
    groups = doc["groups"]
    assert [g["group_id"] for g in groups] == run.frame["group_id"].tolist()
    weighted = cfg.weighted_factors
    slack = 0.05 + 0.005 * len(weighted) + 1e-9  # score to 0.1, points to 0.01
    for g, total in zip(groups, run.frame["score"], strict=True):
        assert g["score"] == float(rounded(np.array([total]))[0])
        points = [g["factors"][f]["points"] for f in weighted]
        assert abs(sum(points) - g["score"]) <= slack
        assert abs(sum(g["group_points"].values()) - g["score"]) <= 0.05 + 0.005 * len(cfg.groups)
        assert set(g["factors"]) == set(cfg.factors)
        unweighted = [f for f in cfg.factors if f not in weighted]
        assert all(g["factors"][f]["points"] is None for f in unweighted)
    assert sum(g["factors"][f]["weight"] for f in weighted) == pytest.approx(1, abs=1e-5)


def _table_text(frame: pd.DataFrame, prov: Provenance) -> str:
    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    console.print(rank_table(frame, prov, summary(frame)))
    return console.export_text()


def test_rank_table_fits_100_columns_with_marking_and_config_hash(
    loaded: LoadedConfig, run: RankRun
) -> None:
    long_path = replace(loaded, path="/srv/tasking/" + "config-directory/" * 6 + "scoring.yaml")
    for prov in (_prov(loaded, run), _prov(long_path, run)):
        text = _table_text(run.frame, prov)
        lines = text.splitlines()
        assert max(cell_len(line) for line in lines) <= 100
        assert loaded.config.marking in text
        assert loaded.short_sha in text
        for gid in run.frame["group_id"]:
            assert gid in text


def test_markdown_lists_every_ranked_group(run: RankRun, loaded: LoadedConfig) -> None:
    prov = _prov(loaded, run)
    text = to_markdown(run.frame, prov, summary(run.frame))
    assert loaded.config.marking in text
    assert loaded.short_sha in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "OCG-" in line]
    assert len(rows) == len(run.frame)
    for line, gid in zip(rows, run.frame["group_id"], strict=True):
        assert f" {gid} " in line
        assert line.replace("\\|", "").count("|") == 10  # pipes in codenames are escaped


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_output_format_renders(
    fmt: OutputFormat, cfg: Config, loaded: LoadedConfig, run: RankRun
) -> None:
    prov = _prov(loaded, run)
    summ = summary(run.frame)
    expected: dict[OutputFormat, Any] = {
        OutputFormat.CSV: lambda: to_csv(run.frame, prov),
        OutputFormat.JSON: lambda: to_json(run.frame, prov, summ, cfg),
        OutputFormat.MARKDOWN: lambda: to_markdown(run.frame, prov, summ),
    }
    if fmt in (
        OutputFormat.TABLE,
        OutputFormat.XLSX,
    ):  # not text: table / xlsx
        with pytest.raises(ValueError, match="is not text"):
            render_text(fmt, run.frame, prov, summ, cfg)
    else:
        assert render_text(fmt, run.frame, prov, summ, cfg) == expected[fmt]()


def test_records_fixture_has_ties_and_triggers(run: RankRun) -> None:
    """Guards the inputs above: without ties or triggers the export tests would prove little."""
    records: list[RecordBase] = list(run.records)
    assert sum(x.codename[:1] in TRIGGERS for x in records) >= 8
    printed = rounded(run.scores.total[run.ranking.order])
    assert (np.diff(printed) == 0).any()
