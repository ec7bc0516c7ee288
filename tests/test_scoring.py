"""The scoring core against the DOMAIN 6 formula: contributions, min/max, coverage, policies."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Records, matrices
from socprio.config.load import parse_config
from socprio.config.models import Combine, Config, FactorType, UnknownPolicy
from socprio.core.matrix import FactorMatrix, build_matrix
from socprio.core.scoring import design_matrix, normalise, score
from socprio.validate.records import RecordBase

FAST = settings(max_examples=40, deadline=None)
CLOSE = 1e-9  # absolute tolerance in points


def _policy_config(data: dict[str, Any], policy: UnknownPolicy) -> Config:
    data["defaults"]["unknown_policy"] = policy.value
    return parse_config(data)


# --- a naive per-record reimplementation of DOMAIN 6 ------------------------------------------


def _value(record: RecordBase, name: str, cfg: Config) -> float | None:
    """One factor's normalised value (None when unknown), straight from the record."""
    factor = cfg.factors[name]
    if factor.type is FactorType.CRIME_TYPE:
        harm = {c: t.harm for c, t in cfg.crime_types.items()}
        top = max((harm[c] for c in record.secondary_crimes), default=0.0)
        return min(1.0, harm[record.principal_crime] + (factor.secondary_fraction or 0) * top)
    raw = len(record.linked_groups) if factor.of else record.factor(name)
    if raw is None:
        return None
    if factor.type is FactorType.COUNT:
        return min(raw, factor.max) / factor.max
    return float(raw) / factor.max


def naive(record: RecordBase, cfg: Config, fill: float | None = None) -> dict[str, Any]:
    """Total, contributions and coverage of one record by the formula, one factor at a time."""
    values = {}
    known = 0
    for name in cfg.factors:
        v = _value(record, name, cfg)
        if v is None:
            v = cfg.policy(name).fill if fill is None else fill
        elif name in cfg.group_of:
            known += 1
        values[name] = v
    all_weight = sum(g.weight for g in cfg.groups.values())
    points: dict[str, float] = {}
    for grp in cfg.groups.values():
        share = 100 * grp.weight / all_weight
        if grp.combine is Combine.PRODUCT:
            product = math.prod(values[f] for f in grp.factors)
            points |= {f: share * product / len(grp.factors) for f in grp.factors}
        else:
            inner = sum(grp.factors.values())
            points |= {f: share * w / inner * values[f] for f, w in grp.factors.items()}
    return {
        "total": sum(points.values()),
        "points": points,
        "coverage": known / len(cfg.group_of),
    }


@pytest.fixture(scope="module")
def records(cfg: Config, sample_records: Records) -> list[RecordBase]:
    return sample_records(cfg, groups=80, seed=3, dormant=4, archived=3)


def test_vectorised_score_matches_naive_per_record_formula(
    cfg: Config, records: list[RecordBase]
) -> None:
    s = score(build_matrix(records, cfg), cfg)
    rng = np.random.default_rng(7)
    for i in rng.choice(len(records), size=12, replace=False):
        expected = naive(records[i], cfg)
        assert s.total[i] == pytest.approx(expected["total"], rel=1e-12)
        assert s.coverage[i] == pytest.approx(expected["coverage"])
        got = dict(zip(s.weighted, s.contributions[i], strict=True))
        assert got == pytest.approx(expected["points"], rel=1e-12, abs=1e-12)
        assert s.score_min[i] == pytest.approx(naive(records[i], cfg, 0.0)["total"])
        assert s.score_max[i] == pytest.approx(naive(records[i], cfg, 1.0)["total"])


def test_per_factor_unknown_policy_is_used(
    config_data: Callable[[], dict[str, Any]], records: list[RecordBase]
) -> None:
    data = config_data()
    data["factors"]["violence"]["unknown"] = "conservative"
    data["factors"]["intent"]["unknown"] = "zero"
    cfg = parse_config(data)
    m = build_matrix(records, cfg)
    assert np.isnan(m.raw[:, list(cfg.factors).index("violence")]).any()  # the test can bite
    s = score(m, cfg)
    expected = [naive(r, cfg)["total"] for r in records]
    np.testing.assert_allclose(s.total, expected, atol=CLOSE)


