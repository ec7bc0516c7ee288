"""The CSV export: byte-identical, CRLF, formula-safe, numbers numeric, marking on every row."""

from __future__ import annotations

import csv
import dataclasses
import io
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import assess_file, rows_csv
from render_inputs import tricky_csv, tricky_rows
from socprio import Assessment
from socprio.config.models import Config, LoadedConfig
from socprio.core.ranking import rounded
from socprio.pipeline.columns import Columns
from socprio.present.csvout import _csv_column, _mostly_distinct, _text, csv_chunks, quoted, to_csv
from socprio.present.escape import TRIGGERS, escape_cell


@pytest.fixture(scope="module")
def a(cfg: Config, loaded: LoadedConfig) -> Assessment:
    return assess_file(tricky_csv(cfg), loaded)


@pytest.fixture(scope="module")
def text(a: Assessment) -> str:
    return to_csv(a)


def _parse(text: str) -> tuple[list[str], list[list[str]]]:
    header, *body = csv.reader(io.StringIO(text, newline=""))
    return header, body


def test_two_runs_and_any_input_order_give_identical_bytes(
    cfg: Config, loaded: LoadedConfig, text: str
) -> None:
    assert to_csv(assess_file(tricky_csv(cfg), loaded)) == text
    shuffled = tricky_rows(cfg)
    random.Random(2).shuffle(shuffled)
    assert to_csv(assess_file(rows_csv(shuffled), loaded)) == text


def test_chunks_join_to_the_whole_csv(a: Assessment, text: str) -> None:
    assert "".join(csv_chunks(a)) == text


def test_csv_is_crlf_with_formula_triggers_escaped(a: Assessment, text: str) -> None:
    header, body = _parse(text)
    again = io.StringIO()
    csv.writer(again, lineterminator="\r\n").writerows([header, *body])
    assert again.getvalue() == text  # every record ends CRLF (a quoted note may hold an LF)
    assert len(body) == len(a.table)
    for line in [header, *body]:
        assert len(line) == len(header)
        for cell in line:
            assert cell[:1] not in TRIGGERS, cell
    assert header[-1] == "marking"
    assert {r[-1] for r in body} == {escape_cell(a.config.marking)}
    codenames = [r[header.index("codename")] for r in body]
    assert codenames == [escape_cell(c) for c in a.table["codename"]]
    assert {"'=SUM(A1)", "'+44 20", "'-dash", "'@cmd", "'＝full", "''=x", "'-"} <= set(codenames)
    assert "a|pipe" in codenames  # nothing else changes


def test_csv_numbers_stay_numeric(a: Assessment, text: str) -> None:
    header, body = _parse(text)
    column = {name: [r[header.index(name)] for r in body] for name in header}
    scores = [float(v) for v in column["score"]]
    assert scores == rounded(a.table["score"].to_numpy()).tolist()
    assert [int(v) for v in column["rank"]] == a.table["rank"].tolist()
    for name in header:
        if name.endswith(("_points", "_value")) or name in ("score_min", "score_max", "coverage"):
            assert all(not v.startswith("'") for v in column[name])
            [float(v) for v in column[name]]


def test_csv_escapes_every_text_cell_and_header_whatever_the_trigger(a: Assessment) -> None:
    frame = a.table.head(len(TRIGGERS)).copy()
    triggers = sorted(TRIGGERS)
    frame["codename"] = [f"{t}x" for t in triggers]
    frame["lead_force"] = [f"{t}force" for t in triggers]
    frame["=evil"] = "plain"
    before = frame.copy()
    header, body = _parse(to_csv(dataclasses.replace(a, columns=Columns.of_frame(frame))))
    assert "'=evil" in header
    assert [r[header.index("codename")] for r in body] == [f"'{t}x" for t in triggers]
    assert [r[header.index("lead_force")] for r in body] == [f"'{t}force" for t in triggers]
    pd.testing.assert_frame_equal(frame, before)  # exports never round or edit the table


def test_csv_of_a_view_holds_only_its_rows(a: Assessment) -> None:
    view = a.select(top=7)  # the first 7, and any act-now group below them
    header, body = _parse(to_csv(view))
    ids = [r[header.index("group_id")] for r in body]
    assert ids == view.table["group_id"].tolist()
    assert ids[:7] == a.table["group_id"].head(7).tolist()


@given(
    st.lists(st.sampled_from(["=1", "a,b", 'q"', "plain", "x\ny"]), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=9_000),
)
def test_a_column_writes_the_same_cells_whether_judged_mostly_distinct_or_not(
    pool: list[str], unique: int
) -> None:
    """A text column is written from its distinct values or chunk by chunk, as a sample of
    it judges; either way every cell is its escaped, quoted text, in row order."""
    values = np.array([*pool, *(f"=id{i}" for i in range(unique))], dtype=object)
    column = _csv_column(Columns({"codename": values}), "codename")
    assert column(0, len(values)) == [_text(v) for v in values]
    assert column(1, 3) == [_text(v) for v in values[1:3]]


def test_only_a_mostly_distinct_column_is_judged_so() -> None:
    ids = np.array([f"OCG-{i:07d}" for i in range(100_000)])
    assert _mostly_distinct(ids)
    assert not _mostly_distinct(np.resize(np.array(["WMP", "WARKS", "WMERCIA"]), 100_000))
    levels = np.random.default_rng(0).integers(0, 500, 100_000).astype(float)
    assert not _mostly_distinct(levels)  # 500 values in any order


def test_input_has_ties_and_triggers(a: Assessment) -> None:
    """Guards the input above: without ties or triggers the export tests would prove little."""
    assert sum(str(c)[:1] in TRIGGERS for c in a.table["codename"]) >= 8
    printed = rounded(a.scores.total[a.ranking.order])
    assert (np.diff(printed) == 0).any()


@given(
    st.lists(st.text(alphabet=st.sampled_from('a ,"\r\n\t=;\u00e9\u200b'), max_size=6), min_size=2)
)
def test_each_cell_quoted_once_reads_back_as_the_csv_module_writes_it(cells: list[str]) -> None:
    """Rows are plain joins of cells quoted once each: byte for byte what csv.writer writes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    assert ",".join(quoted(c) for c in cells) + "\r\n" == buffer.getvalue()


BLANK_THEN_FORMULA = ["  =1+1", "\u00a0=1+1", "\u3000@SUM(A1)", "\u200b@SUM(A1)", "\ufeff=1+1"]


def test_notes_with_blanks_before_a_formula_are_escaped_in_the_csv(
    cfg: Config, loaded: LoadedConfig
) -> None:
    """A spreadsheet may trim leading blanks before it evaluates: the export escapes them."""
    rows = tricky_rows(cfg)
    for row, note in zip(rows, BLANK_THEN_FORMULA, strict=False):
        row["notes"] = note
    read = list(csv.DictReader(io.StringIO(to_csv(assess_file(rows_csv(rows), loaded)))))
    notes = {r["notes"] for r in read}
    assert {"'" + note for note in BLANK_THEN_FORMULA} <= notes
    assert not notes & set(BLANK_THEN_FORMULA)


def test_an_exported_csv_reads_back_with_every_cell_unescaped(a: Assessment, text: str) -> None:
    """history.previous reads the codenames (formula-escaped in the file) back as they were."""
    from socprio.history.previous import read_ranking

    back = read_ranking(text.encode("utf-8"), source="ranking.csv")
    expected = dict(zip(a.table["group_id"], a.table["codename"], strict=True))
    assert back.frame["codename"].to_dict() == expected
    assert {"=SUM(A1)", "'=x", "-"} <= set(back.frame["codename"])
