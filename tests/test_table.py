"""The analyst's terminal table at 80, 100 and 132 columns, plain, bold-only and coloured:
act-now groups first and never hidden, every flags cell visible, no line past the width or
padded, input text shown as data, the first rows only when asked, and a streamed listing."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from conftest import assess_file, sample_csv
from socprio import Assessment, Flag
from socprio.config.models import LoadedConfig
from socprio.core.flags import legend
from socprio.pipeline.columns import Columns
from socprio.present import grid as grid_module
from socprio.present.escape import visible
from socprio.present.table import table_chunks, table_text
from socprio.present.termtext import Ink

SGR = re.compile(r"\x1b\[[0-9;]*m")
NOW = list(Flag).index(Flag.ACTION_NOW)
WIDTHS = (80, 100, 132)


@pytest.fixture(scope="module")
def a(loaded: LoadedConfig) -> Assessment:
    """400 groups, several with an active threat to life and none of them ranked first."""
    found = assess_file(sample_csv(loaded.config, groups=400, seed=12), loaded)
    assert found.flags[:, NOW].sum() >= 2 and not found.flags[0, NOW]
    return found


def shown(text: str) -> list[str]:
    """The lines as a terminal shows them (styles removed)."""
    return SGR.sub("", text).splitlines()


def row_of(lines: list[str], rank: int, gid: str, start: int = 0) -> str:
    """A group's row (from line ``start``) with its continuation lines, joined."""
    at = next(i for i in range(start, len(lines)) if re.match(rf"\s*{rank} .*\b{gid}\b", lines[i]))
    rows = [lines[at]]
    for line in lines[at + 1 :]:
        if not line.startswith(" " * 12):
            break
        rows.append(line)
    return " ".join(rows)


def flags_of(a: Assessment, k: int) -> list[str]:
    return [f.short for j, f in enumerate(Flag) if a.flags[k, j]]


@pytest.mark.parametrize("ink", list(Ink))
@pytest.mark.parametrize("width", WIDTHS)
def test_every_line_fits_and_every_flags_cell_is_visible(
    a: Assessment, width: int, ink: Ink
) -> None:
    text = table_text(a, width=width, ink=ink)
    lines = shown(text)
    assert max(cell_len(line) for line in lines) <= width
    assert not any(line.endswith(" ") for line in lines)  # never padded past its content
    body = lines.index(next(x for x in lines if x.startswith("Ranking, in harm order")))
    for k, (rank, gid) in enumerate(zip(a.table["rank"], a.table["group_id"], strict=True)):
        row = row_of(lines, rank, gid, start=body)
        assert all(f in row.split() for f in flags_of(a, k)), (gid, row)
    if width < 100:
        assert f"At {width} columns, not shown:" in SGR.sub("", text)
    if width == 132:
        assert "not shown" not in text  # the natural width fits: every column


@pytest.mark.parametrize("width", WIDTHS)
def test_act_now_groups_come_first_with_their_regional_rank(a: Assessment, width: int) -> None:
    lines = shown(table_text(a, width=width, limit=3))
    heading = next(i for i, x in enumerate(lines) if x.startswith("ACT NOW:"))
    ranking = next(i for i, x in enumerate(lines) if x.startswith("Ranking, in harm order"))
    assert heading < ranking
    act = a.table[a.flags[:, NOW]]
    for rank, gid in zip(act["rank"], act["group_id"], strict=True):
        assert rank > 3  # beyond the rows shown below, and still listed
        row = row_of(lines[:ranking], rank, gid, start=heading)
        assert Flag.ACTION_NOW.short in row.split()
    assert f"Showing the first 3 of {len(a.table)} groups" in " ".join(lines)


def test_top_and_filters_never_hide_an_act_now_group(a: Assessment) -> None:
    act = a.table[a.flags[:, NOW]]
    text = " ".join(shown(table_text(a.select(top=2), width=80)))
    assert all(gid in text for gid in act["group_id"])
    forces = set(act["lead_force"])
    other = next(f for f in sorted(set(a.table["lead_force"])) if f not in forces)
    text = " ".join(" ".join(shown(table_text(a.select(force=other), width=80))).split())
    assert "ACT NOW outside this view" in text
    for rank, gid, force in zip(act["rank"], act["group_id"], act["lead_force"], strict=True):
        assert f"#{rank} {gid} ({force})" in text


