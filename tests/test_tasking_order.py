"""The tasking order and the flat export column order: act-now groups lead ``tasking_order``
while ``rank`` stays the harm order; the CSV starts with the columns a meeting reads first,
movement ranks are integers, and earlier runs in the old column order still read back."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import numpy as np
import pytest

from conftest import assess_file, sample_csv
from socprio import Assessment, Flag
from socprio.config.models import LoadedConfig
from socprio.history.previous import read_ranking
from socprio.pipeline.frame import MEETING_COLUMNS, export_columns
from socprio.present.csvout import to_csv
from socprio.present.jsonout import to_json

NOW = list(Flag).index(Flag.ACTION_NOW)


@pytest.fixture(scope="module")
def a(loaded: LoadedConfig) -> Assessment:
    """A sample with several act-now groups, most of them below the top of the ranking."""
    found = assess_file(sample_csv(loaded.config, groups=400, seed=12), loaded)
    assert found.flags[:, NOW].sum() >= 2
    assert not found.flags[0, NOW]  # the act-now groups do not already lead on score
    return found


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_act_now_groups_lead_the_tasking_order_and_rank_stays_the_harm_order(
    a: Assessment,
) -> None:
    rank = a.table["rank"].to_numpy()
    order = a.table["tasking_order"].to_numpy()
    now = a.flags[:, NOW]
    assert rank.tolist() == list(range(1, len(rank) + 1))  # rows stay in harm order
    assert sorted(order.tolist()) == rank.tolist()  # a permutation of 1..n
    k = int(now.sum())
    assert sorted(order[now].tolist()) == list(range(1, k + 1))  # act-now first
    assert (np.diff(order[now]) > 0).all() and (np.diff(order[~now]) > 0).all()  # by rank
    assert (a.unranked["tasking_order"] == 0).all()  # not ranked, not tasked


def test_a_view_keeps_the_regional_tasking_order(a: Assessment) -> None:
    view = a.select(force="WMP")
    full = dict(zip(a.table["group_id"], a.table["tasking_order"], strict=True))
    shown = zip(view.table["group_id"], view.table["tasking_order"], strict=True)
    assert all(full[g] == t for g, t in shown)


def test_csv_starts_with_the_meeting_columns(a: Assessment) -> None:
    header, rows = _rows(to_csv(a))
    lead = [c for c in MEETING_COLUMNS if c in a.table.columns]
    assert header[: len(lead)] == lead
    assert header[:10] == [
        "rank",
        "tasking_order",
        "band",
        "score",
        "group_id",
        "codename",
        "lead_force",
        "principal_crime",
        "lro_assigned",
        "flags",
    ]
    assert sorted(header) == sorted([*map(str, a.table.columns), "marking"])  # nothing lost
    assert [int(r["tasking_order"]) for r in rows] == a.table["tasking_order"].tolist()


def test_json_carries_the_tasking_order_beside_the_rank(a: Assessment) -> None:
    groups = json.loads(to_json(a))["groups"]
    assert list(groups[0])[:2] == ["rank", "tasking_order"]
    assert [g["tasking_order"] for g in groups] == a.table["tasking_order"].tolist()


def test_movement_columns_follow_flags_as_integers(a: Assessment, loaded: LoadedConfig) -> None:
    earlier = read_ranking(to_csv(a).encode(), source="prev.csv", as_of=date(2026, 11, 16))
    moved = assess_file(sample_csv(loaded.config, groups=402, seed=12), loaded, previous=earlier)
    header, rows = _rows(to_csv(moved))
    at = header.index("flags") + 1
    assert header[at : at + 4] == ["movement", "previous_rank", "rank_change", "previous_band"]
    for name in ("previous_rank", "rank_change"):
        cells = [r[name] for r in rows]
        assert "" in cells  # a new group has none
        assert all(c == "" or c.lstrip("-").isdigit() for c in cells), name  # never 7.0


def test_previous_reads_the_old_and_the_new_column_order_alike(a: Assessment) -> None:
    text = to_csv(a)
    _, rows = _rows(text)
    old = [c for c in a.table.columns if c != "tasking_order"] + ["marking"]  # the old order
    assert export_columns(old) != old
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=old, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    new_run = read_ranking(text.encode(), source="new.csv")
    old_run = read_ranking(out.getvalue().encode(), source="old.csv")
    assert new_run.factors == old_run.factors
    assert new_run.frame.equals(old_run.frame)


def test_top_never_hides_an_act_now_group(a: Assessment) -> None:
    now = a.table["group_id"][a.flags[:, NOW]].tolist()
    last = int(a.table["rank"][a.flags[:, NOW]].max())
    view = a.select(top=1)
    assert view.table["group_id"].tolist() == [a.table["group_id"].iloc[0], *now]
    assert view.provenance.counts.shown == 1 + len(now)
    assert last > 1 and view.act_now_outside is not None and view.act_now_outside.rows == 0


def test_act_now_groups_a_filter_leaves_out_are_kept_aside(a: Assessment) -> None:
    forces = a.table["lead_force"][a.flags[:, NOW]]
    other = next(f for f in sorted(set(a.table["lead_force"])) if f not in set(forces))
    view = a.select(force=other, top=3)
    assert len(view.table) == 3 and not view.flags[:, NOW].any()
    outside = view.act_now_outside
    assert outside is not None
    assert outside["group_id"].tolist() == a.table["group_id"][a.flags[:, NOW]].tolist()
    again = view.select(top=2)  # a view of a view keeps what was set aside
    assert again.act_now_outside is not None and again.act_now_outside.rows == outside.rows
