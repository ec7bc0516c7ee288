"""Reading back JSON: nesting is capped, so deep input is a DataError, never RecursionError;
and a ranking is read the same whatever its groups hold."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socprio.errors import DataError
from socprio.history import jsonread, previous
from socprio.history.jsonread import loads_capped, loads_streaming, text_depth
from socprio.history.previous import read_ranking


@pytest.mark.parametrize("depth", [33, 5_000, 200_000])
def test_diff_of_deeply_nested_json_is_a_data_error_naming_the_file(depth: int) -> None:
    text = '{"groups": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(DataError, match="nested more than 32 levels") as info:
        read_ranking(text.encode(), source="old.json")
    assert str(info.value).startswith("old.json: ")
    assert info.value.exit_code == 65


def test_shallow_json_within_the_cap_parses() -> None:
    assert loads_capped("[" * 32 + "]" * 32, source="x") is not None


def test_not_json_and_not_utf8_are_data_errors() -> None:
    with pytest.raises(DataError, match=r"x\.json:1:2: not valid JSON"):
        loads_capped("{]", source="x.json")
    with pytest.raises(DataError, match="not UTF-8"):
        loads_capped(b'"\xff"', source="x.json")


def depth(doc: object) -> int:
    """The nesting depth of arrays and objects, by recursion (the reference)."""
    if isinstance(doc, dict):
        return 1 + max((depth(v) for v in doc.values()), default=0)
    if isinstance(doc, list):
        return 1 + max((depth(v) for v in doc), default=0)
    return 0


TRICKY = st.text(alphabet='[]{}"\\\\/ \u00e9\u202e\n', max_size=6)
DOCS = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=20,
)


@given(DOCS, st.booleans(), st.sampled_from([1, 2, 3, 7, jsonread.DEPTH_BLOCK]))
def test_text_depth_counts_brackets_outside_strings_only(
    doc: object, ascii_only: bool, block: int
) -> None:
    """Whatever the size of the blocks scanned at a time (escapes and strings across them)."""
    text = json.dumps(doc, ensure_ascii=ascii_only)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(jsonread, "DEPTH_BLOCK", block)
        assert text_depth(text) == depth(doc) == text_depth(text.encode("utf-8"))


def reference_flat(groups: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Every group flattened with all its top-level values, a dict per group made into a
    frame by pandas (the reader before it left out the values it never keeps and built its
    columns itself), the reference the reader must agree with."""
    out = []
    for group in groups:
        row = {k: v for k, v in group.items() if not isinstance(v, dict)}
        factors = group.get("factors")
        for name, factor in factors.items() if isinstance(factors, dict) else ():
            if isinstance(factor, dict):
                row[f"factors.{name}.raw"] = factor.get("raw")
                row[f"factors.{name}.points"] = factor.get("points")
        points = group.get("group_points")
        for name, value in points.items() if isinstance(points, dict) else ():
            row[f"group_points.{name}"] = value
        out.append(row)
    return pd.DataFrame(out)


HOSTILE = st.text(st.characters(exclude_categories=["Cs"]), max_size=8) | st.sampled_from(
    ["=1+1", "'=x", "a\nb", '"q", c', "\\", "[/bold]", "factors.a.raw", "x_points", "y_raw"]
)
SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-5, 5) | HOSTILE
KEYS = st.sampled_from(["codename", "notes", "flags", "overrides", "a_raw", "a_points", "x.y"])


