"""The collection plan (core.gaps): predictions are what re-scoring gives, exactly.

Checked three ways: through the normal ``assess`` path with the cell written into the CSV;
by brute force over every level of every unknown on hypothesis-drawn factor matrices; and on
hand-made groups (a product group with a zero factor, an unknown threat to life).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import AS_OF, assess_file, matrices, rows_csv, sample_rows
from socprio.config.load import parse_config
from socprio.config.models import Config, FactorType, LoadedConfig
from socprio.core.gaps import Impact, Settle, collection_plan, scope
from socprio.core.matrix import FactorMatrix
from socprio.core.ranking import rank, sub_band
from socprio.core.scoring import score

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plan(a: Any) -> Any:
    return collection_plan(a.matrix, a.scores, a.ranking, a.config)


def _cell(cfg: Config, name: str, level: int) -> str:
    if cfg.factors[name].type is FactorType.BOOLEAN:
        return cfg.record.true_values[0] if level else cfg.record.false_values[0]
    return str(level)


@pytest.fixture(scope="module")
def sample_rows_170(cfg: Config) -> list[dict[str, str]]:
    return sample_rows(cfg, groups=170, seed=20261123)


@pytest.fixture(scope="module")
def policy_rows(policy_config: LoadedConfig) -> list[dict[str, str]]:
    return sample_rows(policy_config.config, groups=170, seed=20261123)


@pytest.fixture(scope="module", params=["neutral", "zero", "conservative", "count column"])
def policy_config(request: pytest.FixtureRequest, config_data: Any) -> LoadedConfig:
    data = config_data()
    if request.param == "count column":  # a count read from its own column can be unknown
        data["factors"]["associates"] = {"type": "count", "label": "Associates", "cap": 6}
        data["groups"]["reach"]["factors"]["associates"] = 0.2
        data["overrides"].append(
            {"id": "R9-many", "factor": "associates", "op": "ge", "value": 5, "min_band": 2}
        )
    else:
        data["defaults"]["unknown_policy"] = request.param
    return LoadedConfig(parse_config(data), f"<{request.param}>", "0" * 64)


@pytest.fixture(scope="module")
def assessed(policy_config: LoadedConfig, policy_rows: list[dict[str, str]]) -> Any:
    return assess_file(rows_csv(policy_rows), policy_config)


@SETTINGS
@given(data=st.data())
def test_resolving_a_pair_gives_exactly_the_predicted_score_band_and_rank(
    data: st.DataObject,
    policy_config: LoadedConfig,
    policy_rows: list[dict[str, str]],
    assessed: Any,
) -> None:
    cfg, rows, a = policy_config.config, policy_rows, assessed
    plan = _plan(a)
    factor = data.draw(st.sampled_from(sorted(set(plan.factor.tolist()))), label="factor")
    i = data.draw(st.sampled_from(np.flatnonzero(plan.factor == factor).tolist()), label="pair")
    highest = data.draw(st.booleans(), label="highest")
    row, name = int(plan.row[i]), list(cfg.factors)[plan.factor[i]]
    gid = str(a.matrix.group_id[row])
    level = cfg.factors[name].max if highest else 0
    changed = [r | {name: _cell(cfg, name, level)} if r["group_id"] == gid else r for r in rows]
    b = assess_file(rows_csv(changed), policy_config)
    at = int(np.flatnonzero(b.matrix.group_id == gid)[0])
    end = "max" if highest else "min"
    assert b.scores.total[at] == getattr(plan, f"score_if_{end}")[i]
    assert b.ranking.effective[at] == getattr(plan, f"band_if_{end}")[i]
    assert b.ranking.rank[at] == getattr(plan, f"rank_if_{end}")[i]


def test_a_group_with_no_unknowns_never_appears(loaded: LoadedConfig, cfg: Config) -> None:
    a = assess_file(rows_csv(sample_rows(cfg, groups=170, seed=5)), loaded)
    plan = _plan(a)
    cells = scope(a.scores, a.ranking, cfg)
    assert len(plan) == cells.sum()
    assert np.all(cells[plan.row, plan.factor])
    without = np.flatnonzero(~cells.any(axis=1))
    assert len(without) and not np.isin(plan.row, without).any()
    assert not np.isin(plan.row, np.flatnonzero(a.ranking.rank == 0)).any()


def test_a_group_whose_score_range_shares_a_band_changes_band_only_by_an_override(
    loaded: LoadedConfig, cfg: Config
) -> None:
    a = assess_file(rows_csv(sample_rows(cfg, groups=170, seed=11)), loaded)
    plan, r = _plan(a), a.ranking
    same = (r.band_min == r.band_max)[plan.row]
    per = r.per_band
    for end in ("min", "max"):
        score_band = sub_band(getattr(plan, f"score_if_{end}"), cfg) // per + 1
        assert np.all(score_band[same] == r.band_min[plan.row][same])
    ruled = np.array([any(x.factor == n for x in cfg.overrides) for n in cfg.factors])
    moves = plan.impact <= Impact.BAND
    assert same.any() and (same & moves).any()  # unknown override factors can still move it
    assert np.all(ruled[plan.factor[same & moves]])


def test_pairs_are_in_decision_order(loaded: LoadedConfig, cfg: Config) -> None:
    a = assess_file(rows_csv(sample_rows(cfg, groups=170, seed=3)), loaded)
    plan = _plan(a)
    score = np.round(a.scores.total[plan.row], 1)
    key = list(zip(plan.impact, -score, a.ranking.rank[plan.row], strict=True))
    assert key == sorted(key)
    assert set(np.unique(plan.impact)) >= {Impact.BAND_1, Impact.NONE}


def _one_row(m: FactorMatrix, row: int, raws: np.ndarray) -> FactorMatrix:
    """``row`` of ``m`` repeated once per row of ``raws``, with those raw values."""
    fields = {
        f.name: np.repeat(getattr(m, f.name)[row : row + 1], len(raws), axis=0)
        for f in dataclasses.fields(m)
    }
    fields["group_id"] = np.array([f"OCG-{i:05d}" for i in range(len(raws))])
    return FactorMatrix(**(fields | {"raw": raws}))


def _bands(m: FactorMatrix, cfg: Config) -> np.ndarray:
    r = rank(m, score(m, cfg), cfg, as_of=AS_OF, include_dormant=True)
    return np.asarray(r.effective // r.per_band + 1)


def _brute(m: FactorMatrix, row: int, unknown: np.ndarray, cfg: Config) -> tuple[bool, set[int]]:
    """(band uncertain, the factors that settle it) by trying every combination of levels."""
    maxima = [list(cfg.factors.values())[j].max for j in unknown]
    combos = np.array(list(itertools.product(*(range(t + 1) for t in maxima))), dtype=float)
    raws = np.repeat(m.raw[row : row + 1], len(combos), axis=0)
    raws[:, unknown] = combos
    bands = _bands(_one_row(m, row, raws), cfg)
    settle = {
        int(j)
        for k, j in enumerate(unknown)
        if all(len(set(bands[combos[:, k] == v])) == 1 for v in range(maxima[k] + 1))
    }
    return len(set(bands)) > 1, settle


def _fewer_unknowns(data: st.DataObject, m: FactorMatrix, cfg: Config) -> FactorMatrix:
    """``m`` with about half its unknowns filled in, so that most groups have a few."""
    maxima = np.array([f.max for f in cfg.factors.values()])
    derived = np.array([f.type is FactorType.CRIME_TYPE for f in cfg.factors.values()])
    shape = m.raw.shape
    fill = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, 1_000))) % (maxima + 1)
    keep = data.draw(hnp.arrays(np.bool_, shape)) & data.draw(hnp.arrays(np.bool_, shape))
    raw = np.where(np.isnan(m.raw) & ~keep, fill, m.raw)
    raw[:, derived] = np.nan
    return dataclasses.replace(m, raw=raw)


def _rule_config(config_data: Any, extra: bool) -> Config:
    data = config_data()
    if extra:  # a rule that holds at a factor's lowest level: uncertainty may be overstated
        data["overrides"].append(
            {"id": "R9-low", "factor": "capability", "op": "le", "value": 0, "min_band": 2}
        )
    return parse_config(data)


def _check_settlement(m: FactorMatrix, cfg: Config, *, exact: bool) -> list[Settle]:
    """Compare the plan's verdict on every group with at most four unknowns to brute force."""
    s = score(m, cfg)
    r = rank(m, s, cfg, as_of=AS_OF, include_dormant=True)
    plan = collection_plan(m, s, r, cfg)
    cells = scope(s, r, cfg)
    checked = []
    for g, row in enumerate(plan.group_row.tolist()):
        unknown = np.flatnonzero(cells[row])
        if len(unknown) > 4:
            continue
        uncertain, settle = _brute(m, row, unknown, cfg)
        state, fact = Settle(plan.group_settle[g]), int(plan.group_fact[g])
        if exact:
            assert (state is not Settle.CERTAIN) == uncertain
            assert (state is Settle.ONE_FACT) == (uncertain and bool(settle))
            assert fact in (settle if state is Settle.ONE_FACT else {-1})
        else:  # never understated, and a fact named does settle the band
            assert uncertain <= (state is not Settle.CERTAIN)
            assert fact == -1 or fact in settle
        checked.append(state)
    return checked


