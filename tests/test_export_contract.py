"""One exporter contract: every output format is a function of the Assessment, and they agree.

For the same input and previous run, each format is parsed back independently and must carry
the same groups, ranks, bands, flags and movement, and the same provenance.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, assess_file, sample_csv
from socprio import Assessment
from socprio.config.models import LoadedConfig
from socprio.present.csvout import to_csv
from socprio.present.export import ExportOptions, export, export_bytes
from socprio.present.formats import OutputFormat

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
Row = tuple[int, str, str, frozenset[str], str]  # rank, group_id, band, flags, movement tag


@pytest.fixture(scope="module")
def assessed(loaded: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> Assessment:
    """The sample against an earlier week with other groups: every movement tag occurs."""
    earlier = assess_file(sample_csv(loaded.config, groups=160, seed=5), loaded)
    previous = tmp_path_factory.mktemp("prev") / "ranking.csv"
    previous.write_text(to_csv(earlier), encoding="utf-8")
    return assess_file(SAMPLE, loaded, previous=previous, draws=50)


def expected(a: Assessment) -> list[Row]:
    return [
        (g.rank, g.group_id, g.band, frozenset(f.value for f in g.flags), str(g.movement))
        for g in a.groups()
    ]


def _flags(text: str) -> frozenset[str]:
    return frozenset(f for f in re.split(r"[;,\s]+", text) if f)


def from_csv(data: bytes) -> list[Row]:
    rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return [
        (int(r["rank"]), r["group_id"], r["band"], _flags(r["flags"]), r["movement"]) for r in rows
    ]


def from_json(data: bytes) -> list[Row]:
    groups = json.loads(data)["groups"]
    return [
        (g["rank"], g["group_id"], g["band"], frozenset(g["flags"]), g["movement"]["movement"])
        for g in groups
    ]


def from_markdown(data: bytes) -> list[Row]:
    lines = [x for x in data.decode().splitlines() if x.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    out = []
    for line in lines[1:]:
        texts = [re.sub(r"\\(.)", r"\1", c.strip()) for c in line.strip("|").split(" | ")]
        cells = dict(zip(header, texts, strict=True))  # as a renderer shows the escaped text
        tag = cells["movement"].split()[0]
        out.append(
            (int(cells["rank"]), cells["group_id"], cells["band"], _flags(cells["flags"]), tag)
        )
    return out


def from_xlsx(data: bytes) -> list[Row]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    fields = {r[1]: r[2] for r in book["Method"].iter_rows(values_only=True) if r[0] == "Ranking"}
    rows = list(book["Ranking"].iter_rows(min_row=2, values_only=True))
    header = [fields[c] for c in rows[0]]  # human headings, mapped to their fields
    out = []
    for values in rows[1:]:
        r = dict(zip(header, values, strict=False))
        flags = _flags(str(r["flags"] or ""))
        out.append((int(r["rank"]), str(r["group_id"]), str(r["band"]), flags, str(r["movement"])))
    return sorted(out)  # the sheet is in tasking order (act-now groups first)


def test_every_format_is_exported(assessed: Assessment) -> None:
    for fmt in OutputFormat:
        assert export_bytes(fmt, assessed), fmt


@pytest.mark.parametrize(
    ("fmt", "parse"),
    [
        (OutputFormat.CSV, from_csv),
        (OutputFormat.JSON, from_json),
        (OutputFormat.MARKDOWN, from_markdown),
        (OutputFormat.XLSX, from_xlsx),
    ],
)
def test_file_formats_agree_on_every_group(
    assessed: Assessment, fmt: OutputFormat, parse: object
) -> None:
    rows = parse(export_bytes(fmt, assessed))  # type: ignore[operator]
    assert rows == expected(assessed)
    assert {r[4] for r in rows} >= {"NEW", "UP", "DOWN", "BAND_UP", "BAND_DOWN"}


def test_table_and_pack_show_each_group_as_the_files_do(assessed: Assessment) -> None:
    table = export_bytes(OutputFormat.TABLE, assessed, ExportOptions(width=132)).decode()
    pack = html.unescape(str(export(OutputFormat.HTML, assessed, ExportOptions(chart_top=20))))
    brief, appendix = pack.split('<section class="appendix">')
    pack = appendix  # the detail table, with every flag; the briefing is checked below
    for rank, gid, band, flags, _ in expected(assessed):
        line = next(x for x in table.splitlines() if f" {gid} " in f" {x} ")
        assert re.match(rf"\s*{rank}\s+{band}\^?\s", line), line
        if rank <= 20:
            row = re.search(rf"<tr><td[^>]*>{rank}</td><td>{gid}</td>.*?</tr>", pack)
            assert row is not None, gid
            assert band in row.group(0)
            assert all(f in row.group(0) for f in flags)
        if rank <= 10:  # the briefing's top table agrees on rank, group and band
            row = re.search(rf"<tr><td[^>]*>{rank}</td><td>{gid}</td>.*?</tr>", brief)
            assert row is not None and band in row.group(0), gid


def test_every_output_names_the_same_provenance(assessed: Assessment) -> None:
    prov = assessed.provenance
    short = prov.config.short_sha
    meta = json.loads(export_bytes(OutputFormat.JSON, assessed))["meta"]
    assert meta["config"]["sha256"] == prov.config.sha256
    assert meta["input"]["sha256"] == prov.input_sha256
    assert meta["counts"] == prov.counts.to_dict()
    assert meta["movement"]["counts"] == assessed.movement.counts()  # type: ignore[union-attr]
    for fmt in (OutputFormat.TABLE, OutputFormat.MARKDOWN, OutputFormat.HTML):
        text = export_bytes(fmt, assessed, ExportOptions(width=160)).decode()
        assert short in text and AS_OF.isoformat() in text, fmt


def test_same_assessment_same_bytes(assessed: Assessment) -> None:
    for fmt in OutputFormat:
        assert export_bytes(fmt, assessed) == export_bytes(fmt, assessed), fmt


def test_csv_and_json_carry_each_movers_cause(assessed: Assessment) -> None:
    """The cause of each move (history/movement.py) reaches the CSV column and the JSON field."""
    table = dict(zip(assessed.table["group_id"], assessed.table["movement_cause"], strict=True))
    assert set(table.values()) - {""}  # some group moved for a reason
    rows = csv.DictReader(io.StringIO(to_csv(assessed)))
    header = next(csv.reader(io.StringIO(to_csv(assessed))))
    assert header.index("movement_cause") == header.index("previous_band") + 1
    assert {r["group_id"]: r["movement_cause"] for r in rows} == table
    groups = json.loads(export_bytes(OutputFormat.JSON, assessed))["groups"]
    assert {g["group_id"]: g["movement"]["movement_cause"] or "" for g in groups} == table


@pytest.mark.slow
def test_every_format_has_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Same input, config and as-of date, two processes with different hash seeds (set and
    dict orders): byte-identical CSV, JSON, markdown, workbook and terminal table."""
    written: dict[str, list[bytes]] = {}
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        rank = [sys.executable, "-m", "socprio", "rank", str(SAMPLE), "--as-of", str(AS_OF)]
        for fmt in ("csv", "json", "markdown", "xlsx"):
            out = tmp_path / f"{seed}.{fmt}"
            subprocess.run([*rank, "-q", "-f", fmt, "-o", str(out)], check=True, env=env)
            written.setdefault(fmt, []).append(out.read_bytes())
        table = subprocess.run([*rank, "--all"], check=True, env=env, capture_output=True)
        written.setdefault("table", []).append(table.stdout)
    for fmt, (first, second) in written.items():
        assert first == second and first, fmt
