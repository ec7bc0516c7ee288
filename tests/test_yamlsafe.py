"""Tests for the safe YAML loader: every rejection is a located ConfigError (exit code 78)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from socprio.config.yamlsafe import MAX_CONFIG_BYTES, load_yaml
from socprio.errors import ConfigError, ExitCode

SOURCE = "cfg/config.yaml"


def _reject(text: str) -> ConfigError:
    """Load ``text`` expecting a ConfigError, and return it."""
    with pytest.raises(ConfigError) as info:
        load_yaml(text, source=SOURCE)
    assert info.value.file == SOURCE
    assert info.value.exit_code == ExitCode.CONFIG
    return info.value


def _at(text: str) -> tuple[int | None, int | str | None]:
    """(line, column) of the ConfigError raised for ``text``."""
    err = _reject(text)
    return err.line, err.column


def test_loads_a_plain_mapping() -> None:
    doc = load_yaml("weights:\n  drugs: 3\nnames: [a, 'b']\n", source=SOURCE)
    assert doc.data == {"weights": {"drugs": 3}, "names": ["a", "b"]}
    assert doc.source == SOURCE


def test_over_size_cap_is_rejected_with_size_and_cap() -> None:
    text = "a: 1\n" + "#" * MAX_CONFIG_BYTES
    err = _reject(text)
    assert str(len(text)) in err.message
    assert str(MAX_CONFIG_BYTES) in err.message
    assert err.line is None


def test_size_cap_counts_utf8_bytes_not_characters() -> None:
    comment = "# " + "é" * (MAX_CONFIG_BYTES // 2)  # fewer characters than the cap, more bytes
    assert len(comment) < MAX_CONFIG_BYTES < len(comment.encode())
    _reject("a: 1\n" + comment)


def test_exactly_at_size_cap_loads() -> None:
    head = "a: 1\n# "
    text = head + "x" * (MAX_CONFIG_BYTES - len(head))
    assert len(text.encode()) == MAX_CONFIG_BYTES
    assert load_yaml(text, source=SOURCE).data == {"a": 1}


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: b: c\n", 1, 5),  # mapping values are not allowed here
        ("a: [1, 2\n", 2, 1),  # unclosed flow sequence, reported at the end of the stream
        ("a:\n\tb: 1\n", 2, 1),  # tab indentation
        ("a: 'x\n", 2, 1),  # unclosed quote
        ("a: b\x07\n", 1, 5),  # unprintable character (PyYAML's ReaderError has no mark)
    ],
)
def test_syntax_error_is_located_1_based(text: str, line: int, column: int) -> None:
    assert _at(text) == (line, column)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: &x 1\nb: 2\n", 1, 4),
        ("a: *x\n", 1, 4),  # even an undefined alias is refused as an alias
        ("a: 1\nb: [x, &y 2]\n", 2, 8),
    ],
)
def test_anchor_or_alias_is_rejected(text: str, line: int, column: int) -> None:
    err = _reject(text)
    assert (err.line, err.column) == (line, column)
    assert "anchors and aliases" in err.message


def test_billion_laughs_is_rejected_not_expanded() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    assert _at("\n".join(lines) + "\n") == (1, 5)


def test_python_tag_is_rejected_and_never_executed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake_getcwd() -> str:
        calls.append("getcwd")
        return "/"

    monkeypatch.setattr(os, "getcwd", fake_getcwd)
    text = "x:\n  y: 1\n  z: !!python/object/apply:os.getcwd []\n"
    err = _reject(text)
    assert (err.line, err.column) == (3, 6)
    assert "!!python/object/apply:os.getcwd" in err.message
    assert calls == []
    yaml.unsafe_load(text)  # the detector works: an unsafe loader does call it
    assert calls == ["getcwd"]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: !foo x\n", 1, 4),
        ("!foo a: 1\n", 1, 1),  # on a key
        ("a: 1\nb: !!set {x}\n", 2, 4),
        ("a: !!binary aGk=\n", 1, 4),
        ("a: !!omap [{b: 1}]\n", 1, 4),
        ("a: !!python/tuple [1]\n", 1, 4),
        ("a: !!str {b: 1}\n", 1, 4),  # a safe tag on the wrong kind of node
    ],
)
def test_unsafe_or_misplaced_tag_is_rejected(text: str, line: int, column: int) -> None:
    err = _reject(text)
    assert (err.line, err.column) == (line, column)
    assert "tag" in err.message


def test_standard_scalar_tags_are_allowed() -> None:
    assert load_yaml("a: !!str NO\nb: !!int '7'\n", source=SOURCE).data == {"a": "NO", "b": 7}


@pytest.mark.parametrize(
    ("text", "kind"),
    [("d: 2024-13-45\n", "timestamp"), ("b: !!bool maybe\n", "bool"), ("n: !!int ''\n", "int")],
)
def test_malformed_typed_value_is_a_located_config_error(text: str, kind: str) -> None:
    err = _reject(text)
    assert (err.line, err.column) == (1, 4)
    assert err.message == f"invalid {kind} value"


def test_duplicate_key_points_at_second_occurrence() -> None:
    err = _reject("weights:\n  violence: 1\n  drugs: 2\n  violence: 3\n")
    assert str(err) == f"{SOURCE}:4:3: duplicate key 'violence' (first defined on line 2)"


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a' (first defined on line 1)"),
        ("a: {x: 1, x: 2}\n", 1, 11, "duplicate key 'x' (first defined on line 1)"),
        ("r:\n  - n: a\n    n: b\n", 3, 5, "duplicate key 'n' (first defined on line 2)"),
        # YAML 1.1: `yes` and `on` are both the key True
        ("yes: 1\non: 2\n", 2, 1, "duplicate key 'on' (first defined on line 1)"),
    ],
)
def test_duplicate_key_at_any_depth(text: str, line: int, column: int, message: str) -> None:
    err = _reject(text)
    assert (err.line, err.column, err.message) == (line, column, message)


def test_merge_key_is_rejected() -> None:
    err = _reject("base: {a: 1}\nx:\n  <<: {b: 2}\n")
    assert (err.line, err.column) == (3, 3)
    assert "merge keys" in err.message


def test_quoted_merge_key_is_an_ordinary_string() -> None:
    assert load_yaml("'<<': 1\n", source=SOURCE).data == {"<<": 1}


def test_more_than_one_document_is_rejected_at_the_second() -> None:
    err = _reject("a:\n  b: 1\n---\nc: 2\n")
    assert (err.line, err.column) == (3, 1)
    assert "single document" in err.message


def test_one_explicit_document_loads() -> None:
    assert load_yaml("---\na: 1\n...\n", source=SOURCE).data == {"a": 1}


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_document_is_rejected(text: str) -> None:
    assert str(_reject(text)) == f"{SOURCE}: the config file is empty"


@pytest.mark.parametrize(
    ("text", "line"), [("- a\n- b\n", 1), ("# c\nhello\n", 2), ("~\n", 1), ("''\n", 1)]
)
def test_top_level_must_be_a_mapping(text: str, line: int) -> None:
    err = _reject(text)
    assert (err.line, err.column) == (line, 1)
    assert "mapping" in err.message


def test_deep_nesting_is_a_config_error_not_a_recursion_error() -> None:
    assert _at("a: " + "[" * 100_000)[0] == 1
    nested = "a: " + "[" * 50 + "]" * 50 + "\n"
    assert load_yaml(nested, source=SOURCE).data is not None


def test_yaml_1_1_typing_is_kept_for_the_strict_model_to_reject() -> None:
    text = "country: NO\nweight: yes\non: 1\nf: 1.0e3\nv: 1.10\nn: ~\nd: 2024-01-01\neq: =\n"
    assert load_yaml(text, source=SOURCE).data == {
        "country": False,
        "weight": True,
        True: 1,
        "f": "1.0e3",
        "v": 1.1,
        "n": None,
        "d": dt.date(2024, 1, 1),
        "eq": "=",  # PyYAML's SafeLoader would crash on the YAML 1.1 "value" type
    }


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("stale_days: 0777\n", 13, "octal"),
        ("stale_days: -017\n", 13, "octal"),
        ("stale_days: 0x1F\n", 13, "hexadecimal"),
        ("stale_days: 0b101\n", 13, "binary"),
        ("stale_days: 00\n", 13, "octal"),
        ("stale_days: 1:30\n", 13, "sexagesimal"),
        ("stale_days: 1:30.5\n", 13, "sexagesimal"),
        ("stale_days: 1_000\n", 13, "underscores"),
        ("stale_days: 1_000.5\n", 13, "underscores"),
        ("stale_days: !!int 0777\n", 13, "octal"),
        ("flags: {stale_days: 0777}\n", 21, "octal"),
        ("levels: [1, 0x10]\n", 13, "hexadecimal"),
        ("0777: x\n", 1, "octal"),
    ],
)
def test_yaml_1_1_octal_hex_binary_sexagesimal_and_underscored_numbers_are_rejected(
    text: str, column: int, fragment: str
) -> None:
    """YAML 1.1 reads 0777 as 511, 0x1F as 31, 1:30 as 90: under any key, they are refused
    at their position instead of passing `config check` as a number nobody wrote."""
    err = _reject(text)
    assert (err.line, err.column) == (1, column)
    assert fragment in err.message
    assert "quote it" in err.message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: 0\n", 0),
        ("a: -5\n", -5),
        ("a: 90\n", 90),
        ("a: 0.5\n", 0.5),
        ("a: '0777'\n", "0777"),
        ('a: "1:30"\n', "1:30"),
        ("a: 1:30 pm\n", "1:30 pm"),
    ],
)
def test_plain_decimal_numbers_and_quoted_text_still_load(text: str, value: object) -> None:
    assert load_yaml(text, source=SOURCE).data == {"a": value}


LOCATE_TEXT = """\
# leading comment
weights:
  drugs: 1
  violence: x