@given(data=st.data())
@FAST
def test_contributions_sum_to_total_and_total_is_bounded(cfg: Config, data: st.DataObject) -> None:
    m: FactorMatrix = data.draw(matrices(cfg))
    s = score(m, cfg)
    np.testing.assert_allclose(s.contributions.sum(axis=1), s.total, atol=CLOSE)
    np.testing.assert_allclose(s.group_points.sum(axis=1), s.total, atol=CLOSE)
    assert ((s.total >= 0) & (s.total <= 100 + 1e-9)).all()
    assert (s.score_min <= s.total + 1e-9).all()
    assert (s.total <= s.score_max + 1e-9).all()
    assert math.isclose(s.weights.sum(), 1.0)
    # Coverage: the share of weighted factors whose value is known (crime type always is).
    cols = [list(cfg.factors).index(f) for f in cfg.weighted_factors]
    derived = [cfg.factors[f].type is FactorType.CRIME_TYPE for f in cfg.weighted_factors]
    known = ~np.isnan(m.raw[:, cols]) | np.array(derived)
    np.testing.assert_allclose(s.coverage, known.sum(axis=1) / len(cols))
    # A fully known group has min == total == max.
    full = known.all(axis=1)
    np.testing.assert_allclose(s.score_min[full], s.total[full], atol=CLOSE)
    np.testing.assert_allclose(s.score_max[full], s.total[full], atol=CLOSE)


@pytest.fixture(scope="module")
def by_policy(config_data: Callable[[], dict[str, Any]]) -> dict[UnknownPolicy, Config]:
    return {p: _policy_config(config_data(), p) for p in UnknownPolicy}


@given(data=st.data())
@FAST
def test_policies_order_scores_and_bound_them(
    by_policy: dict[UnknownPolicy, Config], data: st.DataObject
) -> None:
    """zero gives score_min, conservative gives score_max, neutral fills 0.5 and lies between."""
    by = by_policy
    m: FactorMatrix = data.draw(matrices(by[UnknownPolicy.NEUTRAL]))
    s = {p: score(m, cfg) for p, cfg in by.items()}
    zero, neutral, high = (s[UnknownPolicy(p)] for p in ("zero", "neutral", "conservative"))
    np.testing.assert_allclose(zero.total, neutral.score_min, atol=CLOSE)
    np.testing.assert_allclose(high.total, neutral.score_max, atol=CLOSE)
    assert (zero.total <= neutral.total + 1e-9).all()
    assert (neutral.total <= high.total + 1e-9).all()
    for p, scores in s.items():
        assert (scores.normalised[~scores.known] == p.fill).all()


@given(data=st.data())
@FAST
def test_crime_type_harm_principal_plus_fraction_of_top_secondary(
    cfg: Config, data: st.DataObject
) -> None:
    m: FactorMatrix = data.draw(matrices(cfg))
    s = score(m, cfg)
    harm = [t.harm for t in cfg.crime_types.values()]
    for name, factor in cfg.factors.items():
        if factor.type is not FactorType.CRIME_TYPE:
            continue
        j = list(cfg.factors).index(name)
        fraction = factor.secondary_fraction or 0
        for i in range(len(m)):
            top = max((h for h, on in zip(harm, m.secondary[i], strict=True) if on), default=0)
            expected = min(1.0, harm[m.principal[i]] + fraction * top)
            assert s.normalised[i, j] == pytest.approx(expected)
            assert s.known[i, j]


def _crime_rows(cfg: Config, principal: str, secondary: list[str]) -> FactorMatrix:
    crimes = list(cfg.crime_types)
    sec = np.zeros((1, len(crimes)), dtype=bool)
    sec[0, [crimes.index(c) for c in secondary]] = True
    day = np.array(["2026-01-01"], dtype="datetime64[D]")
    return FactorMatrix(
        group_id=np.array(["OCG-0001"]),
        raw=np.zeros((1, len(cfg.factors))),
        principal=np.array([crimes.index(principal)]),
        secondary=sec,
        status=np.array(["active"]),
        lro_assigned=np.array([True]),
        confidence=np.array([0]),
        last_review=day,
        last_disruption=day,
    )


