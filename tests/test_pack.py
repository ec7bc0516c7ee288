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

import numpy as np
import pytest

from chromium import find_or_install_chromium, install_problem, screenshot
from conftest import rank_file
from socprio.config.models import LoadedConfig
from socprio.history.movement import Movement, movement, read_ranking
from socprio.pipeline.frame import Provenance, RankRun, summary
from socprio.present.exports import to_csv
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


@pytest.fixture(scope="module")
def sample(loaded: LoadedConfig) -> tuple[RankRun, Provenance]:
    return rank_file(SAMPLE, loaded, as_of=AS_OF)


@pytest.fixture(scope="module")
def page(sample: Any, loaded: LoadedConfig) -> str:
    run, prov = sample
    return pack_html(run.frame, prov, summary(run.frame), loaded.config, top=20)


@pytest.fixture(scope="module")
def moved(sample: Any) -> Movement:
    """Movement against a previous run with two groups swapped and one new."""
    run, prov = sample
    before = run.frame.copy()
    before.loc[0, "rank"], before.loc[3, "rank"] = 4, 1
    previous = read_ranking(
        to_csv(before.drop(index=5), prov).encode(), source="prev.csv", as_of=date(2026, 11, 16)
    )
    return movement(run.frame, previous)


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
    page: str, sample: Any
) -> None:
    run, _ = sample
    top = run.frame.head(20)
    for gid, band in zip(top["group_id"], top["band"], strict=True):
        assert gid in page and f"{gid}</td>" in page
        assert band in page
    assert (
        run.frame["group_id"].iloc[20] not in page.split("Top 20: detail")[1].split("</table>")[0]
    )
    assert page.count("<svg ") == 3  # top N, by lead force, by principal crime
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "xmlns" not in page


def test_svg_ids_are_unique_across_the_page(page: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids))
    refs = set(re.findall(r'href="#([^"]+)"', page)) | set(re.findall(r"url\(#([^)]+)\)", page))
    assert refs <= set(ids)  # every glyph and clip path resolves within its own chart


def test_flags_listed_action_now_first_and_stability_not_assessed(page: str, sample: Any) -> None:
    run, _ = sample
    positions = [page.index(f"<h3>{flag} (") for flag, _ in FLAGS]
    assert positions == sorted(positions)
    for flag, _ in FLAGS[:5]:
        count = int(run.frame["flags"].str.split(";").apply(lambda f, x=flag: x in f).sum())
        assert f"<h3>{flag} ({count})" in page
    assert page.count("not assessed in this run") == 2  # UNSTABLE and DISAGREE


def test_method_footnote_has_hashes_as_of_and_version(page: str, sample: Any) -> None:
    _, prov = sample
    method = page.split('<section class="method">')[1]
    for text in (prov.config.sha256, prov.input_sha256, "2026-11-23", "0.1.0"):
        assert text in method
    assert prov.config.config.version in method
    assert all(rule.id in method for rule in prov.config.config.overrides)


def test_same_input_gives_identical_html(page: str, sample: Any, loaded: LoadedConfig) -> None:
    run, prov = sample
    again = pack_html(run.frame.copy(), prov, summary(run.frame), loaded.config, top=20)
    assert again == page


def test_text_is_escaped_everywhere(sample: Any, loaded: LoadedConfig, tmp_path: Path) -> None:
    top = [str(g) for g in sample[0].frame["group_id"][: len(NASTY)]]  # codenames do not score
    run, prov = rank_file(nasty_copy(tmp_path, top), loaded, as_of=AS_OF)
    assert run.frame["codename"][: len(NASTY)].tolist() == NASTY
    page = pack_html(run.frame, prov, summary(run.frame), loaded.config, top=len(NASTY))
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered and "& <b>" not in lowered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A$B$ &amp; &lt;b&gt;" in page  # a '$' is text, not mathtext
    assert "&quot;&gt;&lt;img src=x&gt;" in page


def test_movement_and_stability_are_shown_when_present(
    moved: Movement, sample: Any, loaded: LoadedConfig
) -> None:
    _, prov = sample
    frame = moved.frame.copy()
    frame["rank_p5"] = np.maximum(frame["rank"] - 2, 1)
    frame["rank_p95"] = frame["rank"] + 3
    frame["p_top_k"] = np.linspace(1, 0, len(frame))
    frame["p_same_band"] = 0.5
    frame["harm_rank"] = frame["rank"].to_numpy()[::-1]
    frame["attribute_rank"] = frame["rank"]
    flags = [str(f) for f in frame["flags"]]
    flags[1] += ";UNSTABLE"
    flags[2] += ";DISAGREE"
    frame["flags"] = flags
    page = pack_html(frame, prov, summary(frame), loaded.config, top=6, movement=moved)
    assert "Movement since 2026-11-16" in page
    assert "Rank 5-95%" in page and "<td>1-4</td>" in page  # rank 1's interval
    assert "▲3" in page and "▼3" in page and ">new<" in page
    assert "<h3>UNSTABLE (1)" in page and "<h3>DISAGREE (1)" in page
    assert "not assessed" not in page


def test_movement_given_separately_is_joined_by_group_id(
    moved: Movement, sample: Any, loaded: LoadedConfig
) -> None:
    run, prov = sample
    page = pack_html(run.frame, prov, summary(run.frame), loaded.config, top=5, movement=moved)
    assert "<th>Move</th>" in page and "<td>▲3</td>" in page


def test_the_configured_marking_is_used_and_css_escaped(sample: Any, loaded: LoadedConfig) -> None:
    run, prov = sample
    marking = 'OFFICIAL-SENSITIVE "TEST" </style>'
    cfg = loaded.config.model_copy(update={"marking": marking})
    prov = replace(prov, config=replace(loaded, config=cfg))
    page = pack_html(run.frame, prov, summary(run.frame), cfg, top=5)
    assert page.count("OFFICIAL-SENSITIVE &quot;TEST&quot; &lt;/style&gt;") >= 2
    assert page.count("</style>") == 1 + 3  # the page's own, and one per chart


def test_an_empty_ranking_still_gives_a_marked_page(sample: Any, loaded: LoadedConfig) -> None:
    run, prov = sample
    empty = run.frame.head(0)
    page = pack_html(empty, prov, summary(empty), loaded.config)
    assert "No groups were ranked" in page and page.count(loaded.config.marking) >= 2


@pytest.mark.slow
def test_chromium_renders_a_page_that_is_not_blank(page: str, tmp_path: Path) -> None:
    binary = find_or_install_chromium()
    if binary is None:
        pytest.skip(f"chromium is not installed and could not be installed: {install_problem()}")
    from matplotlib.image import imread

    html_path = tmp_path / "pack.html"
    html_path.write_text(page, encoding="utf-8")
    png = tmp_path / "pack.png"
    screenshot(html_path, png, binary=binary)
    pixels = imread(png)
    assert pixels.shape[:2] == (1754, 1240)
    grey = pixels[..., :3].mean(axis=2)
    assert grey.std() > 0.1
    assert (grey < 0.9).mean() > 0.05  # a good share of the page is ink, not paper
    colours = {tuple(p) for p in (pixels[::7, ::7, :3] * 255).astype(int).reshape(-1, 3)}
    assert len(colours) > 50  # charts and band colours, not a single flat fill
    top = grey[: grey.shape[0] // 10]
    assert (top < 0.2).mean() > 0.003  # the black marking box and title


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
