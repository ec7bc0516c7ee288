"""The Assessment: one row per ranked group, full precision, views that keep regional ranks."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AS_OF, assess_file, sample_csv
from socprio import Assessment, Flag
from socprio.config.models import STRANDS, Config, LoadedConfig
from socprio.core.ranking import rounded
from socprio.pipeline.frame import ID_COLUMNS, OPINION_COLUMNS, STABILITY_COLUMNS, rounded_frame
from socprio.pipeline.result import Counts, Provenance, StabilitySettings


@pytest.fixture(scope="module")
def source(cfg: Config) -> bytes:
    return sample_csv(cfg, groups=150, seed=21, dormant=8, archived=5)


@pytest.fixture(scope="module")
def a(source: bytes, loaded: LoadedConfig) -> Assessment:
    return assess_file(source, loaded)


def test_table_has_one_row_per_ranked_group_in_rank_order(cfg: Config, a: Assessment) -> None:
    frame, r, s, m = a.table, a.ranking, a.scores, a.matrix
    columns = list(frame.columns)
    at = columns.index("score_band") + 1
    assert columns[at : at + len(OPINION_COLUMNS)] == list(OPINION_COLUMNS)  # no draws ran
    assert not set(STABILITY_COLUMNS) & set(columns)
    del columns[at : at + len(OPINION_COLUMNS)]
    assert columns[: len(ID_COLUMNS)] == list(ID_COLUMNS)
    assert frame["rank"].tolist() == list(range(1, len(r.order) + 1))
    assert frame["group_id"].tolist() == [str(g) for g in m.group_id[r.order]]
    assert set(frame["status"]) == {"active"}
    for g, name in enumerate(s.groups):
        np.testing.assert_array_equal(frame[f"{name}_points"], s.group_points[r.order, g])
    for k, name in enumerate(s.weighted):
        np.testing.assert_array_equal(frame[f"{name}_points"], s.contributions[r.order, k])
    labels = np.array(r.labels)
    assert frame["band"].tolist() == labels[r.effective[r.order]].tolist()
    assert frame["score_band"].tolist() == labels[r.band[r.order]].tolist()
    assert a.flags.shape == (len(frame), len(Flag))
    names = [";".join(f.value for f, on in zip(Flag, row, strict=True) if on) for row in a.flags]
    assert frame["flags"].tolist() == names  # the mask is the flags column


def test_unranked_holds_every_other_valid_group_by_group_id(a: Assessment) -> None:
    counts = a.provenance.counts
    assert counts.valid == counts.active + counts.dormant + counts.archived
    assert counts.read == counts.valid + counts.rejected + counts.blank_skipped
    assert counts.ranked == len(a.table) == counts.active
    assert len(a.unranked) == counts.dormant + counts.archived
    assert a.unranked["group_id"].is_monotonic_increasing
    assert set(a.unranked["status"]) == {"dormant", "archived"}
    assert not set(a.unranked["group_id"]) & set(a.table["group_id"])
    assert (a.unranked["rank"] == 0).all()


def test_numbers_keep_full_precision_until_output(a: Assessment) -> None:
    frame, s, r = a.table, a.scores, a.ranking
    np.testing.assert_array_equal(frame["score"], s.total[r.order])
    np.testing.assert_array_equal(frame["coverage"], s.coverage[r.order])
    assert (frame["score"] != frame["score"].round(1)).any()  # not rounded in the table
    out = rounded_frame(frame)
    np.testing.assert_array_equal(out["score"], rounded(s.total[r.order]))
    assert (out["coverage"] == frame["coverage"].round(2)).all()
    np.testing.assert_array_equal(frame["score"], s.total[r.order])  # the copy was rounded


def test_assess_includes_dormant_only_when_asked(source: bytes, loaded: LoadedConfig) -> None:
    with_dormant = assess_file(source, loaded, include_dormant=True)
    counts = with_dormant.provenance.counts
    statuses = Counter(with_dormant.matrix.status.tolist())
    assert (counts.active, counts.dormant) == (statuses["active"], statuses["dormant"])
    assert Counter(with_dormant.table["status"]) == {
        "active": statuses["active"],
        "dormant": statuses["dormant"],
    }
    assert counts.ranked == len(with_dormant.table)
    assert set(with_dormant.unranked["status"]) == {"archived"}


class Held:
    """An assessment behind a short repr: hypothesis reprs every argument of a test, and an
    Assessment's repr holds its whole table (tens of kB, which hypothesis warns about)."""

    def __init__(self, a: Assessment) -> None:
        self.a = a

    def __repr__(self) -> str:
        return f"Held({len(self.a.table)} ranked groups)"


@pytest.fixture(scope="module")
def held(a: Assessment) -> Held:
    return Held(a)


