"""The one set of flag names: full names everywhere, abbreviations defined once beside them
and always explained by the legend generated from them."""

from __future__ import annotations

from socprio.core.flags import MEANING, RANKING_FLAGS, SHORT, Flag, legend


def test_every_flag_has_one_meaning_and_one_short_form() -> None:
    assert set(MEANING) == set(SHORT) == set(Flag)
    shorts = [f.short for f in Flag]
    assert len(set(shorts)) == len(shorts)  # no abbreviation stands for two flags
    assert all(1 <= len(s) <= 5 and " " not in s for s in shorts)
    names = {f.value for f in Flag}
    assert all(f.short == f.value or f.short not in names for f in Flag)  # never another's name
    assert Flag.LOW_CONFIDENCE.short  # low confidence is a visible flag, not only a column


def test_the_legend_explains_each_abbreviation_in_flag_order() -> None:
    lines = legend()
    assert len(lines) == len(Flag)
    for line, flag in zip(lines, Flag, strict=True):
        assert line.split()[:2] == [flag.short, f"{flag.value}:"]
        assert line.endswith(flag.meaning)
    assert legend([Flag.DISAGREE, Flag.ACTION_NOW]) == [lines[0], lines[-1]]  # still in order
    assert legend([]) == []


def test_ranking_flags_lead_and_action_now_is_first() -> None:
    assert tuple(Flag)[: len(RANKING_FLAGS)] == RANKING_FLAGS
    assert next(iter(Flag)) is Flag.ACTION_NOW


def test_the_readme_flag_table_is_the_enum() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `") and "` | `" in line]
    table = {
        cells[0].strip("` "): cells[1].strip("` ")
        for cells in (line.strip("|").split(" | ") for line in rows)
        if cells[0].strip("` ") in {f.value for f in Flag}
    }
    assert table == {f.value: f.short for f in Flag}
