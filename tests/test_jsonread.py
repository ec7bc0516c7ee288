"""Reading back JSON: nesting is capped, so deep input is a DataError, never RecursionError."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socprio.errors import DataError
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
