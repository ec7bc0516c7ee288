"""Tests for rank stability, one-at-a-time sensitivity and the second-opinion views.

Inputs are seeded synthetic samples; every expectation is a property or an independent
recomputation (a plain Python loop with ``sorted``), never a hard-coded result.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

import numpy as np
import pytest
import yaml

from socprio import Assessment, Flag, assess
from socprio.config.load import load_config, parse_config
from socprio.config.models import Config, LoadedConfig
from socprio.core.matrix import FactorMatrix, build_matrix
from socprio.core.ranking import Ranking, rank, rounded, sub_band
from socprio.core.scoring import Scores, score
from socprio.core.stability import (
    Stability,
    WeightSensitivity,
    one_at_a_time,
    percentile_index,
    second_opinion,
    stability,
)
from socprio.pipeline.frame import OPINION_COLUMNS, STABILITY_COLUMNS
from socprio.sample.generate import generate_rows, write_csv
from socprio.validate.records import RecordBase, build_record_model

AS_OF = date(2026, 11, 23)
EQUAL_WEIGHTS = 1e30  # Dirichlet draws equal the base weights to float precision
TINY = 0.5


@dataclass(frozen=True)
class Run:
    """One scored and ranked sample under one config."""

    cfg: Config
    m: FactorMatrix
    s: Scores
    r: Ranking

    def stability(self, **kwargs: Any) -> Stability:
        """``stability`` on this run."""
        return stability(self.m, self.s, self.r, self.cfg, **kwargs)


def _records(cfg: Config, *, groups: int, dormant: int | None = None) -> list[RecordBase]:
    rows = generate_rows(cfg, groups=groups, seed=11, as_of=AS_OF, dormant=dormant)
    header = next(rows)
    model = build_record_model(cfg)
    return [
        model.model_validate(dict(zip(header, row, strict=True)), context={"as_of": AS_OF})
        for row in rows
    ]


def _run(cfg: Config, records: Sequence[RecordBase]) -> Run:
    m = build_matrix(records, cfg)
    s = score(m, cfg)
    return Run(cfg, m, s, rank(m, s, cfg, as_of=AS_OF))


def _with(cfg: Config, **settings: Any) -> Config:
    """``cfg`` with some stability settings changed, validated again."""
    data = cfg.model_dump(mode="json")
    data["stability"].update(settings)
    return parse_config(data)


@pytest.fixture(scope="module")
def default() -> Config:
    return load_config(None).config


@pytest.fixture(scope="module")
def records(default: Config) -> list[RecordBase]:
    return _records(default, groups=170)


@pytest.fixture(scope="module")
def run(default: Config, records: list[RecordBase]) -> Run:
    return _run(default, records)


def _ranked(run: Run) -> np.ndarray:
    return run.r.rank > 0


def _width(st: Stability, run: Run) -> float:
    ranked = _ranked(run)
    return float((st.rank_p95 - st.rank_p5)[ranked].mean())


def _assert_same(a: Stability, b: Stability) -> None:
    for f in fields(Stability):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "sensitivity":
            _assert_same_sensitivity(x, y)
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        else:
            assert x == y, f.name


def _assert_same_sensitivity(
    a: tuple[WeightSensitivity, ...], b: tuple[WeightSensitivity, ...]
) -> None:
    assert [w.factor for w in a] == [w.factor for w in b]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.down, y.down)
        np.testing.assert_array_equal(x.up, y.up)


# --- the stability summary ----------------------------------------------------------------


def test_equal_weights_collapse_every_interval_to_the_baseline(run: Run) -> None:
    cfg = _with(run.cfg, concentration=EQUAL_WEIGHTS)
    result = Run(cfg, run.m, run.s, run.r).stability(draws=300, seed=1)
    ranked = _ranked(run)
    np.testing.assert_array_equal(result.rank_p5, run.r.rank)
    np.testing.assert_array_equal(result.rank_p95, run.r.rank)
    assert not result.unstable.any()
    assert (result.p_same_band[ranked] == 1.0).all()
    expected_top = (run.r.rank[ranked] <= cfg.stability.top_k).astype(float)
    np.testing.assert_array_equal(result.p_top_k[ranked], expected_top)
    assert result.spearman_median == result.spearman_p5 == 1.0


def test_tiny_concentration_widens_intervals_and_unsettles_bands(run: Run) -> None:
    tight = Run(_with(run.cfg, concentration=EQUAL_WEIGHTS), run.m, run.s, run.r)
    tiny = Run(_with(run.cfg, concentration=TINY), run.m, run.s, run.r)
    widths = [_width(r.stability(draws=400, seed=3), run) for r in (tight, run, tiny)]
    assert widths[0] == 0.0
    assert widths[0] < widths[1] < widths[2]
    loose = tiny.stability(draws=400, seed=3)
    usual = run.stability(draws=400, seed=3)
    assert loose.spearman_median < usual.spearman_median <= 1.0
    assert loose.unstable.sum() > usual.unstable.sum()


def test_summary_invariants(run: Run) -> None:
    st = run.stability(draws=500, seed=5)
    ranked = _ranked(run)
    n = int(ranked.sum())
    assert (st.rank_p5[ranked] >= 1).all()
    assert (st.rank_p5 <= st.rank_p95).all()
    assert (st.rank_p95[ranked] <= n).all()
    for p in (st.p_top_k, st.p_same_band):
        assert ((p >= 0) & (p <= 1)).all()
    # exactly top_k groups are in the top k of each draw, so the shares sum to top_k
    assert st.p_top_k.sum() == pytest.approx(min(run.cfg.stability.top_k, n))
    changed = np.rint((1 - st.p_same_band) * st.draws)
    share = run.cfg.stability.unstable_share
    np.testing.assert_array_equal(st.unstable, ranked & (changed > share * st.draws))
    assert -1 <= st.spearman_p5 <= st.spearman_median <= 1
    assert (st.draws, st.seed, st.top_k) == (500, 5, run.cfg.stability.top_k)


def test_unranked_rows_are_not_assessed(run: Run) -> None:
    st = run.stability(draws=50, seed=2)
    unranked = ~_ranked(run)
    assert unranked.any()  # the sample includes dormant and archived groups
    for values in (st.rank_p5, st.rank_p95, st.p_top_k, st.p_same_band, st.unstable):
        assert not values[unranked].any()


def test_same_seed_same_result_and_another_seed_differs(run: Run) -> None:
    a, b = (run.stability(draws=300, seed=42) for _ in range(2))
    _assert_same(a, b)
    c = run.stability(draws=300, seed=43)
    assert not np.array_equal(a.p_same_band, c.p_same_band) or a.spearman_p5 != c.spearman_p5


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_batching_does_not_change_the_result(run: Run, batch: int) -> None:
    _assert_same(run.stability(draws=150, seed=9, batch=batch), run.stability(draws=150, seed=9))


def test_progress_reports_cumulative_draws_per_batch(run: Run) -> None:
    seen: list[int] = []
    run.stability(draws=30, seed=1, batch=7, progress=seen.append)
    assert seen == [7, 14, 21, 28, 30]


@pytest.mark.parametrize("draws", [5, 41])
def test_vectorised_result_equals_a_plain_loop(run: Run, draws: int) -> None:
    st = run.stability(draws=draws, seed=13, batch=7)
    cfg, s, r = run.cfg, run.s, run.r
    weights = np.random.default_rng(13).dirichlet(cfg.stability.concentration * s.weights, draws)
    rows = [int(i) for i in r.order]
    baseline = {row: i for i, row in enumerate(rows)}
    per_row: dict[int, list[int]] = {row: [] for row in rows}
    same: dict[int, int] = dict.fromkeys(rows, 0)
    rhos = []
    for w in weights:
        total = 100 * s.design() @ w
        effective = np.minimum(sub_band(total, cfg), r.floor)
        printed = rounded(total)
        ordered = sorted(rows, key=lambda i: (effective[i], -printed[i], baseline[i]))
        for position, row in enumerate(ordered, start=1):
            per_row[row].append(position)
            same[row] += int(effective[row] // r.per_band == r.effective[row] // r.per_band)
        draw_ranks = [per_row[row][-1] for row in rows]
        rhos.append(np.corrcoef(np.arange(1, len(rows) + 1), draw_ranks)[0, 1])
    for row in rows:
        assert st.rank_p5[row] == np.percentile(per_row[row], 5, method="lower")
        assert st.rank_p95[row] == np.percentile(per_row[row], 95, method="higher")
        top = sum(p <= cfg.stability.top_k for p in per_row[row])
        assert st.p_top_k[row] == pytest.approx(top / draws)
        assert st.p_same_band[row] == pytest.approx(same[row] / draws)
    assert st.spearman_median == pytest.approx(np.median(rhos))
    assert st.spearman_p5 == pytest.approx(np.percentile(rhos, 5, method="lower"))


@pytest.mark.parametrize("draws", range(1, 260, 7))
def test_percentile_index_matches_numpy(draws: int) -> None:
    values = np.arange(draws)
    assert percentile_index(draws) == np.percentile(values, 5, method="lower")
    assert draws - 1 - percentile_index(draws) == np.percentile(values, 95, method="higher")


def test_bad_arguments_are_refused(run: Run) -> None:
    with pytest.raises(ValueError, match="draws"):
        run.stability(draws=0, seed=1)
    with pytest.raises(ValueError, match="batch"):
        run.stability(draws=5, seed=1, batch=0)


@pytest.mark.parametrize(("groups", "dormant"), [(0, 2), (1, 0)])
def test_tiny_inputs(default: Config, groups: int, dormant: int) -> None:
    small = _run(default, _records(default, groups=groups, dormant=dormant))
    st = small.stability(draws=20, seed=1)
    np.testing.assert_array_equal(st.rank_p5, small.r.rank)
    np.testing.assert_array_equal(st.rank_p95, small.r.rank)
    assert st.spearman_median == st.spearman_p5 == 1.0


# --- one-at-a-time sensitivity -------------------------------------------------------------


def test_a_tiny_perturbation_moves_no_group_across_a_band(run: Run) -> None:
    result = one_at_a_time(run.s, run.r, run.cfg, perturbation=1e-9)
    assert [w.factor for w in result] == list(run.s.weighted)
    assert all(len(w.down) == len(w.up) == 0 for w in result)


def test_one_at_a_time_matches_a_plain_recomputation(run: Run) -> None:
    cfg, s, r = run.cfg, run.s, run.r
    p = cfg.stability.perturbation
    result = one_at_a_time(s, r, cfg)
    _assert_same_sensitivity(result, run.stability(draws=1, seed=0).sensitivity)
    band = r.effective // r.per_band
    for j, item in enumerate(result):
        assert item.weight == s.weights[j]
        for factor, rows in ((1 - p, item.down), (1 + p, item.up)):
            w = s.weights.copy()
            w[j] *= factor
            total = 100 * s.design() @ (w / w.sum())
            moved = np.minimum(sub_band(total, cfg), r.floor) // r.per_band != band
            expected = [int(i) for i in r.order if moved[i]]
            assert rows.tolist() == expected


# --- second opinion ------------------------------------------------------------------------


def _is_view(view: np.ndarray, run: Run, points: np.ndarray) -> None:
    """``view`` ranks the ranked rows 1..n by ``points`` descending, ties by main rank."""
    ranked = _ranked(run)
    assert not view[~ranked].any()
    assert sorted(view[ranked]) == list(range(1, int(ranked.sum()) + 1))
    order = np.argsort(np.where(ranked, view, len(view) + 1))[: int(ranked.sum())]
    keys = [(-points[i], run.r.rank[i]) for i in order]
    assert keys == sorted(keys)


def test_second_opinion_views_and_disagreement(run: Run) -> None:
    so = second_opinion(run.m, run.s, run.r, run.cfg)
    assert so.harm_group == "harm"
    _is_view(so.harm_rank, run, run.s.group_points[:, run.s.groups.index("harm")])
    _is_view(so.attribute_rank, run, so.attribute_share)
    places = run.cfg.stability.disagree_places
    far = (np.abs(so.harm_rank - run.r.rank) > places) | (
        np.abs(so.attribute_rank - run.r.rank) > places
    )
    np.testing.assert_array_equal(so.disagree, _ranked(run) & far)


def test_harm_only_config_agrees_with_the_main_ranking(
    default: Config, records: list[RecordBase]
) -> None:
    data = default.model_dump(mode="json")
    data["groups"] = {"harm": data["groups"]["harm"]}
    data["overrides"] = []  # the views rank points only; overrides would lift the main rank
    data["stability"]["disagree_places"] = len(records)
    harm_only = _run(parse_config(data), records)
    so = second_opinion(harm_only.m, harm_only.s, harm_only.r, harm_only.cfg)
    np.testing.assert_array_equal(so.harm_rank, harm_only.r.rank)
    assert not so.disagree.any()


def test_without_a_harm_group_the_first_group_is_the_harm_view(
    default: Config, records: list[RecordBase]
) -> None:
    data = default.model_dump(mode="json")
    data["groups"] = {"damage": data["groups"]["harm"], **data["groups"]}
    del data["groups"]["harm"]
    renamed = _run(parse_config(data), records)
    so = second_opinion(renamed.m, renamed.s, renamed.r, renamed.cfg)
    assert so.harm_group == "damage"
    _is_view(so.harm_rank, renamed, renamed.s.group_points[:, 0])


# --- printed scores --------------------------------------------------------------------------


def test_draw_scores_are_printed_exactly_as_the_main_ranking_rounds(run: Run) -> None:
    """Float noise just under a printed .x5 (e.g. 64.94999...) is settled first, as in
    ``ranking.rounded``, so a draw never prints (or bands, or orders) a score differently.

    Five groups whose only weighted value is ``noisy``, under one weight of 1: every draw
    is the baseline, so a score printed differently would move a group or its band."""
    noisy = np.array([0.6495 - 1e-15, 0.6495, 0.6495 + 1e-15, 0.40049999999999997, 0.125])
    n = len(noisy)
    m = replace(
        run.m,
        group_id=np.array([f"OCG-{i + 1:04d}" for i in range(n)]),
        raw=run.m.raw[:n],
        principal=run.m.principal[:n],
        secondary=run.m.secondary[:n],
        status=np.full(n, "active"),
        lro_assigned=np.ones(n, dtype=bool),
        confidence=np.zeros(n, dtype=np.int64),
        last_review=np.full(n, np.datetime64(AS_OF, "D")),
        last_disruption=np.full(n, np.datetime64("NaT", "D")),
    )
    total = 100.0 * noisy
    group_points = np.zeros((n, len(run.s.groups)))
    group_points[:, 0] = total
    s = replace(
        run.s,
        normalised=noisy[:, None],
        known=np.ones((n, 1), dtype=bool),
        weighted=run.s.weighted[:1],
        weights=np.array([1.0]),
        design_columns=((0,),),
        contributions=total[:, None],
        group_points=group_points,
        total=total,
        score_min=total,
        score_max=total,
        coverage=np.ones(n),
    )
    cfg = _with(run.cfg, concentration=1.0)
    cfg = cfg.model_copy(update={"overrides": ()})
    r = rank(m, s, cfg, as_of=AS_OF)
    printed = rounded(total)
    assert printed[0] == printed[1] == printed[2]  # three ties, the noisiest first
    np.testing.assert_array_equal(r.rank, np.argsort(np.argsort(-printed, kind="stable")) + 1)
    st = stability(m, s, r, cfg, draws=5, seed=1)
    np.testing.assert_array_equal(st.rank_p5, r.rank)
    np.testing.assert_array_equal(st.rank_p95, r.rank)
    assert (st.p_same_band == 1.0).all()
    np.testing.assert_array_equal(r.effective, sub_band(printed, cfg))


# --- the export columns ----------------------------------------------------------------------


def _source(cfg: Config, *, groups: int) -> bytes:
    out = io.StringIO()
    write_csv(generate_rows(cfg, groups=groups, seed=11, as_of=AS_OF), out)
    return out.getvalue().encode("utf-8")


def _loaded_with(tmp_path: Any, **settings: Any) -> LoadedConfig:
    """The default config with some stability settings changed, as a config file."""
    data = load_config(None).config.model_dump(mode="json")
    data["stability"].update(settings)
    path = tmp_path / "scoring.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def flagged(default: Config, tmp_path_factory: pytest.TempPathFactory) -> Assessment:
    """An assessment with the draws, under settings that raise UNSTABLE and DISAGREE often."""
    loaded = _loaded_with(tmp_path_factory.mktemp("cfg"), unstable_share=0.0, disagree_places=3)
    return assess(_source(default, groups=170), loaded, as_of=AS_OF, draws=40, seed=4)


def test_draws_add_columns_after_score_band_and_flags_in_order(flagged: Assessment) -> None:
    a = flagged
    plain = assess(_source(a.config, groups=170), a.provenance.config, as_of=AS_OF)
    st, so, order = a.stability, a.opinion, a.ranking.order
    assert st is not None
    columns = list(a.table.columns)
    at = columns.index("score_band") + 1
    assert columns[at : at + 6] == [*STABILITY_COLUMNS, *OPINION_COLUMNS]
    assert len(columns) == len(plain.table.columns) + len(STABILITY_COLUMNS)
    assert not set(STABILITY_COLUMNS) & set(plain.table.columns)
    np.testing.assert_array_equal(a.table["rank_p5"], st.rank_p5[order])
    np.testing.assert_array_equal(a.table["p_same_band"], st.p_same_band[order])
    np.testing.assert_array_equal(a.table["attribute_rank"], so.attribute_rank[order])
    unstable, disagree = st.unstable[order], so.disagree[order]
    assert unstable.any() and disagree.any() and not disagree.all()
    flags = list(Flag)
    np.testing.assert_array_equal(a.flags[:, flags.index(Flag.UNSTABLE)], unstable)
    np.testing.assert_array_equal(a.flags[:, flags.index(Flag.DISAGREE)], disagree)
    # the draws add UNSTABLE after the review flags (and DISAGREE, always computed, last)
    review = plain.table["flags"].tolist()
    expected = [
        ";".join([*(f for f in base.split(";") if f and f != "DISAGREE"), *extra])
        for base, extra in zip(
            review,
            [
                [*(["UNSTABLE"] if u else []), *(["DISAGREE"] if d else [])]
                for u, d in zip(unstable, disagree, strict=True)
            ],
            strict=True,
        )
    ]
    assert a.table["flags"].tolist() == expected
    assert not plain.flags[:, flags.index(Flag.UNSTABLE)].any()
    np.testing.assert_array_equal(plain.flags[:, flags.index(Flag.DISAGREE)], disagree)
    assert plain.table["group_id"].tolist() == a.table["group_id"].tolist()  # same order
