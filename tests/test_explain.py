"""``explain``: every factor, the rank, the neighbours, and the first key that separates them."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.cells import cell_len
from rich.console import Console

from conftest import AS_OF, Records
from socprio.config.load import parse_config
from socprio.config.models import Config, LoadedConfig
from socprio.core.matrix import FactorMatrix
from socprio.core.ranking import rank, rounded, settled
from socprio.core.scoring import score
from socprio.pipeline.frame import RankRun, compute
from socprio.present.explain import explain, why_above


@pytest.fixture(scope="module")
def run(cfg: Config, sample_records: Records) -> RankRun:
    return compute(sample_records(cfg, groups=90, seed=17, dormant=4), cfg, as_of=AS_OF)


def _text(run: RankRun, row: int, loaded: LoadedConfig) -> str:
    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    console.print(explain(run, row, loaded))
    return console.export_text()


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


def _keys(run: RankRun, i: int) -> list[Any]:
    m, s, r = run.matrix, run.scores, run.ranking
    return [
        r.effective[i],
        -rounded(s.total[[i]])[0],
        *(-settled(s.group_points[i])),
        m.confidence[i],
        -m.last_review[i].astype("int64"),
        str(m.group_id[i]),
    ]


def _first_difference(run: RankRun, upper: int, lower: int) -> int:
    a, b = _keys(run, upper), _keys(run, lower)
    k = next(k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    assert a[k] < b[k]  # the upper row really wins on that key
    return k


@pytest.mark.parametrize("where", [0, 1, 45, -1])
def test_explain_mentions_every_factor_rank_and_neighbours(
    cfg: Config, loaded: LoadedConfig, run: RankRun, where: int
) -> None:
    order = run.ranking.order
    row = int(order[where])
    text = _text(run, row, loaded)
    assert max(cell_len(line) for line in text.splitlines()) <= 100
    for name in cfg.factors:
        assert name in text
    position = int(run.ranking.rank[row])
    assert f"rank {position} of {len(order)}" in text
    assert f"score {rounded(run.frame['score'].to_numpy())[position - 1]:.1f};" in text
    assert run.matrix.group_id[row] in text
    assert loaded.short_sha in text
    flat = " ".join(text.split())
    if position > 1:
        above = int(order[position - 2])
        reason = why_above(run, above, row, cfg)
        assert f"Below #{position - 1} {run.matrix.group_id[above]}: {reason}" in flat
    else:
        assert "Below #" not in text
    if position < len(order):
        below = int(order[position])
        reason = why_above(run, row, below, cfg)
        assert f"Above #{position + 1} {run.matrix.group_id[below]}: {reason}" in flat
    else:
        assert "Above #" not in text


def test_explain_of_an_unranked_group_says_so(loaded: LoadedConfig, run: RankRun) -> None:
    row = next(i for i, x in enumerate(run.records) if x.status.value == "dormant")
    text = _text(run, row, loaded)
    assert "not ranked (status dormant)" in text
    assert "Below #" not in text
    assert "Above #" not in text


def test_why_above_names_the_first_differing_key_for_every_neighbour(
    cfg: Config, run: RankRun
) -> None:
    reasons = _reasons(cfg)
    order = run.ranking.order
    seen = set()
    for upper, lower in itertools.pairwise(order):
        k = _first_difference(run, int(upper), int(lower))
        assert reasons[k] in why_above(run, int(upper), int(lower), cfg)
        seen.add(k)
    assert {0, 1} <= seen


@pytest.fixture(scope="module")
def two_group_cfg(config_data: Callable[[], dict[str, Any]]) -> Config:
    """Harm = violence, Reach = corruption, equal weights: ties are easy to build."""
    data = config_data()
    data["groups"] = {
        "harm": {"label": "Harm", "weight": 1, "factors": {"violence": 1}},
        "reach": {"label": "Reach", "weight": 1, "factors": {"corruption": 1}},
    }
    data["overrides"] = []
    return parse_config(data)


def test_why_above_on_constructed_ties(two_group_cfg: Config) -> None:
    cfg = two_group_cfg
    names = list(cfg.factors)
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
    n = len(rows)
    raw = np.zeros((n, len(names)))
    for i, (v, c, _, _) in enumerate(rows.values()):
        raw[i, names.index("violence")], raw[i, names.index("corruption")] = v, c
    today = np.datetime64(AS_OF, "D")
    m = FactorMatrix(
        group_id=np.array([f"OCG-{i + 1:04d}" for i in range(n)]),
        raw=raw,
        principal=np.zeros(n, dtype=np.int64),
        secondary=np.zeros((n, len(cfg.crime_types)), dtype=bool),
        status=np.full(n, "active"),
        lro_assigned=np.ones(n, dtype=bool),
        confidence=np.array([x[2] for x in rows.values()], dtype=np.int64),
        last_review=today - np.array([x[3] for x in rows.values()], dtype="timedelta64[D]"),
        last_disruption=np.full(n, np.datetime64("NaT", "D")),
    )
    s = score(m, cfg)
    r = rank(m, s, cfg, as_of=AS_OF)
    run = RankRun(records=[], matrix=m, scores=s, ranking=r, frame=pd.DataFrame())
    at = {name: i for i, name in enumerate(rows)}
    reasons = _reasons(cfg)
    expected = {
        ("top", "worse"): "better effective band",
        ("higher", "top"): "higher score",
        ("top", "reach"): "more Harm points",
        ("top", "conf"): "higher confidence",
        ("top", "older"): "more recent review",
        ("top", "twin"): "group_id order",
    }
    for (a, b), reason in expected.items():
        upper, lower = at[a], at[b]
        assert r.rank[upper] < r.rank[lower]
        assert reasons[_first_difference(run, upper, lower)] == reason  # the construction holds
        assert reason in why_above(run, upper, lower, cfg)
    assert rounded(s.total[[at["top"]]]) == rounded(s.total[[at["reach"]]])
