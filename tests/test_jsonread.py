"""Reading back JSON: nesting is capped, so deep input is a DataError, never RecursionError."""

from __future__ import annotations

import pytest

from socprio.errors import DataError
from socprio.history.jsonread import loads_capped
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