@pytest.mark.parametrize("extra", [False, True], ids=["default rules", "a rule at level 0"])
def test_settled_by_one_fact_matches_every_combination_of_levels(
    extra: bool, config_data: Any, sample_records: Any
) -> None:
    from socprio.core.matrix import build_matrix

    cfg = _rule_config(config_data, extra)
    m = build_matrix(sample_records(cfg, groups=170, seed=20261123), cfg)
    checked = _check_settlement(m, cfg, exact=not extra)
    assert set(checked) == set(Settle)  # every verdict was met and checked


@SETTINGS
@given(data=st.data(), extra=st.booleans())
def test_settlement_holds_on_drawn_matrices(
    data: st.DataObject, extra: bool, config_data: Any
) -> None:
    cfg = _rule_config(config_data, extra)
    m = _fewer_unknowns(data, data.draw(matrices(cfg, max_size=12)), cfg)
    _check_settlement(m, cfg, exact=not extra)


@SETTINGS
@given(data=st.data())
def test_best_and_worst_cover_every_level_and_ranks_merge_exactly(
    data: st.DataObject, cfg: Config
) -> None:
    m = data.draw(matrices(cfg, min_size=2, max_size=15))
    s = score(m, cfg)
    r = rank(m, s, cfg, as_of=AS_OF)
    plan = collection_plan(m, s, r, cfg)
    for i in range(min(len(plan), 8)):
        row, j = int(plan.row[i]), int(plan.factor[i])
        bands, ranks = [], []
        for level in range(list(cfg.factors.values())[j].max + 1):
            raw = m.raw.copy()
            raw[row, j] = level
            m2 = dataclasses.replace(m, raw=raw)
            r2 = rank(m2, score(m2, cfg), cfg, as_of=AS_OF)
            bands.append(int(r2.effective[row] // r2.per_band + 1))
            ranks.append(int(r2.rank[row]))
        assert (plan.band_best[i], plan.band_worst[i]) == (min(bands), max(bands))
        assert (plan.rank_best[i], plan.rank_worst[i]) == (min(ranks), max(ranks))
        assert (plan.rank_if_min[i], plan.rank_if_max[i]) == (ranks[0], ranks[-1])


def _group(rows: list[dict[str, str]], **cells: str) -> tuple[list[dict[str, str]], str]:
    """The rows with the first active group's cells replaced; and that group's id."""
    first = next(r for r in rows if r["status"] == "active")
    return [r | cells if r is first else r for r in rows], first["group_id"]


def test_a_product_group_with_a_zero_factor_gains_nothing_from_the_other(
    loaded: LoadedConfig, sample_rows_170: list[dict[str, str]]
) -> None:
    intent = list(loaded.config.factors).index("intent")
    swings = []
    for capability in ("0", "4"):
        rows, gid = _group(sample_rows_170, capability=capability, intent="U")
        a = assess_file(rows_csv(rows), loaded)
        plan = _plan(a)
        (i,) = np.flatnonzero((a.matrix.group_id[plan.row] == gid) & (plan.factor == intent))
        assert plan.score_if_min[i] <= a.scores.total[plan.row[i]] <= plan.score_if_max[i]
        swings.append(plan.score_if_max[i] - plan.score_if_min[i])
    assert swings[0] == 0.0  # threat = intent x capability: nothing times zero
    assert swings[1] == pytest.approx(30.0)  # the threat group's whole weight


def test_an_unknown_threat_to_life_can_put_a_low_group_into_band_1(
    loaded: LoadedConfig, sample_rows_170: list[dict[str, str]]
) -> None:
    a = assess_file(rows_csv(sample_rows_170), loaded)
    r = a.ranking
    band_3 = (r.effective // r.per_band == 2) & (r.floor == np.iinfo(np.int64).max)
    gid = str(a.matrix.group_id[np.flatnonzero(band_3 & (r.rank > 0))[0]])
    rows = [
        x | {"threat_to_life_active": "U"} if x["group_id"] == gid else x for x in sample_rows_170
    ]
    a = assess_file(rows_csv(rows), loaded)
    plan, cfg = _plan(a), a.config
    j = list(cfg.factors).index("threat_to_life_active")
    (i,) = np.flatnonzero((a.matrix.group_id[plan.row] == gid) & (plan.factor == j))
    assert plan.score_if_min[i] == plan.score_if_max[i]
    assert a.ranking.labels[plan.band_if_max[i]] == "1C"
    assert plan.band_best[i] == 1 and plan.impact[i] == Impact.BAND_1
