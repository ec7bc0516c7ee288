"""The HTML tasking pack: self-contained (no network), marked, escaped, deterministic, and
rendered by headless Chromium into a page that is not blank."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chromium import find_or_install_chromium, install_problem, print_pdf, screenshot
from conftest import assess_file, sample_csv
from socprio import Assessment, __version__
from socprio.config.models import LoadedConfig
from socprio.history.previous import Previous, read_ranking
from socprio.present.csvout import to_csv
from socprio.present.export import ExportOptions, export_bytes
from socprio.present.formats import OutputFormat
from socprio.present.pack import FLAGS, movement_label, pack_html, percent

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
AS_OF = date(2026, 11, 23)
NASTY = ["<script>alert(1)</script>", "A$B$ & <b>", '"><img src=x>', "=HYPERLINK(1)"]


def nasty_copy(tmp: Path, group_ids: list[str]) -> Path:
    """The sample with these groups' codenames replaced by markup, mathtext and formulas."""
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
    gid, col = rows[0].index("group_id"), rows[0].index("codename")
    names = dict(zip(group_ids, NASTY, strict=True))
    for row in rows[1:]:
        row[col] = names.get(row[gid], row[col])
    path = tmp / "nasty.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def flag_count(a: Assessment, flag: str) -> int:
    """How many ranked groups carry ``flag`` in the table's flags column."""
    return int(a.table["flags"].str.split(";").apply(lambda f: flag in f).sum())


@pytest.fixture(scope="module")
def sample(loaded: LoadedConfig) -> Assessment:
    return assess_file(SAMPLE, loaded)


@pytest.fixture(scope="module")
def page(sample: Assessment) -> str:
    return pack_html(sample, top=20)


@pytest.fixture(scope="module")
def previous(sample: Assessment) -> Previous:
    """The sample's own CSV export read back, with ranks 1 and 4 swapped and rank 6 gone."""
    prev = read_ranking(to_csv(sample).encode(), source="prev.csv", as_of=date(2026, 11, 16))
    ids = sample.table["group_id"].tolist()
    frame = prev.frame.drop(index=ids[5])
    frame.loc[ids[0], "rank"], frame.loc[ids[3], "rank"] = 4, 1
    return replace(prev, frame=frame)


@pytest.fixture(scope="module")
def moved(loaded: LoadedConfig, previous: Previous) -> Assessment:
    """The sample assessed against that previous run, with the weight draws."""
    return assess_file(SAMPLE, loaded, previous=previous, draws=200, seed=7)


def test_no_network_references_scripts_or_links(page: str) -> None:
    lowered = page.lower()
    assert "http://" not in lowered and "https://" not in lowered
    for banned in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import"):
        assert banned not in lowered, banned
    assert re.findall(r"url\((?!#)", page) == []  # only in-document references
    assert re.findall(r"\b(?:src|srcset)=", lowered) == []
    assert "default-src 'none'" in page  # and the browser is told to fetch nothing


def test_marking_at_top_and_bottom_and_on_every_printed_page(
    page: str, loaded: LoadedConfig
) -> None:
    marking = loaded.config.marking
    assert page.count(f'<div class="marking top">{marking}</div>') == 1
    assert page.count(f'<div class="marking bottom">{marking}</div>') == 1
    assert page.index("marking top") < page.index("<svg") < page.index("marking bottom")
    assert page.count(marking) >= 2
    assert "size: A4" in page and "@top-center" in page and "@bottom-center" in page


def test_every_top_group_is_shown_with_band_and_charts_are_inline_svg(
    page: str, sample: Assessment
) -> None:
    top = sample.table.head(20)
    for gid, band in zip(top["group_id"], top["band"], strict=True):
        assert gid in page and f"{gid}</td>" in page
        assert band in page
    assert (
        sample.table["group_id"].iloc[20]
        not in page.split("Top 20 in detail")[1].split("</table>")[0]
    )
    assert page.count("<svg ") == 3  # top N, by lead force, by principal crime
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "xmlns" not in page


