"""The pack's charts as drawn by present.svg: well-formed SVG whatever the text, bars as long as
their values, thresholds at the band minima, labels escaped and never clipped, same bytes."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import assess_file
from socprio import Assessment
from socprio.config.models import Config, LoadedConfig
from socprio.pipeline.frame import rounded_frame
from socprio.present import svg
from socprio.present.charts import (
    BAND_COLOURS,
    GROUP_COLOURS,
    band_chart,
    band_counts,
    bar_label,
    records,
    top_chart,
)
from socprio.present.packoutcomes import band1_chart

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
TAGS = {"svg", "rect", "title", "text", "line", "polyline", "circle"}
HOSTILE = st.text(  # markup, entities, mathtext, quotes, controls, bidi overrides, any script
    alphabet=st.one_of(
        st.sampled_from([*list("<>&\"'$;=/\\]"), "\u202e", "\u2066", "\x1b", "\x00", "\ufffe"]),
        st.characters(codec="utf-8"),
    ),
    min_size=1,
    max_size=40,
)


@pytest.fixture(scope="module")
def sample(loaded: LoadedConfig) -> Assessment:
    return assess_file(SAMPLE, loaded)


@pytest.fixture(scope="module")
def head(sample: Assessment) -> pd.DataFrame:
    return rounded_frame(sample.table).head(20)


def parse(chart: str) -> ET.Element:
    """The chart as XML (fails unless well-formed), checked to hold only drawing elements."""
    root = ET.fromstring(chart)
    assert {el.tag for el in root.iter()} <= TAGS
    for el in root.iter():  # nothing that fetches, links or runs
        for name, value in el.attrib.items():
            assert not name.startswith("on") and name not in {"href", "src", "style"}, name
            assert "url(" not in value and "http" not in value and "javascript" not in value
    return root


def box(root: ET.Element) -> tuple[float, float]:
    _, _, width, height = map(float, root.attrib["viewBox"].split())
    return width, height


def x_scale(root: ET.Element) -> tuple[float, float]:
    """The drawing x of data 0 and the drawing length of one data unit, from the x-axis tick
    labels (the numbers below every bar)."""
    floor = max(float(el.attrib["y"]) + float(el.attrib["height"]) for el in root.iter("rect"))
    ticks = [
        (float(el.text), float(el.attrib["x"]))
        for el in root.iter("text")
        if float(el.attrib["y"]) > floor and el.text and el.text.replace(".", "").isdigit()
    ]
    (first, x0), (last, x1) = ticks[0], ticks[-1]
    assert first == 0 and last > 0
    return x0, (x1 - x0) / last


def segments(root: ET.Element) -> list[tuple[str, float, float, float]]:
    """(tooltip, x, y, width) of every rect with a tooltip (the bar segments)."""
    found = []
    for rect in root.iter("rect"):
        tip = rect.find("title")
        if tip is not None and tip.text:
            found.append((tip.text, *(float(rect.attrib[k]) for k in ("x", "y", "width"))))
    return found


def test_charts_are_labelled_images_with_their_own_id(head: pd.DataFrame, cfg: Config) -> None:
    root = parse(top_chart(head, cfg))
    assert root.attrib["class"] == "chart" and root.attrib["role"] == "img"
    assert root.attrib["aria-label"] == "Top 20 groups by score"
    assert root.attrib["id"] == "chart-top"
    assert root.attrib["font-family"].startswith('"DejaVu Sans", Arial')
    lead = parse(band_chart(head, "lead_force", "Lead force"))
    assert lead.attrib["id"] == "chart-lead-force" and lead.attrib["aria-label"] == "Lead force"


def test_every_mark_lies_inside_the_view_box(sample: Assessment, cfg: Config) -> None:
    out = rounded_frame(sample.table)
    for chart in (top_chart(out.head(20), cfg), band_chart(out, "principal_crime", "Crime")):
        root = parse(chart)
        width, height = box(root)
        for el in root.iter("rect"):
            x, y, w, h = (float(el.attrib[k]) for k in ("x", "y", "width", "height"))
            assert x >= 0 and x + w <= width + 0.01 and y >= 0 and y + h <= height
        for el in root.iter("text"):
            x, y, size = (float(el.attrib[k]) for k in ("x", "y", "font-size"))
            reach = svg.text_width(el.text or "", size)
            start = {"end": x - reach, "middle": x - reach / 2}.get(el.get("text-anchor", ""), x)
            assert start >= 0 and start + reach <= width + 0.01, el.text
            assert size <= y <= height


def test_bars_are_as_long_as_their_points_and_stack_to_the_score(
    head: pd.DataFrame, cfg: Config
) -> None:
    root = parse(top_chart(head, cfg))
    zero, unit = x_scale(root)
    bars = segments(root)
    labels = [g.label for g in cfg.groups.values()]
    assert len(bars) == len(head) * len(labels)
    for i, r in enumerate(records(head)):
        row = bars[i * len(labels) : (i + 1) * len(labels)]
        assert len({y for _, _, y, _ in row}) == 1  # one bar per group, rank 1 at the top
        at = zero
        for (tip, x, _, width), key, label in zip(row, cfg.groups, labels, strict=True):
            points = float(r[f"{key}_points"])
            assert tip == f"{label} {points:.1f}"
            assert x == pytest.approx(at, abs=0.011)  # segments abut, in factor-group order
            assert width == pytest.approx(points * unit, abs=0.011)
            at = x + width
        assert (at - zero) / unit == pytest.approx(float(r["score"]), abs=0.2)  # rounding
    fills = [el.attrib["fill"] for el in root.iter("rect") if el.find("title") is not None]
    assert fills[: len(labels)] == list(GROUP_COLOURS[: len(labels)])


def test_threshold_lines_sit_at_the_band_minima(head: pd.DataFrame, cfg: Config) -> None:
    root = parse(top_chart(head, cfg))
    zero, unit = x_scale(root)
    dashed = [el for el in root.iter("line") if el.get("stroke-dasharray")]
    minima = [b.min for b in cfg.bands[:-1]]
    assert [float(el.attrib["x1"]) for el in dashed] == pytest.approx(
        [zero + m * unit for m in minima], abs=0.011
    )
    assert all(el.attrib["x1"] == el.attrib["x2"] for el in dashed)  # vertical
    texts = [el.text for el in root.iter("text")]
    for band in cfg.bands[:-1]:
        assert f"Band {band.band} ≥ {band.min:g}" in texts
    assert [g.label for g in cfg.groups.values()] == texts[: len(cfg.groups)]  # the legend
    assert "score (0-100) = sum of factor-group points" in texts


def test_bar_labels_are_right_aligned_coloured_by_band_and_fit(
    head: pd.DataFrame, cfg: Config
) -> None:
    frame = head.copy()
    frame["codename"] = "W" * 40  # the widest letters, shortened to 24
    frame["group_id"] = [f"OCG-WWWWWWWW{i:04d}" for i in range(len(frame))]
    root = parse(top_chart(frame, cfg))
    wanted = [bar_label(r) for r in records(frame)]
    shown = [el for el in root.iter("text") if el.text in wanted]
    assert [el.text for el in shown] == wanted
    zero, _ = x_scale(root)
    for el, r in zip(shown, records(frame), strict=True):
        assert el.attrib["text-anchor"] == "end" and float(el.attrib["x"]) < zero
        assert float(el.attrib["x"]) - svg.text_width(el.text or "", 10.0) >= 0  # not clipped
        assert el.get("fill", svg.INK) == ("#8B0000" if str(r["band"]).startswith("1") else svg.INK)
    assert box(root)[0] > 720  # the chart widened rather than squeeze the bars


def test_the_width_estimate_is_never_less_than_dejavu_sans(head: pd.DataFrame) -> None:
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font_path.is_file():
        pytest.skip("DejaVu Sans is not installed")
    from PIL import ImageFont

    font = ImageFont.truetype(str(font_path), 100)
    labels = [bar_label(r) for r in records(head)]
    for text in [*labels, "WWWW mmmm", "1234567890 (1A, ▲12)", "Band 1 ≥ 65", "漢字 देवनागरी"]:
        assert svg.text_width(text, 100) >= font.getlength(text), text


def test_band_chart_bars_are_counts_largest_first(sample: Assessment) -> None:
    out = rounded_frame(sample.table)
    categories, numbers, counts = band_counts(out, "principal_crime")
    assert [sum(c) for c in counts] == sorted((sum(c) for c in counts), reverse=True)
    root = parse(band_chart(out, "principal_crime", "Principal crime"))
    _zero, unit = x_scale(root)
    bars = segments(root)
    expected = [(n, c) for row in counts for n, c in zip(numbers, row, strict=True)]
    assert [tip for tip, *_ in bars] == [f"Band {n}: {c}" for n, c in expected]
    for (_, _, _, width), (_, count) in zip(bars, expected, strict=True):
        assert width == pytest.approx(count * unit, abs=0.011)
    fills = {el.attrib["fill"] for el in root.iter("rect")}
    assert fills == {BAND_COLOURS[n] for n in numbers}
    texts = [el.text for el in root.iter("text")]
    assert all(str(sum(row)) in texts for row in counts) and categories[0] in texts
    assert sum(sum(row) for row in counts) == len(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(HOSTILE, min_size=1, max_size=5))
def test_hostile_text_is_data_in_every_chart(
    names: list[str], head: pd.DataFrame, cfg: Config
) -> None:
    frame = head.head(len(names)).copy()
    frame["codename"] = names
    frame["lead_force"] = names
    top = parse(top_chart(frame, cfg))
    texts = [el.text for el in top.iter("text")]
    for r in records(frame):  # shown as typed, controls and bidi as visible escapes
        assert svg.shown(bar_label(r)) in texts
    forces = parse(band_chart(frame, "lead_force", "Lead force"))
    labels = {el.text for el in forces.iter("text")}
    assert {svg.shown(n if len(n) <= 20 else n[:19] + "…") for n in names} <= labels
    for chart in (top, forces):
        for text in chart.itertext():
            assert not any(c in text for c in "\u202e\u2066\x1b\x00\ufffe")


def test_label_text_escapes_markup_and_shows_controls() -> None:
    assert svg.label_text("<b>&\"'") == "&lt;b&gt;&amp;&quot;&#x27;"
    assert svg.label_text("A\u202eB\x1b[2J") == "A\\u202eB\\x1b[2J"
    assert svg.label_text("\ufffe") == "\\ufffe"
    assert svg.num(-0.001) == "0.00" and svg.num(1 / 3) == "0.33"


def test_ticks_are_round_and_cover_the_range() -> None:
    assert svg.ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert svg.ticks(0, 96.2) == [0, 20, 40, 60, 80, 100]
    assert svg.ticks(30.4, 31.7, 4) == [30.0, 30.5, 31.0, 31.5, 32.0]
    assert svg.ticks(0, 3.1) == [0, 1, 2, 3, 4]


def test_the_outcomes_chart_draws_shares_and_harm_per_week() -> None:
    weeks = pd.DataFrame(
        {
            "as_of": [f"2026-10-{d:02d}" for d in (5, 12, 19, 26)],
            "band1_mean_harm": [30.0, 31.5, math.nan, 32.0],
            "band1_disrupted_share": [0.0, 0.25, 0.5, 1.0],
        }
    )
    chart = band1_chart(SimpleNamespace(outcomes=SimpleNamespace(weeks=weeks)))  # type: ignore[arg-type]
    root = parse(chart)
    assert root.attrib["id"] == "chart-outcomes" and "nan" not in chart.lower()
    bars = list(root.iter("rect"))
    heights = [float(el.attrib["height"]) for el in bars]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1], abs=0.011)
    assert heights[3] == pytest.approx(4 * heights[1], abs=0.011)
    assert len(list(root.iter("circle"))) == 3  # a dot per week with a value
    assert [len(p.attrib["points"].split()) for p in root.iter("polyline")] == [2]  # broken
    texts = {el.text for el in root.iter("text")}
    assert {"Band 1 mean harm points", "% of Band 1 disrupted", "2026-10-05"} <= texts


@pytest.mark.slow
def test_the_pack_has_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Set and dict orders, float noise: two processes with different hash seeds agree."""
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"pack-{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        args = ["report", str(SAMPLE), "--as-of", "2026-11-23", "-q", "-o", str(out)]
        subprocess.run([sys.executable, "-m", "socprio", *args], check=True, env=env, cwd=ROOT)
        pages.append(out.read_bytes())
    assert pages[0] == pages[1] and pages[0].count(b"<svg ") == 3
