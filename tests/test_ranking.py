"""Bands, overrides, flags and the deterministic order (DOMAIN 6; STYLE habit 12)."""

from __future__ import annotations

import operator
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AS_OF, Records, matrices, rows_to_records, sample_rows
from socprio.config.load import parse_config
from socprio.config.models import Confidence, Config
from socprio.core.flags import RANKING_FLAGS, Flag
from socprio.core.matrix import FactorMatrix, build_matrix
from socprio.core.ranking import Ranking, rank, rounded, settled, sub_band
from socprio.core.scoring import Scores, score
from socprio.validate.records import RecordBase

FAST = settings(max_examples=30, deadline=None)
OPS = {"eq": operator.eq, "ne": operator.ne, "ge": operator.ge}
OPS |= {"gt": operator.gt, "le": operator.le, "lt": operator.lt}
FLAGS = {flag: k for k, flag in enumerate(RANKING_FLAGS)}


def _run(m: FactorMatrix, cfg: Config, **kw: Any) -> tuple[Scores, Ranking]:
    s = score(m, cfg)
    return s, rank(m, s, cfg, as_of=AS_OF, **kw)


def _band_number(value: float, cfg: Config) -> int:
    """The band of a score as printed, straight from the thresholds."""
    printed = round(float(rounded(np.array([value]))[0]), 1)
    return next(b.band for b in cfg.bands if printed >= round(b.min, 1))


def _fired(m: FactorMatrix, cfg: Config, i: int) -> list[int]:
    """Indices of the override rules whose condition holds for row ``i``."""
    names = list(cfg.factors)
    out = []
    for k, rule in enumerate(cfg.overrides):
        value = m.raw[i, names.index(rule.factor)]
        if not np.isnan(value) and OPS[rule.op.value](value, float(rule.value)):
            out.append(k)
    return out


def _no_overrides(config_data: Callable[[], dict[str, Any]]) -> Config:
    data = config_data()
    data["overrides"] = []
    return parse_config(data)


@pytest.fixture(scope="module")
def records(cfg: Config, sample_records: Records) -> list[RecordBase]:
    return sample_records(cfg, groups=120, seed=5, dormant=6, archived=5)


# --- the order ----------------------------------------------------------------------------


@given(data=st.data(), include_dormant=st.booleans())
@FAST
def test_ranking_is_a_permutation_of_the_rankable_groups(
    cfg: Config, data: st.DataObject, include_dormant: bool
) -> None:
    m: FactorMatrix = data.draw(matrices(cfg))
    _, r = _run(m, cfg, include_dormant=include_dormant)
    allowed = {"active", "dormant"} if include_dormant else {"active"}
    expected = {i for i in range(len(m)) if m.status[i] in allowed}
    assert sorted(r.order.tolist()) == sorted(expected)
    assert sorted(r.rank[r.order].tolist()) == list(range(1, len(expected) + 1))
    assert (r.rank[[i for i in range(len(m)) if i not in expected]] == 0).all()
    assert "archived" not in set(m.status[r.order])


def test_sample_ranks_active_only_unless_dormant_included(
    cfg: Config, records: list[RecordBase]
) -> None:
    m = build_matrix(records, cfg)
    statuses = [r.status.value for r in records]
    assert {"active", "dormant", "archived"} <= set(statuses)
    for include, allowed in ((False, {"active"}), (True, {"active", "dormant"})):
        _, r = _run(m, cfg, include_dormant=include)
        ids = [m.group_id[i] for i in r.order]
        assert sorted(ids) == sorted(x.group_id for x in records if x.status.value in allowed)


@given(data=st.data())
@FAST
def test_order_follows_the_documented_keys(cfg: Config, data: st.DataObject) -> None:
    """Effective band, printed score, group points (H, T, ... in config order), confidence,
    most recent review, group_id: checked against a plain ``sorted``."""
    m: FactorMatrix = data.draw(matrices(cfg))
    s, r = _run(m, cfg)

    def key(i: int) -> tuple[Any, ...]:
        return (
            r.effective[i],
            -rounded(s.total[[i]])[0],
            *(-settled(s.group_points[i])),
            m.confidence[i],
            -m.last_review[i].astype("int64"),
            str(m.group_id[i]),
        )

    active = [i for i in range(len(m)) if m.status[i] == "active"]
    assert r.order.tolist() == sorted(active, key=key)
    eff = r.effective[r.order]
    assert (np.diff(eff) >= 0).all()
    printed = rounded(s.total[r.order])
    same_band = np.diff(eff) == 0
    assert (np.diff(printed)[same_band] <= 0).all()  # scores never increase within a band