rules:
  - name: a
    w: 2
  - {name: b, w: 3}
on: 1
10: ten
"""


@pytest.mark.parametrize(
    ("loc", "position"),
    [
        ((), (2, 1)),
        (("weights",), (2, 1)),
        (("weights", "violence"), (4, 3)),  # a key is located at the key itself
        (("rules", 0), (6, 5)),
        (("rules", 0, "w"), (7, 5)),
        (("rules", 1, "w"), (8, 15)),
        ((True,), (9, 1)),  # YAML 1.1 key `on:` is True
        ((10,), (10, 1)),
        (("10",), (10, 1)),  # matched by the text as written
        # where the path stops existing, the deepest node found so far
        (("missing",), (2, 1)),
        (("weights", "missing"), (2, 1)),
        (("rules", 5), (5, 1)),
        (("rules", "x"), (5, 1)),
        (("rules", 0, "name", "[key]"), (6, 5)),
    ],
)
def test_locate(loc: tuple[str | int, ...], position: tuple[int, int]) -> None:
    assert load_yaml(LOCATE_TEXT, source=SOURCE).locate(loc) == position


_KEYS = st.text(max_size=20)
_VALUES = st.recursive(
    st.integers() | st.text(max_size=30),
    lambda children: st.dictionaries(_KEYS, children, max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(_KEYS, _VALUES, max_size=5))
def test_safe_dump_round_trips_and_top_level_keys_are_located(data: dict[str, object]) -> None:
    text = yaml.safe_dump(data, sort_keys=False)
    doc = load_yaml(text, source=SOURCE)
    assert doc.data == data
    line = 1
    for key, value in data.items():
        assert doc.locate((key,))[0] == line
        line += yaml.safe_dump({key: value}, sort_keys=False).count("\n")