@st.composite
def groups(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Groups of a nested export, some hand-edited: odd types, extra and missing keys."""
    out = []
    for rank in range(1, draw(st.integers(1, 5)) + 1):
        group: dict[str, Any] = {"rank": rank, "group_id": f"G{rank}", "band": "2B"}
        group["score"] = draw(st.sampled_from([1.5, 2, "3"]))
        group |= draw(st.dictionaries(KEYS, SCALARS | st.lists(HOSTILE, max_size=2)))
        factors = {
            f: {"raw": draw(SCALARS), "points": draw(st.sampled_from([1.25, None]))}
            for f in draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True))
        }
        group |= {"factors": factors, "group_points": {"harm": draw(st.sampled_from([2.0, 3]))}}
        out.append(group)
    return out


@settings(max_examples=80, deadline=None)
@given(groups())
def test_the_json_reader_agrees_with_the_reference_flattening(docs: list[dict[str, Any]]) -> None:
    """Same frame and factors, or the same error (a hand-edited file can still trip pandas)."""
    data = json.dumps({"meta": {}, "groups": docs}).encode()
    got, want = _read_or_error(data), None
    with pytest.MonkeyPatch.context() as m:
        m.setattr(previous, "_flat", reference_flat)
        want = _read_or_error(data)
    if not isinstance(want, previous.Previous):
        assert got == want
        return
    assert isinstance(got, previous.Previous)
    pd.testing.assert_frame_equal(got.frame, want.frame, check_exact=True)
    assert got.factors == want.factors


def _read_or_error(data: bytes) -> object:
    try:
        return read_ranking(data, source="x.json")
    except Exception as exc:  # the error itself is what is compared
        return (type(exc).__name__, str(exc))


def _expected(text: str) -> object:
    """What ``loads_streaming(text, key="groups", consume=list)`` must give: json.loads'
    document with its groups list taken out, or the DataError loads_capped raises."""
    try:
        doc = loads_capped(text, source="x.json")
    except DataError as exc:
        return str(exc)
    if isinstance(doc, dict) and isinstance(doc.get("groups"), list):
        return doc, doc.pop("groups")
    return doc, None


def _streamed(text: str) -> object:
    try:
        return loads_streaming(text, source="x.json", key="groups", consume=list)
    except DataError as exc:
        return str(exc)


LAYOUTS = st.fixed_dictionaries(
    {"indent": st.none() | st.integers(0, 2), "separators": st.sampled_from([None, (",", ":")])}
)
TOP = st.dictionaries(st.sampled_from(["meta", "groups", "x", "groups "]), DOCS, max_size=4)


@settings(max_examples=300, deadline=None)
@given(doc=TOP | DOCS, layout=LAYOUTS, cut=st.none() | st.integers(0, 400), pad=st.booleans())
def test_reading_the_groups_one_at_a_time_gives_what_json_loads_gives(
    doc: object, layout: dict[str, Any], cut: int | None, pad: bool
) -> None:
    """Any document, laid out any way, whole or cut short (invalid): the same document and
    groups, or the same located error."""
    text = json.dumps(doc, ensure_ascii=False, **layout)
    text = (" \n" + text + "\r\n\t" if pad else text)[:cut]
    expected = _expected(text)
    if isinstance(expected, tuple) and isinstance(expected[0], dict):
        with pytest.MonkeyPatch.context() as m:  # an object is read without json.loads
            m.setattr(jsonread, "loads_capped", None)
            assert _streamed(text) == expected
    assert _streamed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"groups": [1], "groups": {"a": 2}}',  # the last wins, as in json.loads
        '{"groups": {"a": 2}, "groups": [1, [2]]}',
        '{"meta": {}, "groups": [] } x',  # extra data
        '{"groups": [1,]}',
        '{"groups": [1 2]}',
        '{"groups" [1]}',
        "{}",
        "[]",
        '{"a": NaN, "groups": [Infinity]}',
    ],
)
def test_hand_edited_documents_read_as_json_loads_reads_them(text: str) -> None:
    assert _streamed(text) == _expected(text)


def test_a_consumer_that_stops_early_still_gets_the_keys_after_the_groups() -> None:
    doc, first = loads_streaming(
        '{"groups": [1, 2, 3], "meta": {"as_of": "2026-11-23"}}',
        source="x.json",
        key="groups",
        consume=lambda items: next(items),
    )
    assert (doc, first) == ({"meta": {"as_of": "2026-11-23"}}, 1)