@pytest.fixture(scope="module")
def many(cfg: Config) -> FactorMatrix:
    """3,000 random groups: plenty of exact ties and of scores on a printed .x5 boundary."""
    rng = np.random.default_rng(12)
    n = 3000
    top = np.array([f.max for f in cfg.factors.values()], dtype=float)
    raw = np.floor(rng.random((n, len(top))) * (top + 1))
    raw[rng.random(raw.shape) < 0.15] = np.nan
    crimes = len(cfg.crime_types)
    return FactorMatrix(
        group_id=np.array([f"OCG-{i:05d}" for i in range(n)]),
        raw=raw,
        principal=rng.integers(0, crimes, n),
        secondary=np.zeros((n, crimes), dtype=bool),
        status=np.full(n, "active"),
        lro_assigned=np.ones(n, dtype=bool),
        confidence=np.zeros(n, dtype=np.int64),
        last_review=np.full(n, np.datetime64(AS_OF, "D")),
        last_disruption=np.full(n, np.datetime64(AS_OF, "D")),
    )


@given(factor=st.floats(0.001, 1000.0))
@settings(max_examples=15, deadline=None)
def test_scaling_every_weight_keeps_the_order(
    config_data: Callable[[], dict[str, Any]], many: FactorMatrix, factor: float
) -> None:
    """Every group weight and sum-group factor weight times one constant: the same order, bands
    and printed scores, even where float noise differs (ties, scores on a .x5 boundary)."""
    scaled = config_data()
    for grp in scaled["groups"].values():
        grp["weight"] *= factor
        if grp["combine"] != "product":  # product weights must stay 1 (and are unused)
            grp["factors"] = {f: w * factor for f, w in grp["factors"].items()}
    cfg_a, cfg_b = parse_config(config_data()), parse_config(scaled)
    s_a, r_a = _run(many, cfg_a)
    s_b, r_b = _run(many, cfg_b)
    np.testing.assert_allclose(s_a.total, s_b.total, rtol=1e-12)
    assert (rounded(s_a.total) == rounded(s_b.total)).all()
    assert (r_a.effective == r_b.effective).all()
    assert r_a.order.tolist() == r_b.order.tolist()


def test_single_factor_config_ranks_by_that_factor_then_tie_breaks(
    config_data: Callable[[], dict[str, Any]], records: list[RecordBase]
) -> None:
    data = config_data()
    data["groups"] = {"only": {"label": "Only", "weight": 1, "factors": {"violence": 1}}}
    data["overrides"] = []
    cfg = parse_config(data)
    factor = cfg.factors["violence"]

    def value(x: RecordBase) -> float:
        raw = x.factor("violence")
        return cfg.policy("violence").fill if raw is None else raw / factor.max

    def key(x: RecordBase) -> tuple[Any, ...]:
        confidence = ("high", "medium", "low").index(cfg.confidence_of[x.grading].value)
        return (-value(x), confidence, -x.last_intel_review.toordinal(), x.group_id)

    active = [x for x in records if x.status.value == "active"]
    expected = [x.group_id for x in sorted(active, key=key)]
    m = build_matrix(records, cfg)
    _, r = _run(m, cfg)
    assert [str(m.group_id[i]) for i in r.order] == expected
    assert len({value(x) for x in active}) < len(active)  # there are ties to break


def _with_ties(cfg: Config) -> list[RecordBase]:
    """Sample rows plus clones that tie on every scored value (some on every key but id)."""
    rows = sample_rows(cfg, groups=40, seed=9, dormant=0, archived=0)
    clones = []
    for n, row in enumerate(rows[:20]):
        clone = {**row, "group_id": f"OCG-{9000 + n}", "linked_groups": row["linked_groups"]}
        if n % 2:  # a different review date: only the later tie-breaks differ
            review = date.fromisoformat(row["last_intel_review"]) - timedelta(days=1)
            clone["last_intel_review"] = review.isoformat()
        if n % 3 == 0:  # a different grading
            clone["intel_source_eval"] = "3" if row["intel_source_eval"] != "3" else "1"
        clones.append(clone)
    return rows_to_records(cfg, rows + clones)


