"""Formula-injection escaping: every trigger, untouched text, and a reversible round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socprio.present.escape import TRIGGERS, escape_cell, unescape_cell

# Text made mostly of triggers and quotes, so the interesting prefixes come up often.
tricky_text = st.text(alphabet=st.sampled_from([*sorted(TRIGGERS), "'", "a", " "]))


def test_triggers_are_the_documented_set() -> None:
    assert {"=", "+", "-", "@", "\t", "\r", "\n", "\x00", "＝", "＋", "－", "＠"} == TRIGGERS


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
@pytest.mark.parametrize("tail", ["", 'HYPERLINK("http://x")', "1+1", "cmd|' /C calc'!A0"])
def test_every_trigger_is_escaped_and_reversible(trigger: str, tail: str) -> None:
    text = trigger + tail
    assert escape_cell(text) == "'" + text
    assert unescape_cell(escape_cell(text)) == text


@pytest.mark.parametrize("text", ["-1", "-", "+44 20 7946 0000", "@handle"])
def test_numeric_looking_text_is_escaped(text: str) -> None:
    assert escape_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "OCG000001",
        " x=1",
        "\u00a0hello",
        "a=b",
        "1",
        "'hello",
        "''",
        "'",
        "%x",
        "|x",
        "£500",
        "ʤ",
    ],
)
def test_other_text_is_untouched(text: str) -> None:
    assert escape_cell(text) == text
    assert unescape_cell(text) == text


@pytest.mark.parametrize(("text", "escaped"), [("'=x", "''=x"), ("''-1", "'''-1")])
def test_quotes_before_a_trigger_gain_one_more_quote(text: str, escaped: str) -> None:
    assert escape_cell(text) == escaped
    assert unescape_cell(escaped) == text


@given(st.text() | tricky_text)
def test_round_trip_and_no_leading_trigger(text: str) -> None:
    escaped = escape_cell(text)
    assert unescape_cell(escaped) == text
    assert escaped[:1] not in TRIGGERS
    assert escaped in (text, "'" + text)  # only ever prefixes, never strips


BLANKS = [" ", "  ", "\u00a0", "\u3000", "\u200b", "\ufeff", "\u2060", "\u202e", "\u2028", "\x85"]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("formula", ["=1+1", "@SUM(A1)", "+1", "-1", "\tx", "\rx", "＝1"])
def test_formula_after_leading_whitespace_is_escaped(blank: str, formula: str) -> None:
    text = blank + formula
    assert escape_cell(text) == "'" + text
    assert unescape_cell(escape_cell(text)) == text


# Any run of characters a spreadsheet may trim or not show: Unicode spaces, separators,
# controls and format characters.
blank_chars = st.characters(categories=["Zs", "Zl", "Zp", "Cc", "Cf"])


@given(
    st.text(alphabet=st.just("'"), max_size=3),
    st.text(alphabet=blank_chars, max_size=6),
    st.sampled_from(sorted(TRIGGERS)),
    st.text(max_size=8),
)
def test_formula_after_any_blank_prefix_is_escaped(
    quotes: str, blanks: str, trigger: str, tail: str
) -> None:
    text = quotes + blanks + trigger + tail
    escaped = escape_cell(text)
    assert escaped == "'" + text
    assert unescape_cell(escaped) == text