def test_without_act_now_groups_the_table_says_so(a: Assessment) -> None:
    calm = a.select(force="ROCU")
    keep = ~calm.flags[:, NOW]
    calm = dataclasses.replace(
        calm,
        columns=Columns.of_frame(calm.table[keep]),
        flags=calm.flags[keep],
        act_now_outside=None,
    )
    text = table_text(calm, width=80)
    assert "Act now: no group has an active threat to life" in text


def test_colour_marks_act_now_overrides_and_bands_and_plain_has_no_codes(a: Assessment) -> None:
    coloured = table_text(a, width=100, ink=Ink.COLOUR)
    assert f"\x1b[1;97;41m{Flag.ACTION_NOW.short}\x1b[0m" in coloured
    assert f"\x1b[1;35m{Flag.OVERRIDE.short}\x1b[0m" in coloured
    assert "\x1b[1;31m1" in coloured  # a Band 1 label
    mono = table_text(a, width=100, ink=Ink.MONO)  # NO_COLOR: bold and reverse only
    codes = {p for sgr in re.findall(r"\x1b\[([0-9;]*)m", mono) for p in sgr.split(";")}
    assert codes <= {"0", "1", "7"} and "7" in codes
    assert "\x1b" not in table_text(a, width=100, ink=Ink.PLAIN)
    same = [shown(t.replace("─", "-")) for t in (coloured, mono, table_text(a, width=100))]
    assert same[0] == same[1] == same[2]  # the same text, only styled


def test_the_legend_explains_every_abbreviation_printed(a: Assessment) -> None:
    text = table_text(a, width=100)
    for line in legend([f for k, f in enumerate(Flag) if a.flags[:, k].any()]):
        assert "  " + line in text or line.split(":")[0] in text
    present = {f.short for k, f in enumerate(Flag) if a.flags[:, k].any()}
    for short in present:
        assert re.search(rf"^  {re.escape(short)} +[A-Z_]+: ", text, re.M), short
    assert Flag.LOW_CONFIDENCE.short in present  # low confidence is a visible flag


def test_input_text_is_shown_as_data(a: Assessment) -> None:
    hostile = ["\x1b[31mRED", "line\nbreak", "rtl\u202eevil", "[b]mark[/b]", "ｗｉｄｅ" * 6]
    frame = a.table.copy()
    frame.loc[frame.index[: len(hostile)], "codename"] = hostile
    text = table_text(dataclasses.replace(a, columns=Columns.of_frame(frame)), width=132)
    assert "\x1b" not in text and "\u202e" not in text
    for name in ("\\x1b[31mRED", "line\\x0abreak", "rtl\\u202eevil", "[b]mark[/b]"):
        assert name in text
    assert max(cell_len(line) for line in text.splitlines()) <= 132  # wide text measured
    assert visible("plain ascii and 中文") == "plain ascii and 中文"


def test_a_full_listing_streams_in_chunks_of_whole_lines(
    a: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_module, "CHUNK_ROWS", 50)
    chunks = list(table_chunks(a, width=100))
    assert len(chunks) > len(a.table) // 50
    assert all(chunk.endswith("\n") for chunk in chunks)
    assert "".join(chunks) == table_text(a, width=100)


def test_narrowing_follows_the_documented_order(a: Assessment) -> None:
    kept: list[list[str]] = []
    for width in range(132, 40, -4):
        lines = shown(table_text(a, width=width, limit=5))
        at = next(i for i, x in enumerate(lines) if x.startswith("Ranking, in harm order"))
        kept.append(lines[at + 1].split())
    for essential in ("#", "Band", "Score", "Group", "Flags"):
        assert all(essential in heads for heads in kept)
    dropped = []
    for heads in kept:
        dropped += [h for h in ("C", "Min-Max", "Force", "Crime", "Codename") if h not in heads]
    order = list(dict.fromkeys(dropped))
    assert order == ["C", "Min-Max", "Crime", "Force", "Codename"]


def test_an_empty_ranking_still_prints_the_marking_and_headers(loaded: LoadedConfig) -> None:
    empty = assess_file(sample_csv(loaded.config, groups=0, seed=3, dormant=2), loaded)
    text = table_text(empty, width=80)
    assert loaded.config.marking in text and "Ranking, in harm order: 0 groups" in text