def test_ties_break_the_same_way_whatever_the_input_order(cfg: Config) -> None:
    records = _with_ties(cfg)
    m = build_matrix(records, cfg)
    _, r = _run(m, cfg)
    expected = [str(m.group_id[i]) for i in r.order]
    s = score(m, cfg)
    totals = rounded(s.total[r.order])
    assert (np.diff(totals) == 0).any()  # ties really are present
    rng = random.Random(4)
    for _ in range(5):
        shuffled = records[:]
        rng.shuffle(shuffled)
        m2 = build_matrix(shuffled, cfg)
        _, r2 = _run(m2, cfg)
        assert [str(m2.group_id[i]) for i in r2.order] == expected


# --- overrides and policies ----------------------------------------------------------------


@given(data=st.data())
@FAST
def test_an_override_never_changes_a_score_and_only_lifts_the_band(
    cfg: Config, config_data: Callable[[], dict[str, Any]], data: st.DataObject
) -> None:
    m: FactorMatrix = data.draw(matrices(cfg))
    bare = _no_overrides(config_data)
    s, r = _run(m, cfg)
    s0, r0 = _run(m, bare)
    for name in ("total", "score_min", "score_max", "contributions", "group_points"):
        assert np.array_equal(getattr(s, name), getattr(s0, name))
    assert (r.band == r0.band).all()
    assert (r0.effective == r0.band).all()  # no rules, no lift
    assert (r.effective <= r.band).all()  # never worse than the score's band
    for i in range(len(m)):
        fired = _fired(m, cfg, i)
        assert r.rules[i].tolist() == [k in fired for k in range(len(cfg.overrides))]
        for k in fired:  # lifted to at least min_band
            assert r.band_number(r.effective[[i]])[0] <= cfg.overrides[k].min_band
        if not fired:
            assert r.effective[i] == r.band[i]
        lifted = r.effective[i] < r.band[i]
        assert r.flags[i, FLAGS[Flag.OVERRIDE]] == lifted
        action = any(cfg.overrides[k].flag == "ACTION_NOW" for k in fired)
        assert r.flags[i, FLAGS[Flag.ACTION_NOW]] == action


def test_unknown_values_never_fire_a_rule(cfg: Config) -> None:
    """Every factor unknown: no default rule fires, whatever the policy fills in."""
    names = list(cfg.factors)
    m = FactorMatrix(
        group_id=np.array(["OCG-0001"]),
        raw=np.full((1, len(names)), np.nan),
        principal=np.array([0]),
        secondary=np.zeros((1, len(cfg.crime_types)), dtype=bool),
        status=np.array(["active"]),
        lro_assigned=np.array([True]),
        confidence=np.array([0]),
        last_review=np.array([AS_OF], dtype="datetime64[D]"),
        last_disruption=np.array([AS_OF], dtype="datetime64[D]"),
    )
    _, r = _run(m, cfg)
    assert not r.rules.any()
    assert r.effective[0] == r.band[0]
    assert not r.flags[0, FLAGS[Flag.ACTION_NOW]]


def test_unknown_never_fires_ne_or_lt_rules(config_data: Callable[[], dict[str, Any]]) -> None:
    data = config_data()
    data["overrides"] = [
        {"id": "ne", "factor": "corruption", "op": "ne", "value": 0, "min_band": 1},
        {"id": "lt", "factor": "violence", "op": "lt", "value": 4, "min_band": 1},
    ]
    cfg = parse_config(data)
    names = list(cfg.factors)
    raw = np.zeros((2, len(names)))
    raw[0, names.index("corruption")] = raw[0, names.index("violence")] = np.nan
    raw[1, names.index("corruption")] = 2
    m = FactorMatrix(
        group_id=np.array(["OCG-0001", "OCG-0002"]),
        raw=raw,
        principal=np.array([0, 0]),
        secondary=np.zeros((2, len(cfg.crime_types)), dtype=bool),
        status=np.array(["active", "active"]),
        lro_assigned=np.array([True, True]),
        confidence=np.array([0, 0]),
        last_review=np.array([AS_OF] * 2, dtype="datetime64[D]"),
        last_disruption=np.array([AS_OF] * 2, dtype="datetime64[D]"),
    )
    _, r = _run(m, cfg)
    assert r.rules.tolist() == [[False, False], [True, True]]