@given(
    force=st.none() | st.sampled_from(["WMP", "wmp", "STAFFS", "ROCU", "WARKS"]),
    crime=st.none() | st.sampled_from(["drugs_supply", "County_Lines", "firearms", "drugs"]),
    strand=st.none() | st.sampled_from([*STRANDS, "PURSUE", "pursu"]),
    top=st.none() | st.integers(0, 40),
)
@settings(max_examples=50)
def test_filters_keep_regional_ranks_and_top_applies_after(
    held: Held, force: str | None, crime: str | None, strand: str | None, top: int | None
) -> None:
    a = held.a
    frame = a.table
    view = a.select(force=force, crime=crime, strand=strand, top=top)
    out = view.table

    def matches(row: dict[Any, Any]) -> bool:
        crimes = [row["principal_crime"], *row["secondary_crimes"].split(";")]
        return (
            (force is None or row["lead_force"].casefold() == force.casefold())
            and (crime is None or crime.lower() in crimes)
            and (strand is None or strand.lower() in row["opportunity_4p"].split(";"))
        )

    keep = np.array([matches(row) for row in frame.to_dict(orient="records")], dtype=bool)
    positions = np.flatnonzero(keep)
    if top is not None:  # the first top, and every act-now group matching the filters
        now = a.flags[:, list(Flag).index(Flag.ACTION_NOW)]
        positions = positions[(np.arange(len(positions)) < top) | now[positions]]
    expected = frame.iloc[positions]
    pd.testing.assert_frame_equal(out, expected)  # same rows, same (regional) ranks
    assert out["rank"].is_monotonic_increasing
    np.testing.assert_array_equal(view.flags, a.flags[positions])  # the mask follows the rows
    unfiltered = force is None and crime is None and strand is None and top is None
    assert view.provenance.counts.shown == (None if unfiltered else len(out))
    assert view.provenance.counts.ranked == a.provenance.counts.ranked


def test_filters_do_not_renumber(a: Assessment) -> None:
    out = a.select(force="STAFFS", top=5).table
    assert len(out) == 5
    assert out["rank"].tolist() != list(range(1, 6))  # regional positions, not 1..5
    unfiltered_top = a.select(top=5).table
    assert set(out["group_id"]) != set(unfiltered_top["group_id"])  # top came after force
    assert a.provenance.counts.shown is None  # the view never changes the assessment


def test_summary_counts_every_shown_group(a: Assessment) -> None:
    view = a.select(force="WMP")
    frame = view.table
    counts = view.summary()
    for key in ("band", "lead_force", "principal_crime"):
        assert sum(counts[key].values()) == len(frame)
        assert list(counts[key]) == sorted(counts[key])
        assert counts[key] == dict(Counter(frame[key]))
    strands = Counter(s for cell in frame["opportunity_4p"] for s in cell.split(";") if s)
    assert counts["opportunity_4p"] == dict(strands)


def test_groups_and_flags_of_match_the_table(cfg: Config, a: Assessment) -> None:
    groups = list(a.groups())
    assert [g.group_id for g in groups] == a.table["group_id"].tolist()
    assert [g.rank for g in groups] == a.table["rank"].tolist()
    for g, row in zip(groups, a.table.to_dict(orient="records"), strict=True):
        assert g.band == row["band"] and g.score == row["score"]
        assert set(g.group_points) == set(cfg.groups)
        assert set(g.factor_points) == set(cfg.weighted_factors)
        assert g.movement is None  # no previous run
        assert g.flags == a.flags_of(g.group_id)
        assert sorted(f.value for f in g.flags) == sorted(f for f in row["flags"].split(";") if f)
    assert a.flags_of(str(a.unranked["group_id"].iloc[0])) == frozenset()


def test_provenance_meta_names_tool_config_input_and_counts(loaded: LoadedConfig) -> None:
    counts = Counts(
        read=5, valid=4, rejected=0, blank_skipped=1, ranked=3, active=3, dormant=1, archived=0
    )
    prov = Provenance("9.9.9", loaded, "in.csv", "f" * 64, AS_OF, counts)
    meta = prov.meta()
    assert meta["tool_version"] == "9.9.9"
    assert meta["config"]["path"] == loaded.path
    assert meta["config"]["sha256"] == loaded.sha256
    assert meta["input"] == {"path": "in.csv", "sha256": "f" * 64}
    assert meta["as_of"] == AS_OF.isoformat()
    assert meta["counts"] == {
        "read": 5,
        "valid": 4,
        "rejected": 0,
        "blank_skipped": 1,
        "ranked": 3,
        "status_active": 3,
        "status_dormant": 1,
        "status_archived": 0,
    }
    assert meta["marking"] == loaded.config.marking
    assert "stability" not in meta
    settings = StabilitySettings(
        draws=40,
        seed=4,
        concentration=50.0,
        top_k=10,
        perturbation=0.2,
        spearman_median=0.987654,
        spearman_p5=0.912345,
        unstable=2,
    )
    shown = Provenance("9.9.9", loaded, "in.csv", "f" * 64, AS_OF, counts, settings)
    assert shown.meta()["stability"] == {
        "draws": 40,
        "seed": 4,
        "concentration": 50.0,
        "top_k": 10,
        "perturbation": 0.2,
        "spearman_median": 0.9877,
        "spearman_p5": 0.9123,
        "unstable": 2,
    }