SAMPLE = ["sample_data/ocgs.csv", "--as-of", "2026-11-23"]


def in_terminal(args: list[str], *, columns: int, lines: int, **env: str) -> str:
    """``socprio ARGS`` run on a pseudo-terminal of that size: what the person sees."""
    import fcntl
    import os
    import struct
    import subprocess
    import sys
    import termios
    from pathlib import Path

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "socprio", *args],
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=clean | env,
        cwd=Path(__file__).resolve().parents[1],
    )
    os.close(slave)
    out = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        out += data
    proc.wait(timeout=120)
    os.close(master)
    assert proc.returncode == 0
    return out.decode("utf-8").replace("\r\n", "\n")


@pytest.mark.slow
def test_on_a_terminal_the_real_size_colours_and_a_screenful() -> None:
    text = in_terminal(["rank", *SAMPLE], columns=80, lines=30, TERM="xterm-256color")
    lines = shown(text)
    assert max(cell_len(line) for line in lines) <= 80  # the real width, without COLUMNS
    assert "\x1b[1;97;41mNOW!" in text  # act-now coloured
    assert "Showing the first 40 of 170 groups" in " ".join(lines)  # 2 x 30 lines - 20
    assert "OCG-0052" in row_of(lines, 20, "OCG-0052")  # the act-now group at rank 20
    every = shown(in_terminal(["rank", *SAMPLE, "--all"], columns=80, lines=30, TERM="xterm"))
    assert not any("Showing the first" in x for x in every)
    assert all(any(re.match(rf"\s*{r} ", x) for x in every) for r in range(1, 171))


@pytest.mark.slow
def test_term_dumb_and_no_color_keep_every_column_and_flag() -> None:
    dumb = in_terminal(["rank", *SAMPLE, "--all"], columns=132, lines=40, TERM="dumb")
    assert "\x1b" not in dumb
    lines = shown(dumb)
    head = lines[next(i for i, x in enumerate(lines) if x.startswith("Ranking")) + 1]
    assert head.split() == [
        "#", "Band", "Score", "Min-Max", "Group", "Codename", "Force", "Crime", "C", "Flags"
    ]  # fmt: skip
    mono = in_terminal(["rank", *SAMPLE], columns=100, lines=40, TERM="xterm", NO_COLOR="1")
    codes = {p for sgr in re.findall(r"\x1b\[([0-9;]*)m", mono) for p in sgr.split(";")}
    assert codes <= {"0", "1", "7"} and "NOW!" in mono
    assert max(cell_len(line) for line in shown(mono)) <= 100


def test_piped_output_takes_columns_lists_every_group_and_has_no_codes() -> None:
    from typer.testing import CliRunner

    from socprio.cli.app import app

    result = CliRunner().invoke(app, ["rank", *SAMPLE], env={"COLUMNS": "80", "TERM": "xterm"})
    assert result.exit_code == 0
    out = result.stdout
    assert "\x1b" not in out
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert not any(line.endswith(" ") for line in lines)
    ranking = next(i for i, x in enumerate(lines) if x.startswith("Ranking"))
    assert sum(bool(re.match(r"\s*\d+ +\d[A-C]", x)) for x in lines[ranking:]) == 170
    assert lines.index(next(x for x in lines if "OCG-0052" in x)) < ranking  # act-now first


def test_the_readme_screenshot_source_is_the_80_column_table() -> None:
    import html

    from table_screenshot import table_ansi, table_html

    ansi = table_ansi()
    assert max(cell_len(line) for line in shown(ansi)) <= 80
    page = html.unescape(table_html(ansi))
    assert "ACT NOW: 1 group" in page and "OCG-0052" in page and "NOW!" in page
    assert "\x1b" not in page  # the colours became styles


@pytest.mark.slow
def test_the_readme_screenshot_can_be_taken(tmp_path: Path) -> None:
    from chromium import find_chromium
    from table_screenshot import readme_screenshot

    if find_chromium() is None:
        pytest.skip("chromium is not installed: the README screenshot is not retaken")
    png = tmp_path / "table.png"
    readme_screenshot(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