def test_svg_ids_are_unique_across_the_page(page: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert ids == ["chart-top", "chart-lead-force", "chart-principal-crime"]
    refs = set(re.findall(r'href="#([^"]+)"', page)) | set(re.findall(r"url\(#([^)]+)\)", page))
    assert refs <= set(ids)  # any in-document reference resolves


def test_flags_listed_action_now_first_and_stability_not_assessed(
    page: str, sample: Assessment
) -> None:
    positions = [page.index(f"<h3>{flag} (") for flag, _ in FLAGS]
    assert positions == sorted(positions)
    for flag, _ in FLAGS[:5]:
        assert f"<h3>{flag} ({flag_count(sample, flag)})" in page
    # without weight draws UNSTABLE is not assessed; the second opinion (DISAGREE) always is
    assert page.count("not assessed in this run") == 1
    assert "<h3>UNSTABLE (0)" in page
    assert f"<h3>DISAGREE ({flag_count(sample, 'DISAGREE')})" in page


def test_method_footnote_has_hashes_as_of_and_version(page: str, sample: Assessment) -> None:
    prov = sample.provenance
    method = page.split('<section class="method">')[1]
    for text in (prov.config.sha256, prov.input_sha256, "2026-11-23", __version__):
        assert text in method
    assert prov.config.config.version in method
    assert all(rule.id in method for rule in prov.config.config.overrides)


def test_same_input_gives_identical_html(page: str, loaded: LoadedConfig) -> None:
    again = assess_file(SAMPLE, loaded)
    assert pack_html(again, top=20) == page
    html = export_bytes(OutputFormat.HTML, again, ExportOptions(chart_top=20))
    assert html == page.encode("utf-8")  # the exporter contract gives the same page


def test_text_is_escaped_everywhere(
    sample: Assessment, loaded: LoadedConfig, tmp_path: Path
) -> None:
    top = [str(g) for g in sample.table["group_id"][: len(NASTY)]]  # codenames do not score
    a = assess_file(nasty_copy(tmp_path, top), loaded)
    assert a.table["codename"][: len(NASTY)].tolist() == NASTY
    page = pack_html(a, top=len(NASTY))
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered and "& <b>" not in lowered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A$B$ &amp; &lt;b&gt;" in page  # a '$' is text, not mathtext
    assert "&quot;&gt;&lt;img src=x&gt;" in page


def test_movement_and_stability_are_shown_when_present(moved: Assessment) -> None:
    page = pack_html(moved, top=6)
    first = moved.table.iloc[0]
    assert "What changed since 2026-11-16" in page
    assert "Rank 5-95%" in page and f"<td>{first['rank_p5']}-{first['rank_p95']}</td>" in page
    assert "▲3" in page and "▼3" in page and ">new<" in page
    for flag in ("UNSTABLE", "DISAGREE"):
        assert f"<h3>{flag} ({flag_count(moved, flag)})" in page
    assert "not assessed" not in page


def test_movement_since_a_previous_run_is_joined_by_group_id(
    moved: Assessment, sample: Assessment, loaded: LoadedConfig, tmp_path: Path
) -> None:
    page = pack_html(moved, top=5)
    assert "<th>Move</th>" in page and "<td>▲3</td>" in page
    path = tmp_path / "prev.csv"  # a previous run given as a file: the same groups, unmoved
    path.write_bytes(to_csv(sample).encode("utf-8"))
    again = pack_html(assess_file(SAMPLE, loaded, previous=path), top=5)
    assert "<th>Move</th>" in again and again.count("<td>=</td>") == 5 and "▲" not in again


def test_the_configured_marking_is_used_and_css_escaped(loaded: LoadedConfig) -> None:
    marking = 'OFFICIAL-SENSITIVE "TEST" </style>'
    cfg = loaded.config.model_copy(update={"marking": marking})
    page = pack_html(assess_file(SAMPLE, replace(loaded, config=cfg)), top=5)
    assert page.count("OFFICIAL-SENSITIVE &quot;TEST&quot; &lt;/style&gt;") >= 2
    assert page.count("</style>") == 1  # the page's own: the charts carry no stylesheet


def test_an_empty_ranking_still_gives_a_marked_page(loaded: LoadedConfig) -> None:
    data = sample_csv(loaded.config, groups=0, seed=3, dormant=2, archived=1)
    empty = assess_file(data, loaded)
    assert empty.table.empty and empty.provenance.counts.valid == 3
    page = pack_html(empty)
    assert "No groups were ranked" in page and page.count(loaded.config.marking) >= 2


@pytest.mark.slow
def test_chromium_renders_a_page_that_is_not_blank(page: str, tmp_path: Path) -> None:
    binary = find_or_install_chromium()
    if binary is None:
        pytest.skip(f"chromium is not installed and could not be installed: {install_problem()}")
    import numpy as np
    from PIL import Image

    html_path = tmp_path / "pack.html"
    html_path.write_text(page, encoding="utf-8")
    png = tmp_path / "pack.png"
    screenshot(html_path, png, binary=binary)
    with Image.open(png) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=float) / 255
    assert pixels.shape[:2] == (1754, 1240)
    grey = pixels[..., :3].mean(axis=2)
    assert grey.std() > 0.1
    assert (grey < 0.9).mean() > 0.05  # a good share of the page is ink, not paper
    colours = {tuple(p) for p in (pixels[::7, ::7, :3] * 255).astype(int).reshape(-1, 3)}
    assert len(colours) > 50  # charts and band colours, not a single flat fill
    top = grey[: grey.shape[0] // 10]
    assert (top < 0.2).mean() > 0.003  # the black marking box and title


BRIEFING = (
    "Act now: active threat to life",
    "New and changed in Band 1 since 2026-11-16",
    "The 10 highest-harm groups",
    "Groups per band",
    "Decisions needed in Band 1",
)


@pytest.mark.slow
def test_the_first_printed_page_is_the_briefing(moved: Assessment, tmp_path: Path) -> None:
    binary = find_or_install_chromium()
    if binary is None:
        pytest.skip(f"chromium is not installed and could not be installed: {install_problem()}")
    from pypdf import PdfReader

    html_path, pdf = tmp_path / "pack.html", tmp_path / "pack.pdf"
    html_path.write_text(pack_html(moved, top=20), encoding="utf-8")
    print_pdf(html_path, pdf, binary=binary)
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages]
    first = pages[0]
    positions = [first.index(heading) for heading in BRIEFING]  # all on page 1, in order
    assert positions == sorted(positions)
    act_now = moved.table[moved.table["flags"].str.contains("ACTION_NOW")]
    assert len(act_now) and all(gid in first for gid in act_now["group_id"])
    for gid in moved.table["group_id"].head(10):
        assert gid in first
    assert "sha256" not in first.lower() and "Appendix" not in first  # detail waits
    assert pages[1].startswith(moved.config.marking) and "Appendix" in pages[1]
    assert "Abbreviations and terms" in pages[1]
    assert moved.config.marking in first  # marked on every page