def test_crime_type_harm_examples_from_the_table(cfg: Config) -> None:
    j = list(cfg.factors).index("crime_harm")
    fraction = cfg.factors["crime_harm"].secondary_fraction or 0
    by_harm = sorted(cfg.crime_types, key=lambda c: cfg.crime_types[c].harm)
    low, mid, high = by_harm[0], by_harm[len(by_harm) // 2], by_harm[-1]
    harm = {c: cfg.crime_types[c].harm for c in cfg.crime_types}

    def value(principal: str, secondary: list[str]) -> float:
        return float(score(_crime_rows(cfg, principal, secondary), cfg).normalised[0, j])

    assert value(mid, []) == harm[mid]  # principal counts in full
    # only the highest secondary adds, and only its fraction
    assert value(low, [mid, high]) == pytest.approx(harm[low] + fraction * harm[high])
    assert value(low, [mid]) == pytest.approx(harm[low] + fraction * harm[mid])
    assert value(high, [by_harm[-2]]) == 1.0  # capped at 1
    assert harm[high] + fraction * harm[by_harm[-2]] > 1  # so the cap really applied


@given(data=st.data())
@FAST
def test_product_group_is_zero_if_any_factor_is_zero_and_split_equally(
    cfg: Config, data: st.DataObject
) -> None:
    m: FactorMatrix = data.draw(matrices(cfg))
    s = score(m, cfg)
    products = [(g, grp) for g, grp in cfg.groups.items() if grp.combine is Combine.PRODUCT]
    assert products, "the default config has a product group (threat = intent x capability)"
    share = {g: grp.weight / sum(x.weight for x in cfg.groups.values()) for g, grp in products}
    for g, grp in products:
        gi = s.groups.index(g)
        cols = [list(cfg.factors).index(f) for f in grp.factors]
        ks = [s.weighted.index(f) for f in grp.factors]
        values = s.normalised[:, cols]
        zero = (values == 0).any(axis=1)
        assert (s.group_points[zero, gi] == 0).all()
        assert (s.contributions[zero][:, ks] == 0).all()
        expected = 100 * share[g] * values.prod(axis=1)
        np.testing.assert_allclose(s.group_points[:, gi], expected, atol=CLOSE)
        for k in ks:  # every factor of the product gets an equal share
            np.testing.assert_allclose(s.contributions[:, k], expected / len(ks), atol=CLOSE)
        # threat = intent x capability / 16 with raw values 0..4
        known = ~np.isnan(m.raw[:, cols]).any(axis=1)
        raw_product = m.raw[known][:, cols].prod(axis=1)
        top = math.prod(cfg.factors[f].max for f in grp.factors)
        np.testing.assert_allclose(
            s.group_points[known, gi], 100 * share[g] * raw_product / top, atol=CLOSE
        )


def test_empty_input_scores_to_empty_arrays(cfg: Config) -> None:
    s = score(build_matrix([], cfg), cfg)
    assert s.total.shape == (0,)
    assert s.contributions.shape == (0, len(cfg.weighted_factors))
    assert s.group_points.shape == (0, len(cfg.groups))


@given(data=st.data(), sizes=st.sampled_from([1, 25, 300]))
@FAST
def test_min_and_max_are_bit_for_bit_the_design_with_unknowns_at_zero_and_one(
    cfg: Config, data: st.DataObject, sizes: int
) -> None:
    """score_min/score_max come from the one design matrix, patched where values are unknown;
    they must equal, exactly, rebuilding the design with every unknown at 0 and at 1 (the
    bands and flags compare these numbers, and exports print them)."""
    m: FactorMatrix = data.draw(matrices(cfg, min_size=sizes, max_size=sizes))
    s = score(m, cfg)
    values = normalise(m, cfg)
    known = ~np.isnan(values)
    assert np.array_equal(known, s.known)
    for at, found in ((0.0, s.score_min), (1.0, s.score_max)):
        expected = design_matrix(np.where(known, values, at), cfg) @ s.weights * 100.0
        assert np.array_equal(found, expected)
    assert np.array_equal(s.design(), design_matrix(s.normalised, cfg))
    rows = np.arange(len(m))[::-1]
    assert np.array_equal(s.design(rows), design_matrix(s.normalised, cfg)[rows])
