"""The markdown export: Act now first, every ranked group in a table, escaped pipes, summary
and caption."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import assess_file, sample_csv
from render_inputs import tricky_csv
from socprio import Assessment, Flag
from socprio.config.models import Config, LoadedConfig
from socprio.present.captions import caption
from socprio.present.markdown import to_markdown


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
    view = dataclasses.replace(a, table=a.table[calm], flags=a.flags[calm])
    assert "No group has an active threat to life (ACTION_NOW)." in to_markdown(view)
    assert "No group has" not in to_markdown(a)
