"""Did disruption work? ``outcomes`` on the synthetic history recovers the planted effects."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socprio.config.ledger import LedgerSettings
from socprio.config.models import LoadedConfig
from socprio.history.outcomes import OutcomeReport, load_outcomes
from socprio.history.outcometable import outcomes
from socprio.sample.history import History, write_history

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def history(loaded: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> History:
    return write_history(
        loaded, tmp_path_factory.mktemp("hist"), weeks=12, groups=170, seed=7, as_of=AS_OF
    )


@pytest.fixture(scope="module")
def report(history: History, loaded: LoadedConfig) -> OutcomeReport:
    return load_outcomes(history.ledger.parent, history.ledger, loaded)


def flagged(report: OutcomeReport, flag: str) -> set[tuple[str, date]]:
    rows = report.outcomes.rows
    hit = rows[rows[flag.lower()]]
    return {(g, date.fromisoformat(d)) for g, d in zip(hit["group_id"], hit["date"], strict=True)}


def test_unsupported_is_exactly_the_claims_planted_without_effect(
    history: History, report: OutcomeReport
) -> None:
    assert history.unsupported  # the generator planted some
    assert flagged(report, "UNSUPPORTED") == set(history.unsupported)


def test_regrowth_is_exactly_the_planted_regrowths(history: History, report: OutcomeReport) -> None:
    assert history.regrowth
    assert flagged(report, "REGROWTH") == set(history.regrowth)


def test_planted_falls_fall_and_are_not_flagged(history: History, report: OutcomeReport) -> None:
    rows = report.outcomes.rows.set_index(["group_id", "date"])
    for group, day in history.fall:
        row = rows.loc[(group, day.isoformat())]
        assert row["first_harm_change"] < 0 and row["flags"] == ""
    assert report.outcomes.harm_removed > 0


def test_unverified_is_pending_past_the_configured_age(report: OutcomeReport) -> None:
    rows = report.outcomes.rows
    age = (pd.Timestamp(AS_OF) - pd.to_datetime(rows["date"])).dt.days
    expected = (rows["verification"] == "pending") & (age > 28)
    assert rows["unverified"].tolist() == expected.tolist()
    assert expected.any()


def test_history_is_deterministic_from_the_seed(
    history: History, loaded: LoadedConfig, tmp_path: Path
) -> None:
    again = write_history(loaded, tmp_path / "h", weeks=12, groups=170, seed=7, as_of=AS_OF)
    assert again.ledger.read_bytes() == history.ledger.read_bytes()
    first = load_outcomes(history.ledger.parent, history.ledger, loaded)
    second = load_outcomes(again.ledger.parent, again.ledger, loaded)
    assert first.panel.runs == second.panel.runs  # same manifests, byte for byte


def test_the_nearest_run_at_or_after_each_horizon_is_used() -> None:
    days = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-02-09", "2026-03-16"])
    panel = pd.DataFrame(
        {
            "as_of": days,
            "group_id": "OCG-0001",
            "lead_force": "WMP",
            "band": ["1A", "1A", "2A", "1A"],
            "band_number": [1, 1, 2, 1],
            "score": [80.0, 80.0, 50.0, 81.0],
            "harm": [30.0, 30.0, 10.0, 31.0],
        }
    )
    ledger = pd.DataFrame(
        {
            "group_id": ["OCG-0001"],
            "date": pd.to_datetime(["2026-01-12"]),  # on a run day: that run is the pre
            "tactic": ["arrest"],
            "strand": ["pursue"],
            "claimed_grade": ["major"],
            "verification": ["verified"],
            "assessed_by": ["ROCU"],
            "evidence_ref": ["EV"],
            "notes": [""],
        }
    )
    o = outcomes(panel, ledger, LedgerSettings(), as_of=date(2026, 3, 16), window_days=90)
    row = o.rows.iloc[0]
    assert row["pre_run"] == "2026-01-12" and row["h4_run"] == "2026-02-09"
    assert row["h8_run"] == "2026-03-16" and row["h12_run"] == ""
    assert row["h4_harm_change"] == -20.0 and np.isnan(row["h12_harm"])
    assert row["flags"] == "REGROWTH"
    assert o.harm_removed == 20.0
    assert o.weeks["band1_disrupted"].tolist() == [0, 1, 0, 1]


def test_harm_removed_counts_each_group_once_and_no_rejected_claim() -> None:
    from socprio.core.outcomes import harm_removed

    first = np.array([-5.0, -8.0, -3.0, 2.0, -4.0, np.nan])
    g = np.array([0, 0, 1, 1, 2, 3])  # group 0 disrupted twice: its largest fall, 8, counts
    live = np.array([True, True, True, True, False, True])  # group 2's claim was rejected
    assert harm_removed(first, g, live) == 11.0
