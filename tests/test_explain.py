"""``explain``: every factor, the rank, the neighbours, and the first key that separates them."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from rich.cells import cell_len

from conftest import AS_OF, assess_file, rows_csv, sample_csv, sample_rows
from socprio import Assessment, load_config
from socprio.config.models import Config, LoadedConfig
from socprio.core.ranking import rounded, settled
from socprio.errors import UsageError
from socprio.present.explain import explain_data, explain_json, explain_text, why_above


@pytest.fixture(scope="module")
def a(cfg: Config, loaded: LoadedConfig) -> Assessment:
    return assess_file(sample_csv(cfg, groups=90, seed=17, dormant=4), loaded)


def _text(a: Assessment, row: int) -> str:
    return explain_text(a, str(a.matrix.group_id[row]), width=100)


def _reasons(cfg: Config) -> list[str]:
    """What ``why_above`` says for each ordering key, in key order."""
    groups = [f"more {g.label} points" for g in cfg.groups.values()]
    return [
        "better effective band",
        "higher score",
        *groups,
        "higher confidence",
        "more recent review",
        "group_id order",
    ]


def _keys(a: Assessment, i: int) -> list[Any]:
    m, s, r = a.matrix, a.scores, a.ranking
    return [
        r.effective[i],
        -rounded(s.total[[i]])[0],
        *(-settled(s.group_points[i])),
        m.confidence[i],
        -m.last_review[i].astype("int64"),
        str(m.group_id[i]),
    ]


def _first_difference(a: Assessment, upper: int, lower: int) -> int:
    x, y = _keys(a, upper), _keys(a, lower)
    k = next(k for k, (p, q) in enumerate(zip(x, y, strict=True)) if p != q)
    assert x[k] < y[k]  # the upper row really wins on that key
    return k


@pytest.mark.parametrize("where", [0, 1, 45, -1])
def test_explain_mentions_every_factor_rank_and_neighbours(
    cfg: Config, loaded: LoadedConfig, a: Assessment, where: int
) -> None:
    order = a.ranking.order
    row = int(order[where])
    text = _text(a, row)
    assert max(cell_len(line) for line in text.splitlines()) <= 100
    for name in cfg.factors:
        assert name in text
    position = int(a.ranking.rank[row])
    assert f"rank {position} of {len(order)}" in text
    assert f"score {rounded(a.table['score'].to_numpy())[position - 1]:.1f};" in text
    assert a.matrix.group_id[row] in text
    assert loaded.short_sha in text
    flat = " ".join(text.split())
    if position > 1:
        above = int(order[position - 2])
        reason = why_above(a, above, row, cfg)
        assert f"Below #{position - 1} {a.matrix.group_id[above]}: {reason}" in flat
    else:
        assert "Below #" not in text
    if position < len(order):
        below = int(order[position])
        reason = why_above(a, row, below, cfg)
        assert f"Above #{position + 1} {a.matrix.group_id[below]}: {reason}" in flat
    else:
        assert "Above #" not in text


def test_explain_of_an_unranked_group_says_so(a: Assessment) -> None:
    row = int(np.flatnonzero(a.matrix.status == "dormant")[0])
    text = _text(a, row)
    assert "not ranked (status dormant)" in text
    assert "Below #" not in text
    assert "Above #" not in text


def test_explain_finds_the_group_by_id_and_refuses_an_unknown_one(a: Assessment) -> None:
    gid = str(a.table["group_id"].iloc[3])
    assert explain_text(a, f"  {gid} ", width=100) == explain_text(a, gid, width=100)
    with pytest.raises(UsageError, match="no group 'OCG-9999'"):
        explain_text(a, "OCG-9999")


def test_explain_json_has_the_same_facts_as_the_table(cfg: Config, a: Assessment) -> None:
    row = a.table.iloc[2]
    data = json.loads(explain_json(a, str(row["group_id"])))
    assert data == explain_data(a, str(row["group_id"]))
    assert data["meta"] == a.provenance.meta()
    assert (data["rank"], data["band"], data["score"]) == (
        int(row["rank"]),
        row["band"],
        float(rounded(np.array([row["score"]]))[0]),
    )
    assert data["flags"] == [f for f in row["flags"].split(";") if f]
    assert set(data["factors"]) == set(cfg.factors)
    dormant = str(a.matrix.group_id[a.matrix.status == "dormant"][0])
    assert explain_data(a, dormant)["rank"] is None


def test_why_above_names_the_first_differing_key_for_every_neighbour(
    cfg: Config, a: Assessment
) -> None:
    reasons = _reasons(cfg)
    order = a.ranking.order
    seen = set()
    for upper, lower in itertools.pairwise(order):
        k = _first_difference(a, int(upper), int(lower))
        assert reasons[k] in why_above(a, int(upper), int(lower), cfg)
        seen.add(k)
    assert {0, 1} <= seen


@pytest.fixture(scope="module")
def two_group_loaded(
    config_data: Callable[[], dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> LoadedConfig:
    """Harm = violence, Reach = corruption, equal weights: ties are easy to build."""
    data = config_data()
    data["groups"] = {
        "harm": {"label": "Harm", "weight": 1, "factors": {"violence": 1}},
        "reach": {"label": "Reach", "weight": 1, "factors": {"corruption": 1}},
    }
    data["overrides"] = []
    path: Path = tmp_path_factory.mktemp("two-group") / "scoring.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_config(path)


GRADING = {0: ("1", "A"), 1: ("1", "C")}  # 3x5x2 gradings giving high, medium confidence


def test_why_above_on_constructed_ties(two_group_loaded: LoadedConfig) -> None:
    cfg = two_group_loaded.config
    vmax, cmax = cfg.factors["violence"].max, cfg.factors["corruption"].max
    # (violence, corruption, confidence, days since review)
    rows = {
        "top": (vmax, 0, 0, 3),  # 50 points, all from harm
        "reach": (0, cmax, 0, 0),  # 50 points, all from reach
        "conf": (vmax, 0, 1, 0),  # as top, lower confidence (though a more recent review)
        "older": (vmax, 0, 0, 5),  # as top, older review
        "twin": (vmax, 0, 0, 3),  # as top in every key but group_id
        "higher": (vmax - 1, 1, 0, 3),  # same band, higher score
        "worse": (1, 0, 0, 0),  # a lower band
    }
    cells = sample_rows(cfg, groups=len(rows), seed=5)
    for i, (row, (v, c, confidence, days)) in enumerate(zip(cells, rows.values(), strict=True)):
        source, assessment = GRADING[confidence]
        row |= {
            "group_id": f"OCG-{i + 1:04d}",
            "status": "active",
            "violence": str(v),
            "corruption": str(c),
            "intel_source_eval": source,
            "intel_assessment": assessment,
            "last_intel_review": (AS_OF - timedelta(days=days)).isoformat(),
        }
    a = assess_file(rows_csv(cells), two_group_loaded)
    m, s, r = a.matrix, a.scores, a.ranking
    at = {
        name: int(np.flatnonzero(m.group_id == f"OCG-{i + 1:04d}")[0])
        for i, name in enumerate(rows)
    }
    reasons = _reasons(cfg)
    expected = {
        ("top", "worse"): "better effective band",
        ("higher", "top"): "higher score",
        ("top", "reach"): "more Harm points",
        ("top", "conf"): "higher confidence",
        ("top", "older"): "more recent review",
        ("top", "twin"): "group_id order",
    }
    for (x, y), reason in expected.items():
        upper, lower = at[x], at[y]
        assert r.rank[upper] < r.rank[lower]
        assert reasons[_first_difference(a, upper, lower)] == reason  # the construction holds
        assert reason in why_above(a, upper, lower, cfg)
    assert rounded(s.total[[at["top"]]]) == rounded(s.total[[at["reach"]]])