@given(data=st.data())
@FAST
def test_zero_policy_never_ranks_a_group_above_neutral(
    config_data: Callable[[], dict[str, Any]], data: st.DataObject
) -> None:
    """Only one group has unknowns; everyone else is fully known, so only its own score moves.

    Its score under ``zero`` is strictly lower (it has an unknown weighted factor), and it can
    only fall or stay in the order. Swapping the two fill values would break both asserts.
    """
    zero_data, neutral_data = config_data(), config_data()
    zero_data["defaults"]["unknown_policy"] = "zero"
    neutral_data["defaults"]["unknown_policy"] = "neutral"
    zero, neutral = parse_config(zero_data), parse_config(neutral_data)
    m: FactorMatrix = data.draw(matrices(neutral, min_size=2))
    g = data.draw(st.integers(0, len(m) - 1))
    names = list(neutral.factors)
    others = np.arange(len(m)) != g
    m.raw[others] = np.nan_to_num(m.raw[others], nan=1.0)
    m.raw[others, names.index("crime_harm")] = np.nan  # derived, never read from raw
    m.raw[g, names.index(data.draw(st.sampled_from(neutral.weighted_factors[:2])))] = np.nan
    m.status[g] = "active"
    s_zero, r_zero = _run(m, zero)
    s_neutral, r_neutral = _run(m, neutral)
    assert np.array_equal(s_zero.total[others], s_neutral.total[others])
    assert s_zero.total[g] < s_neutral.total[g]
    assert r_zero.rank[g] >= r_neutral.rank[g]
    assert (s_zero.group_points[g] <= s_neutral.group_points[g]).all()


def test_zero_policy_scores_every_sample_group_at_most_neutral(
    config_data: Callable[[], dict[str, Any]], records: list[RecordBase]
) -> None:
    data = config_data()
    data["defaults"]["unknown_policy"] = "zero"
    zero = parse_config(data)
    neutral = parse_config(config_data())
    m = build_matrix(records, neutral)
    z, n = score(m, zero).total, score(m, neutral).total
    assert (z <= n).all()
    unknown = np.isnan(m.raw).any(axis=1)
    assert unknown.any()
    assert (z[~unknown] == n[~unknown]).all()


# --- bands and flags -----------------------------------------------------------------------


def test_band_labels_run_1a_to_3c_in_equal_thirds(cfg: Config) -> None:
    labels = [label for label, _ in cfg.band_labels]
    assert labels == [f"{b.band}{x}" for b in cfg.bands for x in cfg.sub_bands]
    assert labels[0] == "1A"
    assert labels[-1] == f"{len(cfg.bands)}{cfg.sub_bands[-1]}"
    upper = 100.0
    bounds = dict(cfg.band_labels)
    per = len(cfg.sub_bands)
    for b in cfg.bands:
        mine = [bounds[f"{b.band}{x}"] for x in cfg.sub_bands]
        step = (upper - b.min) / per
        assert mine == pytest.approx([upper - step * (k + 1) for k in range(per)])
        assert mine[-1] == pytest.approx(b.min)
        upper = b.min


def test_a_score_exactly_at_a_threshold_lands_in_the_upper_band(cfg: Config) -> None:
    labels = [label for label, _ in cfg.band_labels]
    for k, (label, bound) in enumerate(cfg.band_labels):
        at = round(bound, 1)
        assert labels[sub_band(np.array([at]), cfg)[0]] == label
        if k + 1 < len(labels):
            assert labels[sub_band(np.array([at - 0.1]), cfg)[0]] == labels[k + 1]
    for b in cfg.bands:  # the band thresholds themselves (65, 40, 0 by default)
        assert sub_band(np.array([b.min]), cfg)[0] // len(cfg.sub_bands) + 1 == b.band
    assert labels[sub_band(np.array([100.0]), cfg)[0]] == labels[0]


