"""``export``: every output format of an assessment through one exporter contract."""

from __future__ import annotations

import pytest

from conftest import assess_file
from render_inputs import tricky_csv
from socprio import Assessment
from socprio.config.models import Config, LoadedConfig
from socprio.present.csvout import to_csv
from socprio.present.export import ExportOptions, export, export_bytes
from socprio.present.formats import BINARY, OutputFormat
from socprio.present.jsonout import to_json
from socprio.present.markdown import to_markdown
from socprio.present.table import table_text


@pytest.fixture(scope="module")
def a(cfg: Config, loaded: LoadedConfig) -> Assessment:
    return assess_file(tricky_csv(cfg), loaded)


# The pack's charts draw this input's fullwidth trigger characters as text, with no warning
# (pytest turns any warning into an error).
@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_output_format_renders(fmt: OutputFormat, a: Assessment) -> None:
    expected = {
        OutputFormat.TABLE: lambda: table_text(a, width=100),
        OutputFormat.CSV: lambda: to_csv(a),
        OutputFormat.JSON: lambda: to_json(a),
        OutputFormat.MARKDOWN: lambda: to_markdown(a),
    }
    out = export_bytes(fmt, a)
    if fmt in BINARY:
        assert out.startswith(b"PK")  # a zip: the xlsx workbook
    elif fmt is OutputFormat.HTML:
        text = out.decode("utf-8")
        assert a.config.marking in text
        assert str(a.table["group_id"].iloc[0]) in text
    else:
        assert out == expected[fmt]().encode("utf-8")
    assert isinstance(export(fmt, a), bytes) == (fmt in BINARY)


def test_table_width_comes_from_the_options(a: Assessment) -> None:
    narrow = export(OutputFormat.TABLE, a, ExportOptions(width=80))
    assert not isinstance(narrow, str | bytes)  # streamed in chunks of lines
    assert "".join(narrow) == table_text(a, width=80)
