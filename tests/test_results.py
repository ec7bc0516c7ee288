"""The ranked table: one row per ranked group, full precision, filters that keep regional ranks."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AS_OF, Records
from socprio.config.models import STRANDS, Config, LoadedConfig
from socprio.core.ranking import rounded
from socprio.pipeline.frame import (
    ID_COLUMNS,
    Provenance,
    RankRun,
    compute,
    filter_frame,
    rounded_frame,
    summary,
)
from socprio.validate.records import RecordBase


@pytest.fixture(scope="module")
def records(cfg: Config, sample_records: Records) -> list[RecordBase]:
    return sample_records(cfg, groups=150, seed=21, dormant=8, archived=5)


@pytest.fixture(scope="module")
def run(cfg: Config, records: list[RecordBase]) -> RankRun:
    return compute(records, cfg, as_of=AS_OF)


def test_frame_has_one_row_per_ranked_group_in_rank_order(cfg: Config, run: RankRun) -> None:
    frame, r, s, m = run.frame, run.ranking, run.scores, run.matrix
    assert list(frame.columns[: len(ID_COLUMNS)]) == list(ID_COLUMNS)
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


def test_numbers_keep_full_precision_until_output(run: RankRun) -> None:
    frame, s, r = run.frame, run.scores, run.ranking
    np.testing.assert_array_equal(frame["score"], s.total[r.order])
    np.testing.assert_array_equal(frame["coverage"], s.coverage[r.order])
    assert (frame["score"] != frame["score"].round(1)).any()  # not rounded in the frame
    out = rounded_frame(frame)
    np.testing.assert_array_equal(out["score"], rounded(s.total[r.order]))
    assert (out["coverage"] == frame["coverage"].round(2)).all()
    np.testing.assert_array_equal(frame["score"], s.total[r.order])  # the copy was rounded


def test_compute_includes_dormant_only_when_asked(cfg: Config, records: list[RecordBase]) -> None:
    with_dormant = compute(records, cfg, as_of=AS_OF, include_dormant=True).frame
    statuses = Counter(x.status.value for x in records)
    assert Counter(with_dormant["status"]) == {
        "active": statuses["active"],
        "dormant": statuses["dormant"],
    }


@given(
    force=st.none() | st.sampled_from(["WMP", "wmp", "STAFFS", "ROCU", "WARKS"]),
    crime=st.none() | st.sampled_from(["drugs_supply", "County_Lines", "firearms", "drugs"]),
    strand=st.none() | st.sampled_from([*STRANDS, "PURSUE", "pursu"]),
    top=st.none() | st.integers(0, 40),
)
@settings(max_examples=50)
def test_filters_keep_regional_ranks_and_top_applies_after(
    run: RankRun, force: str | None, crime: str | None, strand: str | None, top: int | None
) -> None:
    frame = run.frame
    out = filter_frame(frame, force=force, crime=crime, strand=strand, top=top)

    def matches(row: dict[Any, Any]) -> bool:
        crimes = [row["principal_crime"], *row["secondary_crimes"].split(";")]
        return (
            (force is None or row["lead_force"].casefold() == force.casefold())
            and (crime is None or crime.lower() in crimes)
            and (strand is None or strand.lower() in row["opportunity_4p"].split(";"))
        )

    expected = frame[[matches(row) for row in frame.to_dict(orient="records")]]
    if top is not None:
        expected = expected.head(top)
    pd.testing.assert_frame_equal(out, expected)  # same rows, same (regional) ranks
    assert out["rank"].is_monotonic_increasing


def test_filters_do_not_renumber(run: RankRun) -> None:
    out = filter_frame(run.frame, force="STAFFS", top=5)
    assert len(out) == 5
    assert out["rank"].tolist() != list(range(1, 6))  # regional positions, not 1..5
    unfiltered_top = filter_frame(run.frame, top=5)
    assert set(out["group_id"]) != set(unfiltered_top["group_id"])  # top came after force


def test_summary_counts_every_shown_group(run: RankRun) -> None:
    frame = filter_frame(run.frame, force="WMP")
    counts = summary(frame)
    for key in ("band", "lead_force", "principal_crime"):
        assert sum(counts[key].values()) == len(frame)
        assert list(counts[key]) == sorted(counts[key])
        assert counts[key] == dict(Counter(frame[key]))
    strands = Counter(s for cell in frame["opportunity_4p"] for s in cell.split(";") if s)
    assert counts["opportunity_4p"] == dict(strands)


def test_provenance_meta_names_tool_config_input_and_counts(loaded: LoadedConfig) -> None:
    prov = Provenance("9.9.9", loaded, "in.csv", "f" * 64, AS_OF, {"ranked": 3})
    meta = prov.meta()
    assert meta["tool_version"] == "9.9.9"
    assert meta["config"]["path"] == loaded.path
    assert meta["config"]["sha256"] == loaded.sha256
    assert meta["input"] == {"path": "in.csv", "sha256": "f" * 64}
    assert meta["as_of"] == AS_OF.isoformat()
    assert meta["counts"] == {"ranked": 3}
    assert meta["marking"] == loaded.config.marking
