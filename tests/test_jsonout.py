"""The JSON export: provenance in ``meta``, and every group's breakdown summing to its score."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
from collections.abc import Iterable
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
from socprio.pipeline.columns import Columns, coded
from socprio.pipeline.frame import rounded_frame
from socprio.present import jsonout, jsontext
from socprio.present.changes import movement_record
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
    assert direct is not None and codename in jsonout._scalars(direct["codename"])
    reference = rounded_frame(frame[names])
    for name in names:
        assert repr(jsonout._scalars(direct[name])) == repr(reference[name].tolist()), name


# Any value a column can hold: every float (signed zeros, NaN, infinities, subnormals, the
# largest), ints beyond 64 bits, bools (equal to 1 and 0), None and any text (lone
# surrogates included: json writes them as they are).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
SCALARS: list[st.SearchStrategy[Any]] = [
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1, True, False, 0, math.nan, math.inf, -math.inf]),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.booleans(),
    st.none(),
    ANY_TEXT,
]
ANY_SCALAR = st.one_of(*SCALARS)


@st.composite
def table_of(draw: st.DrawFn, rows: int) -> dict[str, list[Any]]:
    """Columns of ``rows`` values: some of one kind (the fast paths), some of any mix."""
    keys = draw(st.lists(ANY_TEXT, min_size=0, max_size=5, unique=True))
    kinds = [draw(st.sampled_from([*SCALARS, ANY_SCALAR])) for _ in keys]
    return {
        k: draw(st.lists(kind, min_size=rows, max_size=rows))
        for k, kind in zip(keys, kinds, strict=True)
    }


@settings(max_examples=300, deadline=None)
@given(data=st.data(), rows=st.integers(min_value=0, max_value=6), constant=ANY_SCALAR)
def test_column_wise_json_is_json_dumps_of_each_row(
    data: st.DataObject, rows: int, constant: Any
) -> None:
    """Each line is ``json.dumps`` of the row's dict, nested objects and constants included,
    for any keys and values (a cache keyed by value would fail on 1/1.0/True or -0.0)."""
    outer, inner = data.draw(table_of(rows)), data.draw(table_of(rows))
    members: list[jsontext.Member] = [(k, jsontext.json_texts(v)) for k, v in outer.items()]
    nested = tuple((k, jsontext.json_texts(v)) for k, v in inner.items())
    members += [("\x00nested %s", nested), ("constant %%", jsontext.encode_value(constant))]
    expected = [
        json.dumps(
            {k: v[i] for k, v in outer.items()}
            | {"\x00nested %s": {k: v[i] for k, v in inner.items()}, "constant %%": constant},
            ensure_ascii=False,
        )
        for i in range(rows)
    ]
    assert jsontext.object_lines(members, rows) == expected
    for values in (*outer.values(), *inner.values()):
        assert jsontext.json_texts(values) == [json.dumps(v, ensure_ascii=False) for v in values]


def _dict_lines(
    groups: Iterable[str],
    factors: dict[str, tuple[str, str, str | None, Any, Any]],
    values: dict[str, jsontext.Values],
    keys: tuple[str, ...],
    moved: tuple[str, ...],
) -> list[str]:
    """The oracle: the group lines as the export first built them, a dict per group (its
    values as ``jsonout._lines`` is given them, as Python scalars) through ``json.dumps``."""
    col = {name: jsonout._scalars(v) for name, v in values.items()}
    items: list[dict[str, Any]] = [
        {k: col[k][i] for k in keys} for i in range(len(col["lro_assigned"]))
    ]
    for i, item in enumerate(items):
        for key in jsonout.LIST_COLUMNS:
            item[key] = [v for v in str(col[key][i]).split(";") if v]
        item["lro_assigned"] = col["lro_assigned"][i] == "yes"
        item["last_disruption_date"] = str(col["last_disruption_date"][i]) or None
        item["group_points"] = {g: col[f"{g}_points"][i] for g in groups}
        item["factors"] = {
            name: {
                "raw": col[raw][i],
                "value": col[value][i],
                "policy": policy,
                "weight": weight,
                "points": col[pts][i] if pts else None,
            }
            for name, (raw, value, pts, policy, weight) in factors.items()
        }
        if moved:
            item["movement"] = movement_record({c: col[c][i] for c in moved})
    return [json.dumps(item, ensure_ascii=False) for item in items]


def test_json_lines_are_the_dicts_json_would_write(
    a: Assessment, loaded: LoadedConfig, source: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every byte of the export is what encoding a dict per group gave, with the draws'
    columns, and with an earlier run (values read from the frame, movement spliced in)."""
    drawn = assess_file(source, loaded, draws=20)
    moved = assess_file(source, loaded, previous=read_ranking(to_csv(a).encode(), source="p"))
    exports = [to_json(x) for x in (a, drawn, moved)]
    monkeypatch.setattr(jsonout, "_lines", _dict_lines)
    assert exports == [to_json(x) for x in (a, drawn, moved)]


CELLS = st.one_of(ANY_SCALAR, st.sampled_from(["", ";", "a;;b", "yes", "no", "2026-01-02"]))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), rows=st.integers(min_value=1, max_value=5))
def test_group_lines_from_any_values_are_the_dicts_json_would_write(
    data: st.DataObject, rows: int
) -> None:
    """Whatever a frame hands the export (a mix of types in one column, a list or date cell
    that is not text), and however the numpy columns hold it (floats as an array, cells coded
    as labels of any type, a label used twice or not at all), the lines are the oracle's."""
    names = ["rank", "codename", *jsonout.LIST_COLUMNS, "lro_assigned", "last_disruption_date"]
    names += ["g_points", "f_raw", "f_value", "f_points", "h_raw", "h_value"]
    col: dict[str, jsontext.Values] = {}
    for name in names:
        values = data.draw(st.lists(st.one_of(CELLS, st.floats()), min_size=rows, max_size=rows))
        held = data.draw(st.sampled_from(["list", "coded", "array"]))
        if held == "coded":
            picks = st.lists(st.integers(0, rows - 1), min_size=rows, max_size=rows)
            col[name] = coded(values, np.array(data.draw(picks)))
        elif held == "array" and all(type(v) is float for v in values):
            col[name] = np.array(values)
        else:
            col[name] = values
    factors: dict[str, tuple[str, str, str | None, Any, Any]] = {
        "f": ("f_raw", "f_value", "f_points", "neutral", 0.125),
        "h": ("h_raw", "h_value", None, "inverse", None),
    }
    shape = (["g"], factors, col, ("rank", "codename"), ())
    assert jsonout._lines(*shape) == _dict_lines(*shape)
