"""Why each group moved: three synthetic weeks through archive, table text, diff and JSON.

Week 2: one group gains a threat to life (override R2 starts), one moves band through a
factor (violence to its maximum), one is archived. Week 3: the same data under a config with
other weights, so every band move is the config's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from conftest import assess_file, rows_csv, sample_rows
from socprio import Assessment
from socprio.config.load import load_config
from socprio.config.models import LoadedConfig
from socprio.core.causes import attribute, config_changes, config_summary
from socprio.history.archive import archive_ranking, load_ranking, previous_run
from socprio.history.diff import diff
from socprio.present.changes import diff_to_json, render_changes_text, render_diff_text
from socprio.present.jsonout import to_json
from socprio.present.pack import pack_html

WEEKS = (date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7))
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ARGV = ["socprio", "rank", "week.csv", "--archive", "A"]


def _pick(a: Assessment, rows: list[dict[str, str]], test: Callable[[Any], bool]) -> str:
    """The lowest-ranked group of ``a`` (not band 1) whose input row passes ``test``."""
    by_id = {r["group_id"]: r for r in rows}
    table = a.table[a.table["band"].str[0] != "1"]
    for gid in reversed(table["group_id"].tolist()):
        if test(by_id[gid]):
            return str(gid)
    raise AssertionError("no group to pick")


@pytest.fixture(scope="module")
def weeks(loaded: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cfg = loaded.config
    tmp = tmp_path_factory.mktemp("causes")
    rows = sample_rows(cfg, groups=40, seed=8, dormant=0, archived=0)
    first = assess_file(rows_csv(rows), loaded, as_of=WEEKS[0])
    threat = _pick(
        first,
        rows,
        lambda r: r["threat_to_life_active"] == "no" and r["firearms_discharge_12m"] != "yes",
    )
    top = str(cfg.factors["violence"].max)
    factor = _pick(first, rows, lambda r: r["group_id"] != threat and r["violence"] == "0")
    gone = str(first.table["group_id"].iloc[0])
    week2 = [
        r | {"threat_to_life_active": "yes"}
        if r["group_id"] == threat
        else r | {"violence": top, "weapons_access": top}
        if r["group_id"] == factor
        else r | {"status": "archived"}
        if r["group_id"] == gone
        else r
        for r in rows
    ]
    data = yaml.safe_load((Path(loaded.path)).read_text(encoding="utf-8"))
    data["groups"]["harm"]["weight"] = 0.15  # a reweighted matrix: the data stays the same
    other = tmp / "reweighted.yaml"
    other.write_text(yaml.safe_dump(data), encoding="utf-8")
    reweighted = load_config(other)
    archive = tmp / "archive"
    runs = []
    for week_rows, as_of, config in zip(
        (rows, week2, week2), WEEKS, (loaded, loaded, reweighted), strict=True
    ):
        before = previous_run(archive, before=as_of)
        a = assess_file(rows_csv(week_rows), config, as_of=as_of, previous=before)
        archive_ranking(archive, a, argv=ARGV, now=NOW)
        runs.append(a)
    return {"runs": runs, "threat": threat, "factor": factor, "gone": gone, "archive": archive}


def _causes(a: Assessment) -> dict[str, str]:
    return dict(zip(a.table["group_id"], a.table["movement_cause"], strict=True))


def test_week_two_names_the_override_the_factor_and_the_archived_group(
    weeks: dict[str, Any],
) -> None:
    a = weeks["runs"][1]
    causes = _causes(a)
    row = a.table.set_index("group_id").loc[weeks["threat"]]
    assert row["band"][0] == "1" and row["movement"] == "BAND_UP"
    assert causes[weeks["threat"]] == "override R2-threat-to-life started"
    assert causes[weeks["factor"]].startswith("data: ")
    assert "violence +" in causes[weeks["factor"]]
    assert a.movement is not None and a.movement.config_changed is False
    dropped = a.movement.dropped.set_index("group_id")["reason"].to_dict()
    assert dropped == {weeks["gone"]: "archived"}
    # the terminal: act-now and Band 1 groups named before any counts
    text = render_changes_text(a.movement)
    counts_at = text.index("Counts:")
    for gid in (weeks["threat"], weeks["gone"]):
        assert -1 < text.index(gid) < counts_at
    assert "Started act now (1):" in text[:counts_at]
    assert "Left Band 1" in text[:counts_at]
    assert "no factor changed" not in text
    # the JSON carries the cause
    groups = {g["group_id"]: g for g in json.loads(to_json(a))["groups"]}
    assert groups[weeks["threat"]]["movement"]["movement_cause"] == causes[weeks["threat"]]
    meta = json.loads(to_json(a))["meta"]
    assert meta["movement"]["dropped"][0]["reason"] == "archived"
    assert meta["config"]["summary"]["rules"]["R2-threat-to-life"].startswith("threat_to_life")


def test_week_three_config_change_is_named_and_moves_are_the_configs(
    weeks: dict[str, Any],
) -> None:
    a = weeks["runs"][2]
    assert a.movement is not None and a.movement.config_changed is True
    assert "weight violence: " in "\n".join(a.movement.config_changes)
    moved = a.table[a.table["movement"].str.startswith("BAND_")]
    assert len(moved) > 0
    assert all(c.startswith("config change: ") for c in moved["movement_cause"])
    text = render_changes_text(a.movement)
    assert "CONFIG CHANGED" in text[: text.index("Counts:")]
    # diff of the archived weeks says the same (the CSV's config comes from the manifest)
    archive = weeks["archive"]
    d = diff(*(load_ranking(archive / day.isoformat()) for day in WEEKS[1:]))
    assert d.config_changed is True and d.config_changes == a.movement.config_changes
    out = render_diff_text(d, marking="OFFICIAL-SENSITIVE")
    assert "CONFIG CHANGED" in out and "weight violence: " in out
    causes = d.band_changes.set_index("group_id")["movement_cause"]
    assert len(causes) and all(c.startswith("config change: ") for c in causes)
    doc = diff_to_json(d)
    assert doc["config_changed"] is True and doc["config_changes"]


def test_diff_of_weeks_one_and_two_names_the_override(weeks: dict[str, Any]) -> None:
    archive = weeks["archive"]
    d = diff(*(load_ranking(archive / day.isoformat()) for day in WEEKS[:2]))
    causes = d.band_changes.set_index("group_id")["movement_cause"].to_dict()
    assert causes[weeks["threat"]] == "override R2-threat-to-life started"
    assert causes[weeks["factor"]].startswith("data: ")
    text = render_diff_text(d, marking="OFFICIAL-SENSITIVE")
    assert "R2-threat-to-life started" in text
    assert d.config_changed is False


def test_attribute_without_raw_data_and_same_config_blames_the_data() -> None:
    delta = np.array([[5.0, 0.0], [0.0, 0.0], [-2.0, 1.0]])
    none = np.zeros((3, 1), dtype=bool)
    started = np.array([[False], [True], [False]])
    out = attribute(
        delta, None, started, none, factors=["a", "b"], rules=["R9"], config_changed=False
    )
    assert list(out) == ["data: a +5.00", "override R9 started", "data: a -2.00, b +1.00"]
    out = attribute(delta, None, none, none, factors=["a", "b"], rules=["R9"], config_changed=True)
    assert out[0] == "config change: a +5.00" and out[1] == "others moved"


def test_config_changes_name_weights_bands_and_rules(loaded: LoadedConfig) -> None:
    old = config_summary(loaded.config)
    new = json.loads(json.dumps(old))
    new["bands"]["1"] = 60.0
    new["rules"].pop("R4-corruption")
    text = config_changes(old, new)
    assert "band 1: 65.0 -> 60.0" in text and "rule R4-corruption removed" in text
    assert config_changes(None, new)[0].startswith("the earlier run kept no config summary")


def test_the_pack_names_the_act_now_start_the_config_change_and_each_cause(
    weeks: dict[str, Any],
) -> None:
    week2, week3 = weeks["runs"][1], weeks["runs"][2]
    page = pack_html(week2)
    section = page[page.index("What changed since") :]
    counts_at = section.index("Counts:")
    assert "Started act now (1)" in section[:counts_at]
    assert -1 < section.index(weeks["threat"]) < counts_at
    assert "override R2-threat-to-life started" in section
    assert "archived" in section
    page3 = pack_html(week3)
    section3 = page3[page3.index("What changed since") :]
    assert "CONFIG CHANGED" in section3[: section3.index("Counts:")]
    assert "config change: " in section3
