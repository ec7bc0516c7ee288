"""The analyst's table: 100 columns, marking and config hash, every ranked group."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from rich.cells import cell_len
from rich.console import Console

from conftest import assess_file
from render_inputs import tricky_csv
from socprio import Assessment
from socprio.config.models import Config, LoadedConfig
from socprio.present.table import rank_table, table_text


@pytest.fixture(scope="module")
def source(cfg: Config) -> bytes:
    return tricky_csv(cfg)


def test_rank_table_fits_100_columns_with_marking_and_config_hash(
    loaded: LoadedConfig, source: bytes
) -> None:
    long_path = replace(loaded, path="/srv/tasking/" + "config-directory/" * 6 + "scoring.yaml")
    for config in (loaded, long_path):
        a = assess_file(source, config)
        text = table_text(a, width=100)
        lines = text.splitlines()
        assert max(cell_len(line) for line in lines) <= 100
        assert "\x1b[" not in text  # no colour unless a terminal
        assert loaded.config.marking in text
        assert loaded.short_sha in text
        for gid in a.table["group_id"]:
            assert gid in text


def test_rank_table_renderable_prints_the_same_groups(loaded: LoadedConfig, source: bytes) -> None:
    a: Assessment = assess_file(source, loaded)
    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    console.print(rank_table(a))
    text = console.export_text()
    assert max(cell_len(line) for line in text.splitlines()) <= 100
    for gid in a.table["group_id"]:
        assert gid in text


def test_terminal_table_is_coloured(loaded: LoadedConfig, source: bytes) -> None:
    assert "\x1b[" in table_text(assess_file(source, loaded), width=100, terminal=True)