@given(st.floats(0, 100))
def test_every_score_falls_between_its_sub_band_bounds(cfg: Config, value: float) -> None:
    labels = cfg.band_labels
    k = sub_band(np.array([value]), cfg)[0]
    printed = rounded(np.array([value]))[0]
    assert round(labels[k][1], 1) <= printed
    if k > 0:
        assert printed < round(labels[k - 1][1], 1)
    assert k // len(cfg.sub_bands) + 1 == _band_number(value, cfg)


@given(data=st.data())
@FAST
def test_flags_follow_their_definitions(cfg: Config, data: st.DataObject) -> None:
    m: FactorMatrix = data.draw(matrices(cfg))
    s, r = _run(m, cfg)
    for i in range(len(m)):
        band_min = _band_number(s.score_min[i], cfg)
        band_max = _band_number(s.score_max[i], cfg)
        effective = int(r.band_number(r.effective[[i]])[0])
        review = AS_OF - m.last_review[i].astype(date)
        disrupted = m.last_disruption[i]
        since = None if np.isnat(disrupted) else (AS_OF - disrupted.astype(date)).days
        expected = {
            Flag.GAP: band_min != band_max,
            Flag.STALE: review.days > cfg.flags.stale_days,
            Flag.NO_LRO: effective <= 2 and not m.lro_assigned[i],
            Flag.NO_DISRUPTION: effective == 1
            and (since is None or since > cfg.flags.no_disruption_days),
            Flag.LOW_CONFIDENCE: m.confidence[i] == 2,
        }
        for flag, want in expected.items():
            assert r.flags[i, FLAGS[flag]] == want, flag
        assert (r.band_min[i], r.band_max[i]) == (band_min, band_max)


def test_stale_and_no_disruption_boundaries_are_relative_to_as_of(cfg: Config) -> None:
    days = cfg.flags.stale_days
    quiet = cfg.flags.no_disruption_days
    offsets = [days - 1, days, days + 1]
    n = len(offsets)
    names = list(cfg.factors)
    raw = np.zeros((n, len(names)))
    raw[:, names.index("threat_to_life_active")] = 1  # Band 1 through R2 for NO_DISRUPTION
    today = np.datetime64(AS_OF, "D")
    m = FactorMatrix(
        group_id=np.array([f"OCG-000{i}" for i in range(n)]),
        raw=raw,
        principal=np.zeros(n, dtype=np.int64),
        secondary=np.zeros((n, len(cfg.crime_types)), dtype=bool),
        status=np.array(["active"] * n),
        lro_assigned=np.ones(n, dtype=bool),
        confidence=np.zeros(n, dtype=np.int64),
        last_review=today - np.array(offsets, dtype="timedelta64[D]"),
        last_disruption=today - np.array([quiet - 1, quiet, quiet + 1], dtype="timedelta64[D]"),
    )
    _, r = _run(m, cfg)
    assert r.flags[:, FLAGS[Flag.STALE]].tolist() == [False, False, True]
    assert r.flags[:, FLAGS[Flag.NO_DISRUPTION]].tolist() == [False, False, True]
    assert r.flags[:, FLAGS[Flag.ACTION_NOW]].all()
    # a later as_of makes the same reviews stale
    later = rank(m, score(m, cfg), cfg, as_of=AS_OF + timedelta(days=2))
    assert later.flags[:, FLAGS[Flag.STALE]].all()


def test_low_confidence_comes_from_the_grading_table(
    cfg: Config, records: list[RecordBase]
) -> None:
    m = build_matrix(records, cfg)
    _, r = _run(m, cfg)
    gradings = {x.grading for x in records}
    assert len(gradings) > 3
    for i, x in enumerate(records):
        listed = [level for level, grades in cfg.confidence.items() if x.grading in grades]
        level = listed[0] if listed else Confidence.LOW
        assert r.flags[i, FLAGS[Flag.LOW_CONFIDENCE]] == (level is Confidence.LOW)
