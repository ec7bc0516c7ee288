"""Reading earlier rankings, movement tags, dropped groups and the diff of two rankings.

The scenario: three weekly rankings of synthetic groups (invented codenames) in which groups
enter, leave, return and change band. Scores are the sum of five factor points; bands use the
default thresholds (Band 1 >= 65, Band 2 >= 40, each split into thirds A/B/C).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assess_file, rows_csv, sample_csv, sample_rows
from socprio.config.models import LoadedConfig
from socprio.core.causes import config_summary
from socprio.errors import DataError
from socprio.history.diff import diff
from socprio.history.movement import (
    MOVEMENT_COLUMNS,
    Movement,
    Tag,
    band_numbers,
    band_order,
    movement,
)
from socprio.history.previous import Previous, read_ranking
from socprio.present.changes import (
    diff_to_json,
    movement_labels,
    movement_record,
    movement_to_json,
    render_changes_text,
    render_diff_text,
)
from socprio.present.csvout import to_csv
from socprio.present.escape import TRIGGERS, escape_cell

DATA = Path(__file__).parent / "data" / "history"
MARKING = "OFFICIAL-SENSITIVE"
SHA = "0" * 64

# --- the scenario -----------------------------------------------------------------------------

FACTORS = ("violence", "firearms", "exploitation", "capability", "geography")
GROUPS = {"harm": FACTORS[:3], "threat": FACTORS[3:4], "reach": FACTORS[4:]}
LABELS = (
    ("1A", 88.33),
    ("1B", 76.67),
    ("1C", 65.0),
    ("2A", 56.67),
    ("2B", 48.33),
    ("2C", 40.0),
    ("3A", 26.67),
    ("3B", 13.33),
    ("3C", 0.0),
)
WEEKS = (date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23))

Week = Mapping[str, tuple[str, tuple[float, ...]]]  # group_id -> (codename, points per factor)

# Codenames starting with a formula trigger check the CSV escape round trip.
WEEK1: Week = {
    "OCG-0001": ("Amber Fox", (30, 20, 10, 20, 10)),  # 90 1A
    "OCG-0002": ("=Grey Heron", (20, 5, 10, 15, 10)),  # 60 2A
    "OCG-0003": ("-Slate Owl", (20, 10, 20, 10, 10)),  # 70 1C
    "OCG-0004": ("Ivory Stag", (15, 5, 10, 10, 10)),  # 50 2B
    "OCG-0005": ("Copper Wren", (10, 5, 10, 10, 10)),  # 45 2C
    "OCG-0006": ("+Iron Vole", (5, 5, 5, 10, 5)),  # 30 3A
    "OCG-0007": ("@Jade Lynx", (5, 0, 5, 5, 5)),  # 20 3B
}
WEEK2: Week = {
    "OCG-0001": WEEK1["OCG-0001"],
    "OCG-0002": ("=Grey Heron", (30, 11, 13, 16, 10)),  # 80 1B: band up on four factors
    "OCG-0003": ("-Slate Owl", (20, 10, 5, 10, 10)),  # 55 2B: band down on exploitation
    "OCG-0004": WEEK1["OCG-0004"],  # passed by OCG-0008
    # OCG-0005 leaves
    "OCG-0006": WEEK1["OCG-0006"],  # passed by OCG-0007
    "OCG-0007": ("@Jade Lynx", (5, 0, 5, 10, 15)),  # 35 3A: up within Band 3
    "OCG-0008": ("Opal Crane", (12, 5, 10, 15, 10)),  # 52 2B: new
}
WEEK3: Week = {
    "OCG-0001": ("Amber Fox", (28, 20, 10, 20, 10)),  # 88 1B: sub-band down, same rank
    "OCG-0002": WEEK2["OCG-0002"],
    "OCG-0003": WEEK2["OCG-0003"],  # passed by OCG-0004
    "OCG-0004": ("Ivory Stag", (27, 10, 10, 10, 10)),  # 67 1C: band up
    "OCG-0005": WEEK1["OCG-0005"],  # returns
    "OCG-0006": WEEK2["OCG-0006"],
    "OCG-0007": WEEK2["OCG-0007"],
    # OCG-0008 leaves
}

# One place down inside a sub-band is rank noise (under the default 3 places): SAME.
WEEK2_TAGS = {
    "OCG-0001": Tag.SAME,
    "OCG-0002": Tag.BAND_UP,
    "OCG-0003": Tag.BAND_DOWN,
    "OCG-0008": Tag.NEW,
    "OCG-0004": Tag.SAME,
    "OCG-0007": Tag.BAND_UP,  # 3B -> 3A is a sub-band up, so a band move
    "OCG-0006": Tag.SAME,
}
WEEK3_TAGS = {
    "OCG-0001": Tag.BAND_DOWN,  # 1A -> 1B at the same rank is a band move, never SAME
    "OCG-0002": Tag.SAME,
    "OCG-0004": Tag.BAND_UP,
    "OCG-0003": Tag.SAME,
    "OCG-0005": Tag.NEW,
    "OCG-0007": Tag.SAME,
    "OCG-0006": Tag.SAME,
}


def band_of(score: float) -> str:
    """The sub-band label of a score."""
    return next(label for label, low in LABELS if score >= low)


def ranking(week: Week) -> pd.DataFrame:
    """A table shaped like ``results.ranking_frame``: best first, rank 1..n."""
    rows: list[dict[str, Any]] = []
    for gid, (codename, pts) in week.items():
        points = dict(zip(FACTORS, (float(p) for p in pts), strict=True))
        score = sum(points.values())
        row: dict[str, Any] = {
            "group_id": gid,
            "codename": codename,
            "band": band_of(score),
            "score": score,
            "flags": "",
        }
        row |= {f"{g}_points": sum(points[f] for f in fs) for g, fs in GROUPS.items()}
        row |= {f"{f}_raw": str(int(points[f]) // 5) for f in FACTORS}
        row |= {f"{f}_points": points[f] for f in FACTORS}
        rows.append(row)
    order = [label for label, _ in LABELS]
    frame = pd.DataFrame(rows)
    frame["_band"] = frame["band"].map(order.index)
    frame = frame.sort_values(["_band", "score", "group_id"], ascending=[True, False, True])
    frame = frame.drop(columns="_band").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def export_csv(frame: pd.DataFrame, *, marking: str = MARKING) -> bytes:
    """The CSV export format: BOM, CRLF, marking column, formula-escaped text and headers."""
    out = frame.copy()
    out["marking"] = marking
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    out.columns = pd.Index([escape_cell(str(c)) for c in out.columns])
    return b"\xef\xbb\xbf" + out.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def export_json(frame: pd.DataFrame, *, as_of: date, sha: str = SHA) -> bytes:
    """The nested JSON export: meta, then per group its group points and factor breakdown."""
    groups = []
    for row in frame.to_dict(orient="records"):
        item = {k: row[k] for k in ("rank", "group_id", "codename", "band", "score")}
        item["group_points"] = {g: row[f"{g}_points"] for g in GROUPS}
        item["factors"] = {
            f: {"raw": row[f"{f}_raw"], "points": row[f"{f}_points"]} for f in FACTORS
        }
        item["factors"]["threat_to_life"] = {"raw": "no", "points": None}  # a rule-only factor
        groups.append(item)
    meta = {"marking": MARKING, "as_of": as_of.isoformat(), "config": {"sha256": sha}}
    return json.dumps({"meta": meta, "groups": groups}).encode("utf-8")


def previous(week: Week, as_of: date | None = None) -> Previous:
    """A week as it is read back from its CSV export."""
    return read_ranking(export_csv(ranking(week)), source="prev.csv", as_of=as_of)


def tags(frame: pd.DataFrame) -> dict[str, Tag]:
    """group_id -> movement tag, in table order."""
    return {str(g): Tag(t) for g, t in zip(frame["group_id"], frame["movement"], strict=True)}


def movement_records(m: Movement) -> dict[str, dict[str, Any]]:
    """group_id -> the movement fields of its table row, as the JSON export writes them."""
    return {str(row["group_id"]): movement_record(row) for row in m.frame.to_dict("records")}


# --- movement ---------------------------------------------------------------------------------


def test_week_two_tags_dropped_and_previous_columns() -> None:
    m = movement(ranking(WEEK2), previous(WEEK1, WEEKS[0]))
    assert tags(m.frame) == WEEK2_TAGS
    assert list(tags(m.frame)) == list(WEEK2_TAGS)  # current order is kept
    row = m.frame.set_index("group_id").loc["OCG-0002"]
    assert (row["previous_rank"], row["rank"], row["rank_change"]) == (3, 2, 1)
    assert (row["previous_band"], row["band"]) == ("2A", "1B")
    new = m.frame.set_index("group_id").loc["OCG-0008"]
    assert new[["previous_rank", "rank_change"]].isna().all()
    assert new["previous_band"] == ""
    assert m.dropped.to_dict(orient="records") == [
        {
            "group_id": "OCG-0005",
            "codename": "Copper Wren",
            "last_rank": 5,
            "last_band": "2C",
            "last_score": 45.0,
            "reason": "not in the new ranking",
        }
    ]
    assert m.since == WEEKS[0]
    assert m.counts() == {
        "NEW": 1,
        "BAND_UP": 2,
        "BAND_DOWN": 1,
        "UP": 0,
        "DOWN": 0,
        "SAME": 3,
        "DROPPED": 1,
    }


def test_rank_noise_threshold_is_configurable() -> None:
    m = movement(ranking(WEEK2), previous(WEEK1, WEEKS[0]), same_within=1)
    assert tags(m.frame)["OCG-0004"] == Tag.DOWN
    assert tags(m.frame)["OCG-0006"] == Tag.DOWN


def test_week_three_returning_group_is_new_and_sub_band_move_is_a_band_move() -> None:
    m = movement(ranking(WEEK3), previous(WEEK2))
    assert tags(m.frame) == WEEK3_TAGS
    top = m.frame.set_index("group_id").loc["OCG-0001"]
    assert (top["previous_band"], top["band"], top["rank_change"]) == ("1A", "1B", 0)
    assert list(m.dropped["group_id"]) == ["OCG-0008"]
    assert list(m.dropped["last_band"]) == ["2B"]
    assert m.since is None


def test_movement_adds_columns_after_band_and_keeps_everything_else() -> None:
    current = ranking(WEEK2)
    m = movement(current, previous(WEEK1))
    cols = list(current.columns)
    at = cols.index("band") + 1
    assert list(m.frame.columns) == [*cols[:at], *MOVEMENT_COLUMNS, *cols[at:]]
    pd.testing.assert_frame_equal(m.frame[cols], current)
    assert str(m.frame["previous_rank"].dtype) == "Int64"
    assert str(m.frame["rank_change"].dtype) == "Int64"
    # a frame that already has movement columns gets them replaced, not duplicated
    again = movement(m.frame, previous(WEEK1))
    assert list(again.frame.columns) == list(m.frame.columns)


def test_movement_against_itself_is_all_same_and_nothing_dropped() -> None:
    m = movement(ranking(WEEK1), previous(WEEK1))
    assert set(m.frame["movement"]) == {Tag.SAME.value}
    assert m.dropped.empty


def test_movement_outputs_for_the_table_and_json() -> None:
    m = movement(ranking(WEEK2), previous(WEEK1, WEEKS[0]))
    labels = dict(zip(m.frame["group_id"], movement_labels(m.frame), strict=True))
    assert labels["OCG-0008"] == "NEW"
    assert labels["OCG-0001"] == "SAME"
    assert labels["OCG-0002"] == "BAND_UP +1"
    assert labels["OCG-0006"] == "SAME"
    records = movement_records(m)
    assert records["OCG-0008"] == {
        "previous_rank": None,
        "rank_change": None,
        "previous_band": None,
        "movement": "NEW",
        "movement_cause": "NEW",
    }
    assert records["OCG-0003"]["rank_change"] == -1
    block = movement_to_json(m)
    assert json.loads(json.dumps(block)) == block
    assert block["since"] == "2026-11-09"
    assert block["dropped"][0]["group_id"] == "OCG-0005"
    text = render_changes_text(m)
    assert text.startswith("Changes since 2026-11-09:")
    for gid in ("OCG-0002", "OCG-0003", "OCG-0008", "OCG-0005"):
        assert gid in text
    assert "OCG-0004" not in text  # plain UP/DOWN moves are counted, not listed


def test_duplicate_group_in_current_is_a_bug() -> None:
    current = pd.concat([ranking(WEEK1), ranking(WEEK1).head(1)], ignore_index=True)
    with pytest.raises(ValueError, match="duplicate group_id"):
        movement(current, previous(WEEK1))


# --- reading ----------------------------------------------------------------------------------


def test_csv_export_round_trips_formula_escaped_text() -> None:
    data = export_csv(ranking(WEEK1))
    for name in ("=Grey Heron", "-Slate Owl", "+Iron Vole", "@Jade Lynx"):
        assert f",'{name},".encode() in data  # escaped in the file
    prev = read_ranking(data, source="w1.csv")
    assert prev.frame.loc["OCG-0002", "codename"] == "=Grey Heron"
    assert prev.frame.loc["OCG-0003", "codename"] == "-Slate Owl"
    assert prev.marking == MARKING
    assert prev.factors == tuple(f"{f}_points" for f in FACTORS)  # group points excluded
    assert prev.frame.loc["OCG-0001", "harm_points"] == 60.0
    assert prev.frame.index.name == "group_id"


safe_text = st.text(
    alphabet=st.sampled_from([*sorted(TRIGGERS - {"\x00"}), "'", "a", " ", ",", '"']),
    max_size=12,
)


@settings(max_examples=40)
@given(codename=safe_text, gid=safe_text.filter(bool))
def test_any_text_cell_round_trips_through_the_csv(codename: str, gid: str) -> None:
    frame = ranking({"OCG-0001": (codename, (30, 20, 10, 20, 10))})
    frame["group_id"] = gid
    prev = read_ranking(export_csv(frame), source="x.csv")
    assert list(prev.frame.index) == [gid]
    assert prev.frame["codename"].tolist() == [codename]


@settings(max_examples=40)
@given(
    texts=st.lists(safe_text, min_size=1, max_size=4),
    picks=st.lists(st.integers(0, 3), min_size=8, max_size=8),
    marking=safe_text.filter(bool),
)
def test_repeated_text_cells_round_trip_through_the_csv(
    texts: list[str], picks: list[int], marking: str
) -> None:
    """A column of few distinct cells is read as codes into them, each unescaped once: every
    cell still reads back as written (codenames, a raw column, flags, overrides, marking)."""
    week = {f"OCG-{i:04d}": (f"G{i}", (30, 20, 10, 20, 10)) for i in range(8)}
    frame = ranking(week)
    cells = [texts[p % len(texts)] for p in picks]
    for col in ("codename", "violence_raw", "flags", "overrides"):
        frame[col] = cells
    prev = read_ranking(export_csv(frame, marking=marking), source="x.csv")
    for col in ("codename", "violence_raw", "flags", "overrides"):
        assert prev.frame[col].tolist() == cells, col
    assert prev.marking == marking


NUMBER_CELLS = st.sampled_from(
    [" 1.5", "1.5", "1e3", "-0", "0", "12", " 7 ", "'-2", "", "x", "inf", "nan", "1,5", "2.25"]
)


@settings(max_examples=60)
@given(cells=st.lists(NUMBER_CELLS, min_size=1, max_size=12))
def test_each_number_cell_reads_as_it_would_alone(cells: list[str]) -> None:
    """Numbers are parsed once per distinct cell: each still reads as pandas reads it alone
    (unescaped, stripped), and the first that is not a finite number is named by its line."""
    rows = [["rank", "group_id", "band", "score", "a_points", "a_raw"]]
    rows += [[str(i + 1), f"G{i}", "1A", "50", cell, "3"] for i, cell in enumerate(cells)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    alone = [
        float(pd.to_numeric(c.removeprefix("'").strip() or "x", errors="coerce")) for c in cells
    ]
    bad = next((i for i, v in enumerate(alone) if not np.isfinite(v)), None)
    if bad is not None:
        with pytest.raises(DataError) as info:
            read_ranking(buffer.getvalue().encode(), source="x.csv")
        assert (info.value.line, info.value.column) == (bad + 2, "a_points")
        return
    prev = read_ranking(buffer.getvalue().encode(), source="x.csv")
    assert prev.frame["a_points"].tolist() == alone


def test_csv_and_json_exports_read_the_same() -> None:
    frame = ranking(WEEK1)
    from_csv = read_ranking(export_csv(frame), source="w1.csv", as_of=WEEKS[0])
    from_json = read_ranking(export_json(frame, as_of=WEEKS[0]), source="w1.json")
    cols = ["codename", "rank", "band", "band_number", "score", *from_csv.factors]
    pd.testing.assert_frame_equal(from_json.frame[cols], from_csv.frame[cols])
    assert from_json.factors == from_csv.factors  # the rule-only factor (no points) is dropped
    assert from_json.as_of == from_csv.as_of == WEEKS[0]
    assert from_json.marking == MARKING
    assert from_json.config_sha256 == SHA
    assert from_csv.config_sha256 is None


def test_json_meta_date_wins_and_flat_json_is_read() -> None:
    prev = read_ranking((DATA / "flat_export.json").read_bytes(), source="f", as_of=WEEKS[2])
    assert prev.as_of == date(2026, 11, 9)
    assert prev.factors == ("violence_points",)
    assert prev.frame.loc["OCG-0002", "codename"] == "=Grey Heron"  # JSON is never escaped


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        ("missing_score_column.csv", None, None, "missing column(s) score"),
        ("duplicate_group_id.csv", 3, "group_id", "duplicate group_id"),
        ("rank_not_whole_number.csv", 3, "rank", "not a positive whole number"),
        ("band_without_number.csv", 3, "band", "band is not a label"),
        ("empty_points_cell.csv", 3, "violence_points", "not a number"),
        ("duplicate_rank.csv", 4, "rank", "duplicate rank"),
        ("empty_group_id.csv", 2, "group_id", "empty group_id"),
    ],
)
def test_bad_csv_is_located_data_error_without_values(
    name: str, line: int | None, column: str | None, message: str
) -> None:
    with pytest.raises(DataError) as info:
        read_ranking((DATA / name).read_bytes(), source=name)
    err = info.value
    assert (err.file, err.line, err.column) == (name, line, column)
    assert message in err.message
    assert err.exit_code == 65
    assert "SECRET" not in str(err)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("score_not_a_number.json", "groups[1].score: not a number"),
        ("group_without_rank.json", "groups[1].rank: missing value"),
        ("as_of_not_a_date.json", "meta.as_of is not a YYYY-MM-DD date"),
        ("groups_not_a_list.json", "no top-level 'groups' list"),
        ("group_not_an_object.json", "groups[1] is not a JSON object"),
        ("truncated_json.json", "not valid JSON"),
        ("factor_raw_both_flat_and_nested.json", "gives 'violence_raw' twice"),
    ],
)
def test_bad_json_is_data_error_without_values(name: str, message: str) -> None:
    with pytest.raises(DataError) as info:
        read_ranking((DATA / name).read_bytes(), source=name)
    assert message in str(info.value)
    assert info.value.file == name
    assert "SECRET" not in str(info.value)


def test_not_utf8_is_data_error() -> None:
    with pytest.raises(DataError):
        read_ranking(b"rank,group_id,band,score\r\n1,OCG-\xff,1A,90\r\n", source="x.csv")


# --- diff -------------------------------------------------------------------------------------


def test_diff_week_one_to_two() -> None:
    d = diff(previous(WEEK1, WEEKS[0]), previous(WEEK2, WEEKS[1]), same_within=1)
    assert list(d.entered["group_id"]) == ["OCG-0008"]
    assert list(d.dropped["group_id"]) == ["OCG-0005"]
    changes = d.band_changes.set_index("group_id")
    assert changes["previous_band"].to_dict() == {
        "OCG-0002": "2A",
        "OCG-0003": "1C",
        "OCG-0007": "3B",
    }
    assert changes["band"].to_dict() == {"OCG-0002": "1B", "OCG-0003": "2B", "OCG-0007": "3A"}
    assert changes["movement"].to_dict() == {
        "OCG-0002": "BAND_UP",
        "OCG-0003": "BAND_DOWN",
        "OCG-0007": "BAND_UP",
    }
    # every mover moved one place: ties break by group_id
    assert list(d.movers["group_id"]) == [
        "OCG-0002",
        "OCG-0003",
        "OCG-0004",
        "OCG-0006",
        "OCG-0007",
    ]
    assert d.drivers["OCG-0002"] == (("violence", 10.0), ("firearms", 6.0), ("exploitation", 3.0))
    assert d.drivers["OCG-0003"] == (("exploitation", -15.0),)
    assert d.drivers["OCG-0004"] == ()  # passed by a new group; its own factors did not change
    assert d.drivers["OCG-0007"] == (("geography", 10.0), ("capability", 5.0))


def test_diff_week_two_to_three_biggest_mover_first() -> None:
    d = diff(previous(WEEK2, WEEKS[1]), previous(WEEK3, WEEKS[2]), movers=10, same_within=1)
    assert list(d.entered["group_id"]) == ["OCG-0005"]
    assert list(d.dropped["group_id"]) == ["OCG-0008"]
    assert d.band_changes.set_index("group_id")["movement"].to_dict() == {
        "OCG-0001": "BAND_DOWN",
        "OCG-0004": "BAND_UP",
    }
    assert d.movers[["group_id", "rank_change"]].to_dict(orient="list") == {
        "group_id": ["OCG-0004", "OCG-0003", "OCG-0001"],
        "rank_change": [2, -1, 0],
    }
    assert d.drivers["OCG-0004"] == (("violence", 12.0), ("firearms", 5.0))
    assert d.drivers["OCG-0003"] == ()
    causes = d.movers.set_index("group_id")["movement_cause"].to_dict()
    assert causes["OCG-0003"] == "others moved"
    assert causes["OCG-0004"] == "data: violence +12.00, firearms +5.00"


def test_diff_mover_limit() -> None:
    old, new = previous(WEEK1), previous(WEEK2)
    assert list(diff(old, new, movers=2, same_within=1).movers["group_id"]) == [
        "OCG-0002",
        "OCG-0003",
    ]
    assert diff(old, new, movers=0).movers.empty
    with pytest.raises(ValueError, match="negative"):
        diff(old, new, movers=-1)


def test_factor_missing_on_one_side_counts_as_zero_points() -> None:
    old = previous(WEEK1)
    trimmed = Previous(
        frame=old.frame.drop(columns="firearms_points"),
        factors=tuple(f for f in old.factors if f != "firearms_points"),
        source="old-config.csv",
    )
    d = diff(trimmed, previous(WEEK2))
    assert d.drivers["OCG-0002"][0] == ("firearms", 11.0)


def test_diff_text_has_marking_first_and_last_and_every_section() -> None:
    d = diff(previous(WEEK2, WEEKS[1]), previous(WEEK3, WEEKS[2]))
    text = render_diff_text(d, marking="OFFICIAL-SENSITIVE")
    assert "no factor changed" not in text
    lines = text.splitlines()
    assert lines[0] == lines[-1] == "OFFICIAL-SENSITIVE"
    assert "2026-11-16 (prev.csv) -> 2026-11-23 (prev.csv)" in lines[1]
    for heading in ("New (1):", "Dropped out (1):", "Band changes (2):", "Biggest movers (2):"):
        assert heading in lines
    assert (
        "  OCG-0004 #5 -> #3 (+2) 2B -> 1C BAND_UP: data: violence +12.00, firearms +5.00" in lines
    )
    assert "<NA>" not in text and "nan" not in text
    assert render_diff_text(d, marking="OFFICIAL-SENSITIVE") == text  # deterministic


def test_diff_json_is_plain_data() -> None:
    frame1, frame2 = ranking(WEEK1), ranking(WEEK2)
    old = read_ranking(export_json(frame1, as_of=WEEKS[0]), source="w1.json")
    new = read_ranking(export_json(frame2, as_of=WEEKS[1], sha="1" * 64), source="w2.json")
    out = diff_to_json(diff(old, new, same_within=1))
    assert json.loads(json.dumps(out)) == out
    assert out["config_changed"] is True
    assert out["old"]["as_of"] == "2026-11-09"
    assert out["counts"] == {"new": 1, "dropped": 1, "band_changes": 3, "movers": 5}
    assert out["new_groups"][0]["group_id"] == "OCG-0008"
    assert out["dropped"][0] == {
        "group_id": "OCG-0005",
        "codename": "Copper Wren",
        "last_rank": 5,
        "last_band": "2C",
        "last_score": 45.0,
        "reason": "not in the new ranking",
    }
    first = out["movers"][0]
    assert (first["group_id"], first["rank_change"]) == ("OCG-0002", 1)
    assert first["drivers"][0] == {"factor": "violence", "change": 10.0}


def test_unknown_config_change_is_none() -> None:
    assert diff(previous(WEEK1), previous(WEEK2)).config_changed is None


def test_reads_the_real_csv_export(loaded: LoadedConfig) -> None:
    """Contract with ``to_csv``: its output reads back to the same ranking."""
    rows = sample_rows(loaded.config, groups=12, seed=5, dormant=0, archived=0)
    codenames = [codename for codename, _ in WEEK1.values() if codename[0] in TRIGGERS]
    for row, codename in zip(rows, codenames, strict=False):
        row["codename"] = codename  # formula triggers: escaped in the file, read back as typed
    a = assess_file(rows_csv(rows), loaded)
    assert set(codenames) <= set(a.table["codename"])
    prev = read_ranking(to_csv(a).encode("utf-8"), source="real.csv")
    frame = a.table.set_index("group_id")
    assert prev.frame["codename"].to_dict() == frame["codename"].to_dict()
    assert prev.frame["rank"].to_dict() == frame["rank"].to_dict()
    assert prev.frame["band"].to_dict() == frame["band"].to_dict()
    assert prev.factors == tuple(f"{f}_points" for f in loaded.config.weighted_factors)
    assert prev.marking == loaded.config.marking


def test_assess_adds_the_same_movement_as_the_history_functions(
    loaded: LoadedConfig, tmp_path: Path
) -> None:
    """``assess(previous=...)``, given a Previous or its file, is ``movement`` on its table."""
    rows = sample_rows(loaded.config, groups=30, seed=8, dormant=0, archived=0)
    before = assess_file(rows_csv(rows[:25]), loaded)
    path = tmp_path / "before.csv"
    path.write_bytes(to_csv(before).encode("utf-8"))
    earlier = read_ranking(path.read_bytes(), source=str(path))
    plain = assess_file(rows_csv(rows[3:]), loaded)
    expected = movement(
        plain.table,
        earlier,
        config_sha256=loaded.sha256,
        config_summary=config_summary(loaded.config),
        unranked=plain.unranked,
    )
    assert set(expected.dropped["reason"]) == {"missing from the input"}
    for prev_run in (earlier, path):
        a = assess_file(rows_csv(rows[3:]), loaded, previous=prev_run)
        assert a.movement is not None
        pd.testing.assert_frame_equal(a.table, expected.frame)
        pd.testing.assert_frame_equal(a.movement.dropped, expected.dropped)
        assert a.movement.counts() == expected.counts()
    assert expected.counts()["NEW"] == 5 and expected.counts()["DROPPED"] == 3
    assert plain.movement is None and "movement" not in plain.table


def test_diff_shows_control_characters_in_a_hand_edited_ranking_visibly() -> None:
    """Codenames from an edited ranking reached the terminal raw, escape sequences included."""
    head = "rank,group_id,codename,band,score\r\n"
    old = read_ranking((head + "1,OCG-0001,PLAIN,1A,90\r\n").encode(), source="old.csv")
    evil = "X\x1b]52;c;QUFB\x07\x1b]8;;file:///etc/passwd\x1b\\Y\u202e"
    rows = f"1,OCG-0001,PLAIN,1A,90\r\n2,OCG-0002,{evil},1B,80\r\n"
    new = read_ranking((head + rows).encode(), source="new.csv")
    text = render_diff_text(diff(old, new), marking="OFFICIAL-SENSITIVE")
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "X\\x1b]52;c;QUFB\\x07" in text


def test_diff_command_reads_same_within_from_the_config(tmp_path: Path) -> None:
    """Two places within a band is SAME by the default config; a config with same_within 1
    makes the same pair movers."""
    import csv as csvmod

    import yaml
    from typer.testing import CliRunner

    from socprio.cli.app import app

    root = Path(__file__).resolve().parents[1]
    runner = CliRunner()
    old = tmp_path / "old.csv"
    args = ["rank", str(root / "sample_data" / "ocgs.csv"), "--as-of", "2026-11-23"]
    assert runner.invoke(app, [*args, "-f", "csv", "-o", str(old), "-q"]).exit_code == 0
    rows = list(csvmod.reader(old.read_text(encoding="utf-8-sig").splitlines()))
    rows[4][0], rows[6][0] = rows[6][0], rows[4][0]  # ranks 4 and 6, both in Band 1C
    new = tmp_path / "new.csv"
    with new.open("w", encoding="utf-8", newline="") as fh:
        csvmod.writer(fh).writerows(rows)
    data = yaml.safe_load((root / "config" / "scoring.yaml").read_text(encoding="utf-8"))
    data["movement"]["same_within"] = 1
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(data), encoding="utf-8")

    def movers(*extra: str) -> int:
        out = runner.invoke(app, ["diff", str(old), str(new), "-f", "json", *extra])
        assert out.exit_code == 0, out.output
        return int(json.loads(out.stdout)["counts"]["movers"])

    assert movers() == 0
    assert movers("-c", str(strict)) == 2


def test_a_groups_movement_cause_depends_on_that_group_alone(loaded: LoadedConfig) -> None:
    """``movement`` attributes causes only to the groups that show one (not NEW, not SAME),
    which is right because each group's cause comes from its own row: compared with a ranking
    of two other seeds, every group keeps its cause when it is compared on its own."""
    old = assess_file(sample_csv(loaded.config, groups=60, seed=11), loaded)
    new = assess_file(sample_csv(loaded.config, groups=60, seed=12), loaded)
    earlier = read_ranking(to_csv(old).encode("utf-8"), source="old.csv")
    whole = movement(new.table, earlier, config_sha256=SHA, config_summary=None)
    counts = whole.counts()
    assert counts["NEW"] and counts["SAME"] and counts["UP"] + counts["BAND_UP"]
    causes = set(whole.frame["movement_cause"])
    assert {"NEW", ""} < causes and any(c.startswith("override ") for c in causes)
    assert any(c.startswith("data: ") for c in causes)
    for i in range(len(new.table)):
        alone = movement(new.table.iloc[[i]], earlier, config_sha256=SHA, config_summary=None)
        assert alone.frame["movement_cause"].tolist() == [whole.frame["movement_cause"].iloc[i]]


def test_the_factors_a_move_is_put_down_to_keep_the_exports_column_order() -> None:
    # A set's order varies with the hash seed, and ties between equal moves are broken by
    # this order: the same two files must give the same causes in every process.
    from socprio.history.movement import _factor_points

    names = [f"f{i:02d}" for i in (7, 3, 11, 0, 19, 5, 14, 2, 9, 17, 1, 12, 6, 18, 4, 15)]
    columns = [c for name in names for c in (f"{name}_raw", f"{name}_points")] + ["x_points"]
    frame = pd.DataFrame(columns=["group_id", *columns])
    assert _factor_points(frame) == [f"{name}_points" for name in names]


@settings(max_examples=60)
@given(
    st.lists(
        st.sampled_from(["1A", "1B", "2C", "10A", "3", "2z", "", "x", " 1A"]) | st.none(),
        max_size=12,
    )
)
def test_each_band_label_orders_as_it_would_alone(labels: list[str | None]) -> None:
    """The labels are read once each and spread back over the rows: the order a row gets
    depends on its own label only."""
    bands = pd.Series(labels, dtype=object, index=range(100, 100 + len(labels)))
    alone = [band_order(pd.Series([label], dtype=object))[0] for label in labels]
    assert np.array_equal(band_order(bands), np.array(alone, dtype=float), equal_nan=True)
    numbered = {"1A": 1, "1B": 1, "2C": 2, "10A": 10, "3": 3}
    if all(label in numbered for label in labels):
        numbers = band_numbers(bands)
        assert numbers.index.equals(bands.index)
        assert numbers.tolist() == [numbered[str(label)] for label in labels]


@pytest.mark.slow
def test_movement_against_a_trimmed_earlier_export_has_the_same_bytes_whatever_the_hash_seed(
    tmp_path: Path,
) -> None:
    """Factors the earlier file cannot explain (their raw columns cut) are still compared:
    two processes with different hash seeds must write the same causes, in the same order."""
    root = Path(__file__).resolve().parents[1]

    def socprio(*args: str, seed: str = "0") -> None:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "socprio", *args], check=True, env=env, cwd=root)

    other, earlier = tmp_path / "other.csv", tmp_path / "earlier.csv"
    socprio("sample", "--seed", "5", "-o", str(other))
    socprio("rank", str(other), "--as-of", "2026-11-23", "-q", "-f", "csv", "-o", str(earlier))
    rows = list(csv.reader(io.StringIO(earlier.read_text(encoding="utf-8-sig"))))
    cut = {"violence_raw", "intent_raw", "corruption_raw"}
    keep = [i for i, name in enumerate(rows[0]) if name not in cut]
    with earlier.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([[row[i] for i in keep] for row in rows])
    outputs = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"now-{seed}.json"
        args = ["rank", str(root / "sample_data" / "ocgs.csv"), "--as-of", "2026-11-23", "-q"]
        socprio(*args, "-f", "json", "--previous", str(earlier), "-o", str(out), seed=seed)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2] and b'"movement"' in outputs[0]