def test_chromium_helper_reports_why_it_cannot_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import chromium

    monkeypatch.setattr(chromium, "find_chromium", lambda: None)
    monkeypatch.setattr(chromium, "_attempt", [])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert chromium.find_or_install_chromium() is None
    assert "apt-get is unavailable" in chromium.install_problem()
    assert chromium.find_or_install_chromium() is None  # tried once, not again


@pytest.mark.parametrize(
    ("share", "shown"),
    [(1.0, "100%"), (0.996, "99.6%"), (0.5, "50%"), (0.004, "0.4%"), (0.0, "0%")],
)
def test_probabilities_never_round_to_certainty(share: float, shown: str) -> None:
    assert percent(share) == shown


@pytest.mark.parametrize(
    ("row", "label"),
    [
        ({"movement": "NEW", "rank_change": None}, "new"),
        ({"movement": "SAME", "rank_change": 0}, "="),
        ({"movement": "UP", "rank_change": 3}, "▲3"),
        ({"movement": "BAND_DOWN", "rank_change": -12}, "▼12"),
        ({}, ""),
    ],
)
def test_movement_labels(row: dict[str, Any], label: str) -> None:
    assert movement_label(row) == label


def briefing_of(page: str) -> str:
    return page.split('<section class="brief">', 1)[1].split("</section>", 1)[0]


def test_the_briefing_leads_with_act_now_whatever_the_rank(sample: Assessment, page: str) -> None:
    brief = briefing_of(page)
    act_now = sample.table[sample.table["flags"].str.contains("ACTION_NOW")]
    assert int(act_now["rank"].iloc[0]) > 10  # OCG-0052 is 20th by harm
    gid = act_now["group_id"].iloc[0]
    assert brief.index(gid) < brief.index("highest-harm groups")
    assert "R2-threat-to-life" in brief.split("highest-harm")[0]
    assert "No earlier run to compare with" in brief


def test_the_briefing_names_band1_decisions_and_why_each_top_group_ranks(
    sample: Assessment, page: str
) -> None:
    brief = briefing_of(page)
    t = sample.table
    band1 = t[t["band"].str.startswith("1")]
    no_lro = band1[band1["flags"].str.contains("NO_LRO")]["group_id"]
    decisions = brief.split("Decisions needed in Band 1")[1]
    assert len(no_lro) and all(gid in decisions for gid in no_lro.head(6))
    top = brief.split("highest-harm groups")[1].split("Groups per band")[0]
    first = t.iloc[0]
    assert f"rule {first['overrides'].split(';')[0]}" in top  # the rule that set its band
    assert "Lead officer" in top and "Principal crime" in top and ">WMERCIA<" in top


def test_the_briefing_names_groups_that_entered_band1(moved: Assessment) -> None:
    brief = briefing_of(pack_html(moved))
    changes = brief.split("New and changed in Band 1")[1].split("highest-harm")[0]
    assert "since 2026-11-16" in changes
    new = moved.table["group_id"].iloc[5]  # missing from the previous run, now in Band 1
    assert moved.table["band"].iloc[5].startswith("1")
    assert new in changes.split("Entered Band 1")[1]
