"""Reading back JSON: nesting is capped, so deep input is a DataError, never RecursionError;
and a ranking is read the same whatever its groups hold."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socprio.errors import DataError
from socprio.history import previous
from socprio.history.jsonread import loads_capped, text_depth
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


@given(DOCS, st.booleans())
def test_text_depth_counts_brackets_outside_strings_only(doc: object, ascii_only: bool) -> None:
    text = json.dumps(doc, ensure_ascii=ascii_only)
    assert text_depth(text) == depth(doc) == text_depth(text.encode("utf-8"))


def reference_flat(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every group flattened with all its top-level values (the reader before it left out the
    values it never keeps), the reference the reader must agree with."""
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
    return out


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
