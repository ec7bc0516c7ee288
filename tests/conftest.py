"""Shared fixtures for the scoring, ranking, results, render and explain tests.

Inputs are seeded synthetic samples, assessed through the public pipeline (``socprio.assess``)
or validated through the real record model, or factor matrices drawn by hypothesis. Every
expectation in the tests is derived from the config.
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from socprio import Assessment, assess
from socprio.config.load import load_config, parse_config
from socprio.config.models import Config, FactorType, LoadedConfig
from socprio.core.matrix import FactorMatrix
from socprio.sample.generate import generate_rows, write_csv
from socprio.validate.records import RecordBase, build_record_model

AS_OF = date(2026, 11, 23)
CONFIG_PATH = Path(__file__).resolve().parents[1] / "config" / "scoring.yaml"

Records = Callable[..., list[RecordBase]]


@pytest.fixture(scope="session")
def loaded() -> LoadedConfig:
    """The project's default config, loaded from config/scoring.yaml with its hash."""
    return load_config(CONFIG_PATH)


@pytest.fixture(scope="session")
def cfg(loaded: LoadedConfig) -> Config:
    """The default harm matrix."""
    return loaded.config


@pytest.fixture(scope="session")
def config_data() -> Callable[[], dict[str, Any]]:
    """A fresh, mutable copy of the default config as plain data (for ``parse_config``)."""
    data = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    assert parse_config(data) == load_config(CONFIG_PATH).config
    return lambda: copy.deepcopy(data)


def rows_to_records(
    cfg: Config, rows: list[dict[str, str]], *, as_of: date = AS_OF
) -> list[RecordBase]:
    """Validate dicts of cell strings into records."""
    model = build_record_model(cfg)
    return [model.model_validate(row, context={"as_of": as_of}) for row in rows]


def sample_rows(cfg: Config, *, groups: int, seed: int, **kw: Any) -> list[dict[str, str]]:
    """Synthetic rows as dicts of exact cell strings."""
    rows = generate_rows(cfg, groups=groups, seed=seed, as_of=AS_OF, **kw)
    header = next(rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture(scope="session")
def sample_records() -> Records:
    """``make(cfg, groups=, seed=, ...)`` -> validated synthetic records."""

    def make(cfg: Config, *, groups: int, seed: int, **kw: Any) -> list[RecordBase]:
        return rows_to_records(cfg, sample_rows(cfg, groups=groups, seed=seed, **kw))

    return make


STATUSES = ("active", "dormant", "archived")


def _ints(n: int | tuple[int, int], hi: int) -> st.SearchStrategy[Any]:
    return hnp.arrays(np.int64, n, elements=st.integers(0, hi))


def _bools(n: int | tuple[int, int]) -> st.SearchStrategy[Any]:
    return hnp.arrays(np.bool_, n, elements=st.booleans())


@st.composite
def matrices(draw: st.DrawFn, cfg: Config, *, min_size: int = 1, max_size: int = 25) -> Any:
    """A FactorMatrix of raw values 0..max or NaN per factor, with random admin columns."""
    n = draw(st.integers(min_size, max_size))
    k, crimes = len(cfg.factors), len(cfg.crime_types)
    # counts may exceed their cap; the crime-type column is derived, so always NaN in raw
    top = np.array([f.max * (2 if f.type is FactorType.COUNT else 1) for f in cfg.factors.values()])
    raw = (draw(_ints((n, k), 1_000)) % (top + 1)).astype(float)
    derived = np.array([f.type is FactorType.CRIME_TYPE for f in cfg.factors.values()])
    raw[draw(_bools((n, k))) | derived] = np.nan
    principal = draw(_ints(n, crimes - 1))
    secondary = draw(_bools((n, crimes)))
    secondary[np.arange(n), principal] = False
    today = np.datetime64(AS_OF, "D")
    disruption = today - draw(_ints(n, 400)).astype("timedelta64[D]")
    disruption[draw(_bools(n))] = np.datetime64("NaT")
    return FactorMatrix(
        group_id=np.array([f"OCG-{i:04d}" for i in draw(st.permutations(range(n)))], dtype=str),
        raw=raw,
        principal=principal,
        secondary=secondary,
        status=np.array(STATUSES)[draw(_ints(n, 2))],
        lro_assigned=draw(_bools(n)),
        confidence=draw(_ints(n, 2)),
        last_review=today - draw(_ints(n, 400)).astype("timedelta64[D]"),
        last_disruption=disruption,
    )


def sample_csv(cfg: Config, *, groups: int, seed: int, **kw: Any) -> bytes:
    """A synthetic input file's bytes, exactly as ``socprio sample`` writes them."""
    out = io.StringIO()
    write_csv(generate_rows(cfg, groups=groups, seed=seed, as_of=AS_OF, **kw), out)
    return out.getvalue().encode("utf-8")


def rows_csv(rows: list[dict[str, str]]) -> bytes:
    """Rows (dicts of exact cell strings, one header) as input-file bytes."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def assess_file(source: Path | bytes, loaded: LoadedConfig, **kw: Any) -> Assessment:
    """``socprio.assess`` as of the samples' date (keywords pass through)."""
    return assess(source, loaded, **{"as_of": AS_OF} | kw)
