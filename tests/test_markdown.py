"""The markdown export: every ranked group in a table, escaped pipes, summary and caption."""

from __future__ import annotations

import pytest

from conftest import assess_file
from render_inputs import tricky_csv
from socprio import Assessment
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
    rows = [line for line in to_markdown(view).splitlines() if "OCG-" in line]
    assert len(rows) == 4
