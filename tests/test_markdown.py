"""The markdown export: Act now first, every ranked group in a table, escaped pipes, summary
and caption."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import assess_file, rows_csv, sample_csv, sample_rows
from render_inputs import tricky_csv
from socprio import Assessment, Flag
from socprio.config.models import Config, LoadedConfig
from socprio.pipeline.columns import Columns
from socprio.present import markdown
from socprio.present.captions import caption
from socprio.present.escape import markdown_text, visible
from socprio.present.markdown import markdown_chunks, to_markdown


@pytest.fixture(scope="module")
def a(cfg: Config, loaded: LoadedConfig) -> Assessment:
    return assess_file(tricky_csv(cfg), loaded)


def test_markdown_lists_every_ranked_group(a: Assessment, loaded: LoadedConfig) -> None:
    text = to_markdown(a)
    assert loaded.config.marking in text
    assert loaded.short_sha in text
    assert caption(a.provenance) in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "OCG-" in line]
    assert len(rows) == len(a.table)
    for line, gid in zip(rows, a.table["group_id"], strict=True):
        assert f" {gid} " in line
        assert line.replace("\\|", "").count("|") == 10  # pipes in codenames are escaped
    for name, counts in a.summary().items():
        assert f"- **{name}**: " + ", ".join(f"{k} {v}" for k, v in counts.items()) in text
    assert "p5-p95" not in text  # no interval without the weight draws


def test_markdown_of_a_view_lists_only_its_groups(a: Assessment) -> None:
    view = a.select(top=4)
    rows = [line for line in to_markdown(view).splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(view.table) >= 4  # the first 4, and any act-now group
    assert [f" {g} " in row for row, g in zip(rows, view.table["group_id"], strict=True)]


NOW = list(Flag).index(Flag.ACTION_NOW)


@pytest.fixture(scope="module")
def act(loaded: LoadedConfig) -> Assessment:
    """Several act-now groups, none of them first on score."""
    found = assess_file(sample_csv(loaded.config, groups=400, seed=12), loaded)
    assert found.flags[:, NOW].sum() >= 2 and not found.flags[0, NOW]
    return found


def _act_now(text: str) -> list[str]:
    section = text.split("### Act now\n", 1)[1].split("### Ranking", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- ")]


def test_act_now_groups_lead_with_their_regional_rank_whatever_the_top(act: Assessment) -> None:
    text = to_markdown(act.select(top=2))
    assert text.index("### Act now") < text.index("### Ranking")
    bullets = _act_now(text)
    rows = act.table[act.flags[:, NOW]]
    assert len(bullets) == len(rows)
    for line, rank, gid in zip(bullets, rows["rank"], rows["group_id"], strict=True):
        assert line.startswith(f"- **#{rank} {gid} ") and "ACTION_NOW" in line


def test_act_now_groups_outside_a_filter_are_named(act: Assessment) -> None:
    forces = set(act.table["lead_force"][act.flags[:, NOW]])
    other = next(f for f in sorted(set(act.table["lead_force"])) if f not in forces)
    (line,) = _act_now(to_markdown(act.select(force=other)))
    assert line.startswith("- **Outside this view**")
    for rank, gid in zip(act.table["rank"], act.table["group_id"], strict=True):
        assert (f"#{rank} {gid} (" in line) == (
            gid in set(act.table["group_id"][act.flags[:, NOW]])
        )


def test_without_act_now_groups_the_section_says_so(a: Assessment) -> None:
    calm = ~a.flags[:, NOW]
    view = dataclasses.replace(a, columns=Columns.of_frame(a.table[calm]), flags=a.flags[calm])
    assert "No group has an active threat to life (ACTION_NOW)." in to_markdown(view)
    assert "No group has" not in to_markdown(a)


def _rendered_cell(cell: str) -> str:
    """The text a CommonMark renderer (with GFM tables) shows for one table cell."""
    page = (
        MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
        .render(f"| a |\n|---|\n| {cell} |\n")
    )
    inner = page.split("<td>", 1)[1].split("</td>", 1)[0]
    assert "<" not in inner, page  # no tag: no image, link, emphasis, code or raw HTML
    return html.unescape(inner)


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[link=file:///etc/passwd]x[/link]",
    "**bold** _em_ `code` ~~gone~~",
    "a | b",
    "&lt;script&gt;",
    "\\*not emphasis\\*",
    "# heading",
    ":warning: shortcode",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_shows_markup_in_input_text_literally(text: str) -> None:
    assert _rendered_cell(markdown_text(text)) == text


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30))
def test_any_input_text_renders_as_itself_in_a_markdown_cell(text: str) -> None:
    """Markup, HTML and pipes show as typed; line breaks become spaces; controls and bidi
    characters show as visible escapes, never reach the reader as themselves."""
    shown = _rendered_cell(markdown_text(text))
    expected = visible(re.sub(r"\r\n|[\r\n]", " ", text))
    assert shown.strip() == expected.strip() or _blank_run(shown, expected)


def _blank_run(shown: str, expected: str) -> bool:
    """CommonMark folds runs of spaces and tabs inside a cell's text the same way either way."""
    return shown.split() == expected.split()


def test_markdown_export_escapes_a_hostile_codename(cfg: Config, loaded: LoadedConfig) -> None:
    rows = sample_rows(cfg, groups=5, seed=3)
    rows[0]["codename"] = "<img src=x onerror=alert(1)> [x](javascript:y)"
    text = to_markdown(assess_file(rows_csv(rows), loaded))
    assert not re.search(r"(?<!\\)(<img|\]\(javascript)", text)  # nothing unescaped
    assert "\\<img src=x onerror=alert(1)\\> \\[x\\](javascript\\:y)" in text


def test_markdown_streams_a_chunk_of_rows_at_a_time_with_the_same_bytes(
    a: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded at any size: the table is rounded and written a few rows at a
    time, and how many at a time never changes a byte of the output."""
    whole = to_markdown(a)
    monkeypatch.setattr(markdown, "CHUNK_ROWS", 3)
    chunks = list(markdown_chunks(a))
    assert len(chunks) >= len(a.table) // 3 + 2
    assert "".join(chunks) == whole and whole.endswith("_\n")
