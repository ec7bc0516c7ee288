"""The public library API: ``from socprio import assess, load_config`` and the ``Assessment``."""

from __future__ import annotations

import dataclasses
import io
import sys
from pathlib import Path

import numpy as np
import pytest

import socprio
from conftest import AS_OF, assess_file
from socprio import Assessment, Flag, RejectedRecords, assess, load_config
from socprio.config.models import LoadedConfig

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ocgs.csv"
INVALID = ROOT / "sample_data" / "invalid_ocgs.csv"


@pytest.fixture(scope="module")
def sample(loaded: LoadedConfig) -> Assessment:
    return assess_file(SAMPLE, loaded)


def test_public_names_are_the_documented_ones() -> None:
    assert set(socprio.__all__) == {
        "Assessment",
        "Flag",
        "RejectedRecords",
        "assess",
        "load_config",
    }
    with pytest.raises(AttributeError):
        _ = socprio.not_a_name  # type: ignore[attr-defined]


def test_every_kind_of_source_gives_the_same_ranking(
    loaded: LoadedConfig, sample: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = SAMPLE.read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    sources: list[object] = [str(SAMPLE), data, io.BytesIO(data), "-"]
    for source in sources:
        other = assess(source, loaded, as_of=AS_OF)  # type: ignore[arg-type]
        assert other.table["group_id"].tolist() == sample.table["group_id"].tolist()
        assert other.provenance.input_sha256 == sample.provenance.input_sha256


def test_counts_add_up_and_nothing_is_lost(sample: Assessment) -> None:
    c = sample.provenance.counts
    assert c.read == c.valid + c.rejected + c.blank_skipped
    assert c.valid == c.active + c.dormant + c.archived
    assert c.ranked == len(sample.table) == c.active
    assert len(sample.table) + len(sample.unranked) == c.valid
    assert set(sample.unranked["status"]) == {"dormant", "archived"}


def test_the_assessment_is_frozen(sample: Assessment) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample.table = sample.unranked  # type: ignore[misc]


def test_flags_are_enum_members_matching_the_flags_column(sample: Assessment) -> None:
    groups = list(sample.groups())
    assert [g.group_id for g in groups] == sample.table["group_id"].tolist()
    for group, text in zip(groups, sample.table["flags"], strict=True):
        assert all(isinstance(f, Flag) for f in group.flags)
        assert {f.value for f in group.flags} == {f for f in text.split(";") if f}
        assert sample.flags_of(group.group_id) == group.flags
    assert any(Flag.ACTION_NOW in g.flags for g in groups)


def test_points_sum_to_the_score(sample: Assessment) -> None:
    for g in sample.groups():
        assert sum(g.group_points.values()) == pytest.approx(g.score, abs=1e-9)


def test_invalid_input_is_rejected_with_every_issue(loaded: LoadedConfig) -> None:
    with pytest.raises(RejectedRecords) as caught:
        assess(INVALID, loaded, as_of=AS_OF)
    err = caught.value
    assert err.exit_code == 65
    assert err.validated.invalid == 12
    assert "line 3, column 'lead_force'" in err.report


def test_progress_hears_of_every_draw(loaded: LoadedConfig) -> None:
    heard: list[tuple[int, int]] = []
    a = assess(SAMPLE, loaded, as_of=AS_OF, draws=300, progress=lambda d, t: heard.append((d, t)))
    assert heard and heard[-1] == (300, 300)
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)
    assert a.provenance.stability is not None and a.provenance.stability.draws == 300
    assert {"rank_p5", "rank_p95", "p_top_k", "p_same_band"} <= set(a.table.columns)


def test_select_keeps_regional_ranks_and_counts_what_is_shown(sample: Assessment) -> None:
    view = sample.select(force="wmp", top=5)
    assert len(view.table) == 5 == view.provenance.counts.shown
    assert set(view.table["lead_force"]) == {"WMP"}
    full = sample.table.set_index("group_id")["rank"]
    assert view.table["rank"].tolist() == full[view.table["group_id"]].tolist()
    assert np.array_equal(view.flags, sample.flags[view.table.index.to_numpy()])
    assert sample.select() is sample


def test_previous_run_adds_movement(loaded: LoadedConfig, tmp_path: Path) -> None:
    from socprio.present.csvout import to_csv

    earlier = assess(SAMPLE, loaded, as_of=AS_OF)
    old = tmp_path / "old.csv"
    old.write_text(to_csv(earlier), encoding="utf-8")
    a = assess(SAMPLE, loaded, as_of=AS_OF, previous=old)
    assert a.movement is not None
    assert set(a.table["movement"]) == {"SAME"}
    assert {g.movement for g in a.groups()} == {"SAME"}


def test_readme_python_example_runs() -> None:
    """The README's "Use from Python" block, run as written."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Use from Python")
    block = text[
        text.index("```python", start) + len("```python") : text.index("```\n", start + 20)
    ]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert isinstance(result, Assessment)
    assert result.provenance.counts.ranked == 170


def test_load_config_is_the_default_config() -> None:
    assert load_config(None).config.marking.startswith("OFFICIAL")
