"""docs/data-dictionary.md cannot drift from the config: its table is the generated one."""

from __future__ import annotations

import re
from pathlib import Path

from socprio.config.load import load_config
from socprio.config.models import record_columns
from socprio.present.describe import schema_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"
START = "<!-- schema:start -->\n"
END = "<!-- schema:end -->"


def _parts() -> tuple[str, str, str]:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(START) == 1
    assert text.count(END) == 1
    before, rest = text.split(START)
    block, after = rest.split(END)
    return before, block, after


def test_schema_block_equals_the_generated_table() -> None:
    _, block, _ = _parts()
    assert block == schema_markdown(load_config(None).config)


def test_every_column_is_described_in_the_prose_too() -> None:
    before, _, after = _parts()
    prose = before + after
    mentioned = set(re.findall(r"`([a-z0-9_]+)`", prose))
    missing = [c for c in record_columns(load_config(None).config) if c not in mentioned]
    assert missing == []


def test_documented_spellings_match_the_config() -> None:
    rules = load_config(None).config.record
    _, _, after = _parts()
    section = after.split("## Booleans", 1)[1].split("##", 1)[0]
    for spelling in (*rules.true_values, *rules.false_values):
        assert f"`{spelling}`" in section
    assert "`maybe`" in section
