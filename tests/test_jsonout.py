"""The JSON export: provenance in ``meta``, and every group's breakdown summing to its score."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, assess_file, rows_csv
from render_inputs import tricky_rows
from socprio import Assessment, __version__
from socprio.config.models import Config, LoadedConfig
from socprio.core.ranking import rounded
from socprio.history.previous import read_ranking
from socprio.pipeline.columns import Columns
from socprio.pipeline.frame import rounded_frame
from socprio.present import jsonout
from socprio.present.csvout import to_csv
from socprio.present.jsonout import json_chunks, to_json


@pytest.fixture(scope="module")
def source(cfg: Config) -> bytes:
    return rows_csv(tricky_rows(cfg))


@pytest.fixture(scope="module")
def a(source: bytes, loaded: LoadedConfig) -> Assessment:
    return assess_file(source, loaded)


@pytest.fixture(scope="module")
def doc(a: Assessment) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(to_json(a))
    return parsed


def test_two_runs_and_any_input_order_give_identical_json(
    cfg: Config, loaded: LoadedConfig, source: bytes, a: Assessment
) -> None:
    text = to_json(a)
    assert to_json(assess_file(source, loaded)) == text
    shuffled = tricky_rows(cfg)
    random.Random(2).shuffle(shuffled)
    other = rows_csv(shuffled)
    again = to_json(assess_file(other, loaded))
    # only the input's own hash differs: the shuffled file is other bytes
    sha, other_sha = hashlib.sha256(source).hexdigest(), hashlib.sha256(other).hexdigest()
    assert sha != other_sha
    assert again.replace(other_sha, sha) == text


def test_json_has_provenance_and_contributions_that_sum_to_the_score(
    cfg: Config, loaded: LoadedConfig, source: bytes, a: Assessment, doc: dict[str, Any]
) -> None:
    meta = doc["meta"]
    assert meta["tool"] == "socprio"
    assert meta["tool_version"] == __version__
    assert meta["marking"] == cfg.marking
    assert meta["config"]["path"] == loaded.path
    assert meta["config"]["sha256"] == loaded.sha256
    assert meta["input"]["sha256"] == hashlib.sha256(source).hexdigest()
    assert meta["as_of"] == AS_OF.isoformat()
    assert meta["counts"]["ranked"] == len(a.ranking.order)
    assert meta["counts"] == a.provenance.counts.to_dict()
    assert meta["summary"] == a.summary()
    assert "stability" not in meta and "movement" not in meta
    groups = doc["groups"]
    assert [g["group_id"] for g in groups] == a.table["group_id"].tolist()
    weighted = cfg.weighted_factors
    slack = 0.05 + 0.005 * len(weighted) + 1e-9  # score to 0.1, points to 0.01
    for g, total in zip(groups, a.table["score"], strict=True):
        assert g["score"] == float(rounded(np.array([total]))[0])
        points = [g["factors"][f]["points"] for f in weighted]
        assert abs(sum(points) - g["score"]) <= slack
        assert abs(sum(g["group_points"].values()) - g["score"]) <= 0.05 + 0.005 * len(cfg.groups)
        assert set(g["factors"]) == set(cfg.factors)
        unweighted = [f for f in cfg.factors if f not in weighted]
        assert all(g["factors"][f]["points"] is None for f in unweighted)
    assert sum(g["factors"][f]["weight"] for f in weighted) == pytest.approx(1, abs=1e-5)


def test_json_lists_and_second_opinion_per_group(a: Assessment, doc: dict[str, Any]) -> None:
    for g, row in zip(doc["groups"], a.table.to_dict(orient="records"), strict=True):
        assert g["flags"] == [f for f in row["flags"].split(";") if f]
        assert g["lro_assigned"] == (row["lro_assigned"] == "yes")
        assert (g["harm_rank"], g["attribute_rank"]) == (row["harm_rank"], row["attribute_rank"])
        assert "rank_p5" not in g and "movement" not in g  # no draws, no previous run


def test_json_keeps_codenames_and_notes_verbatim(a: Assessment, doc: dict[str, Any]) -> None:
    """JSON is not a spreadsheet: nothing is formula-escaped."""
    assert [g["codename"] for g in doc["groups"]] == a.table["codename"].tolist()
    assert '=HYPERLINK("x")\n@note\t+1' in {g["notes"] for g in doc["groups"]}


def test_json_streams_a_chunk_of_groups_at_a_time_with_the_same_bytes(
    a: Assessment, doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded at any size: the groups are encoded a few at a time, and how
    many at a time never changes a byte of the output."""
    whole = to_json(a)
    monkeypatch.setattr(jsonout, "CHUNK_ROWS", 3)
    chunks = list(json_chunks(a))
    assert len(chunks) >= len(a.table) // 3 + 1
    assert "".join(chunks) == whole
    assert json.loads(whole) == doc
    head = whole[: whole.index('"groups"')].count("\n")
    assert whole.count("\n") == head + 1 + len(a.table) + 2  # a line per group, then "]", "}"


def test_json_of_an_empty_ranking_is_well_formed(a: Assessment) -> None:
    empty = dataclasses.replace(a, columns=Columns.of_frame(a.table.iloc[:0]))
    parsed = json.loads(to_json(empty))
    assert parsed["groups"] == []
    assert parsed["meta"]["config"] == json.loads(to_json(a))["meta"]["config"]


def _frame_bytes(a: Assessment, monkeypatch: pytest.MonkeyPatch) -> str:
    """The export with every column read from the DataFrame (the reference)."""
    with monkeypatch.context() as m:
        m.setattr(jsonout, "_numpy_values", lambda *args: None)
        return to_json(a)


def test_json_read_from_the_numpy_columns_is_the_json_read_from_the_frame(
    a: Assessment, loaded: LoadedConfig, source: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an earlier run the export reads the numpy columns (no DataFrame is built, so
    pandas need not be imported); every value, and so every byte, is the frame's. With the
    stability draws too (rounded shares), and with an earlier run (read from the frame)."""
    assert jsonout._numpy_values(a.columns, list(a.columns), 0, a.columns.rows) is not None
    assert to_json(a) == _frame_bytes(a, monkeypatch)
    drawn = assess_file(source, loaded, draws=20)
    assert "p_top_k" in drawn.columns
    assert to_json(drawn) == _frame_bytes(drawn, monkeypatch)
    moved = assess_file(source, loaded, previous=read_ranking(to_csv(a).encode(), source="p"))
    assert moved.movement is not None and to_json(moved) == _frame_bytes(moved, monkeypatch)


ACCEPTED = st.characters(exclude_categories=["Cs", "Cc"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    codename=st.text(ACCEPTED, min_size=1, max_size=30).map(str.strip).filter(bool),
    notes=st.text(st.one_of(ACCEPTED, st.sampled_from("\n\t\"'=@+-;")), max_size=40),
)
def test_any_text_reads_the_same_from_the_numpy_columns(
    cfg: Config, loaded: LoadedConfig, codename: str, notes: str
) -> None:
    rows = tricky_rows(cfg)[:8]
    rows[0]["codename"], rows[0]["notes"] = codename, notes
    a = assess_file(rows_csv(rows), loaded)
    names = list(a.columns)
    frame = a.table
    direct = jsonout._numpy_values(a.columns, names, 0, a.columns.rows)
    assert direct is not None and codename in direct["codename"]
    reference = rounded_frame(frame[names])
    for name in names:
        assert repr(direct[name]) == repr(reference[name].tolist()), name
