"""Config loading: every bad config is a ConfigError (exit 78) located at the offending node.

The fixtures in tests/data/config/ are ``minimal.yaml`` (valid) and copies of it broken in the one
way each file name says; line numbers below are those of the offending node in that file.
"""

from __future__ import annotations

import copy
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import sample_csv
from socprio import assess
from socprio.config.load import (
    BUILTIN,
    CONFIG_ENV_VAR,
    ConfigProblems,
    builtin_config_text,
    load_config,
    parse_config,
    parse_config_bytes,
    resolve_config_path,
)
from socprio.config.models import (
    ADMIN_COLUMNS,
    MAX_DAYS,
    MAX_WEIGHT,
    MIN_WEIGHT,
    Config,
    LoadedConfig,
    record_columns,
)
from socprio.config.yamlsafe import MAX_CONFIG_BYTES
from socprio.core.stability import one_at_a_time
from socprio.errors import ConfigError, ExitCode

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "data" / "config"
MINIMAL = FIXTURES / "minimal.yaml"
AS_OF = date(2026, 11, 23)


def _error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value


def test_minimal_fixture_is_valid() -> None:
    cfg = load_config(MINIMAL).config
    assert list(cfg.factors) == ["violence", "threat_to_life_active"]
    assert record_columns(cfg) == (*ADMIN_COLUMNS, "violence", "threat_to_life_active")


@pytest.mark.parametrize(
    ("name", "line", "column", "fragment"),
    [
        ("unknown_key.yaml", 6, 3, "record.min_member: Extra inputs are not permitted"),
        ("group_unknown_factor.yaml", 23, 7, "unknown factor 'violance'"),
        ("weight_not_positive.yaml", 20, 5, "groups.harm.weight: Input should be greater than or"),
        ("factor_weight_negative.yaml", 22, 7, "groups.harm.factors.violence: Input should be"),
        ("overlapping_bands.yaml", 25, 15, "bands.1.min: band thresholds overlap"),
        ("rule_unknown_factor.yaml", 28, 5, "rule names unknown factor 'threat_to_lives'"),
        ("yes_as_weight.yaml", 20, 5, "groups.harm.weight: Input should be a valid number"),
        ("exponent_as_weight.yaml", 20, 5, "groups.harm.weight: Input should be a valid number"),
        ("no_as_force.yaml", 4, 17, "record.forces.1: Input should be a valid string"),
        ("yes_as_true_value.yaml", 6, 17, "record.true_values.0: Input should be a valid string"),
        ("octal_file_mode.yaml", 33, 14, "YAML 1.1 reads this as an octal"),
        ("duplicate_key.yaml", 23, 7, "duplicate key 'violence' (first defined on line 22)"),
        ("anchors.yaml", 13, 13, "anchors and aliases"),
        ("python_tag.yaml", 2, 10, "tag !!python/object/apply:os.getcwd is not allowed"),
    ],
)
def test_bad_config_is_located_at_the_offending_node(
    name: str, line: int, column: int, fragment: str
) -> None:
    path = FIXTURES / name
    err = _error(path)
    assert err.exit_code == ExitCode.CONFIG
    assert int(err.exit_code) == 78
    assert (err.file, err.line, err.column) == (str(path), line, column)
    assert str(err).startswith(f"{path}:{line}:{column}: ")
    assert fragment in str(err)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "two_problems.yaml",
            [
                "20:5: groups.harm.weight: Input should be greater than or equal to 0.000001",
                "31:5: overrides.0.min_band: Input should be greater than or equal to 1",
            ],
        ),
        (
            "two_cross_problems.yaml",
            [
                "25:15: bands.1.min: band thresholds overlap: each min must be below the one above",
                "25:15: bands.1.min: the last band must start at 0",
                "28:5: overrides.0.factor: rule names unknown factor 'threat_to_lives'",
            ],
        ),
    ],
)
def test_every_problem_is_reported_each_with_its_own_location(
    name: str, expected: list[str]
) -> None:
    path = FIXTURES / name
    err = _error(path)
    assert str(err).splitlines() == [f"{path}:{e}" for e in expected]
    assert f"{err.line}:{err.column}:" == expected[0].split(" ")[0]


def test_python_tag_is_never_executed(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []

    def spy() -> str:
        called.append("getcwd")
        return "/"

    monkeypatch.setattr("os.getcwd", spy)
    _error(FIXTURES / "python_tag.yaml")
    assert called == []


def test_default_config_is_byte_identical_to_the_packaged_copy() -> None:
    repo_copy = (ROOT / "config" / "scoring.yaml").read_bytes()
    packaged = (ROOT / "src" / "socprio" / "data" / "scoring.yaml").read_bytes()
    assert repo_copy == packaged
    assert builtin_config_text() == packaged


def test_default_config_loads_and_names_its_provenance() -> None:
    loaded = load_config(None)
    assert loaded.path == BUILTIN
    assert len(loaded.sha256) == 64
    assert loaded.short_sha == loaded.sha256[:12]
    assert load_config(ROOT / "config" / "scoring.yaml").sha256 == loaded.sha256
    assert loaded.config.columns.aliases["OCG URN"] == "group_id"


def test_missing_directory_and_oversized_config_are_config_errors(tmp_path: Path) -> None:
    assert "not found" in _error(tmp_path / "nope.yaml").message
    assert "directory" in _error(tmp_path).message
    big = tmp_path / "big.yaml"
    big.write_bytes(MINIMAL.read_bytes() + b"#" * MAX_CONFIG_BYTES)
    assert "cap" in _error(big).message


def test_non_utf8_config_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "cp1252.yaml"
    bad.write_bytes(MINIMAL.read_bytes().replace(b'"test-1"', b'"\xa3"'))
    assert "not UTF-8" in _error(bad).message


def test_config_path_resolution_order(tmp_path: Path) -> None:
    given = tmp_path / "a.yaml"
    assert resolve_config_path(given, {CONFIG_ENV_VAR: "b.yaml"}) == given
    assert resolve_config_path(None, {CONFIG_ENV_VAR: " b.yaml "}) == Path("b.yaml")
    assert resolve_config_path(None, {CONFIG_ENV_VAR: "  "}) is None
    assert resolve_config_path(None, {}) is None


def _minimal_data() -> dict[str, Any]:
    data = yaml.safe_load(MINIMAL.read_text())
    assert isinstance(data, dict)
    return data


def _problems(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ConfigProblems) as info:
        parse_config(data)
    return info.value.problems


def _set(data: dict[str, Any], path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("path", "value", "loc", "fragment"),
    [
        (("factors", "violence", "levels"), ["only"], ("factors", "violence", "levels"), "two"),
        (
            ("groups", "harm"),
            {"label": "H", "weight": 1, "combine": "product", "factors": {"violence": 0.5}},
            ("groups", "harm", "factors"),
            "must all be 1",
        ),
        (("bands", 1, "min"), 10, ("bands", 1, "min"), "start at 0"),
        (("bands", 1, "band"), 3, ("bands", 1, "band"), "numbered"),
        (("overrides", 0, "value"), 2, ("overrides", 0, "value"), "boolean"),
        (("overrides", 0, "min_band"), 9, ("overrides", 0, "min_band"), "no band 9"),
        (("columns",), {"aliases": {"URN": "urn"}}, ("columns", "aliases", "URN"), "not a column"),
        (("record", "group_id_pattern"), "^OCG-[", ("record", "group_id_pattern"), "regular"),
        (("record", "true_values"), ["yes", "no"], ("record",), "distinct"),
        (("confidence",), {"high": ["1A", "4F"]}, ("confidence", "high", 1), "3x5x2"),
        (("factors", "violence", "type"), "colour", ("factors", "violence", "type"), "Input"),
    ],
)
def test_cross_checks_name_the_path_of_the_problem(
    path: tuple[str | int, ...], value: object, loc: tuple[str | int, ...], fragment: str
) -> None:
    data = _set(_minimal_data(), path, value)
    problems = _problems(data)
    assert any(p_loc == loc and fragment in msg for p_loc, msg in problems), problems


def test_factor_weighted_in_two_groups_is_rejected() -> None:
    data = _minimal_data()
    data["groups"]["other"] = {"label": "Other", "weight": 1, "factors": {"violence": 1}}
    assert tuple(loc for loc, _ in _problems(data)) == (("groups", "other", "factors", "violence"),)


def test_config_models_are_frozen_and_strict() -> None:
    cfg = load_config(MINIMAL).config
    with pytest.raises(ValueError, match="frozen"):
        cfg.version = "x"  # type: ignore[misc]
    data = _set(_minimal_data(), ("groups", "harm", "weight"), "1")  # a string is not a number
    assert _problems(data)[0][0] == ("groups", "harm", "weight")


def test_a_group_named_like_a_factor_is_rejected() -> None:
    """Both would export as <name>_points, one silently overwriting the other."""
    data = yaml.safe_load(builtin_config_text())
    data["groups"]["violence"] = data["groups"].pop("harm")
    with pytest.raises(ConfigProblems) as err:
        parse_config(data)
    assert (("groups", "violence"), "group 'violence' has the same name as a factor") in (
        err.value.problems
    )


# --- ranges: every number finite and bounded, every list that ranking divides by non-empty --


def _ranks(cfg: Config, *, groups: int = 30) -> None:
    """Assess a small synthetic sample under ``cfg`` through the public pipeline, with a few
    weight draws, and run the one-at-a-time view."""
    loaded = LoadedConfig(config=cfg, path="<test>", sha256="0" * 64)
    a = assess(sample_csv(cfg, groups=groups, seed=3), loaded, as_of=AS_OF, draws=3, seed=1)
    one_at_a_time(a.scores, a.ranking, cfg)


def test_a_group_weight_of_1e308_is_a_located_config_error_not_all_scores_zero(
    tmp_path: Path,
) -> None:
    """A weight of 1e308 overflowed the normalising total to inf, so every score was 0.0
    and `config check` said ok."""
    text = builtin_config_text().decode().replace("weight: 0.45", "weight: 1.0e+308", 1)
    line = (
        text.splitlines().index(
            "    weight: 1.0e+308 # the strategy targets the highest harm first; MoRiLE is harm-led"
        )
        + 1
    )
    path = tmp_path / "huge.yaml"
    path.write_text(text)
    err = _error(path)
    assert err.exit_code == ExitCode.CONFIG
    assert (err.line, err.column) == (line, 5)
    assert "groups.harm.weight: Input should be less than or equal to 1000000" in str(err)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("groups", "harm", "weight"), 1e308),
        (("groups", "harm", "weight"), 1e-300),
        (("groups", "harm", "weight"), 0.0),
        (("groups", "harm", "factors", "violence"), 1e308),
        (("groups", "harm", "factors", "violence"), 5e-324),
        (("flags",), {"stale_days": 10**20}),
        (("flags",), {"no_disruption_days": 10**20}),
        (("flags",), {"stale_days": 0}),
        (("record", "min_members"), 10**9),
        (("record", "max_secondary_crimes"), 10**9),
        (("stability",), {"concentration": 1e300}),
        (("stability",), {"concentration": 1e-300}),
        (("stability",), {"top_k": 10**30}),
        (("stability",), {"disagree_places": 10**30}),
        (("stability",), {"draws": 10**30}),
        (("bands", 0, "band"), 10**30),
        (("overrides", 0, "min_band"), 10**30),
        (("sub_bands",), []),
        (("record", "true_values"), []),
        (("record", "false_values"), []),
        (("record", "unknown_values"), []),
        (("record", "group_id_pattern"), ""),
        (("record", "group_id_pattern"), "x" * 501),
    ],
)
def test_out_of_range_numbers_and_empty_lists_are_rejected_at_their_path(
    path: tuple[str | int, ...], value: object
) -> None:
    problems = _problems(_set(_minimal_data(), path, value))
    assert any(loc[: len(path)] == path for loc, _ in problems), problems


def test_a_count_cap_beyond_any_cell_is_rejected() -> None:
    data = _minimal_data()
    data["factors"]["links"] = {"type": "count", "label": "L", "of": "linked_groups", "cap": 10**30}
    assert ("factors", "links", "cap") in [loc for loc, _ in _problems(data)]


def test_empty_sub_bands_fail_config_check_instead_of_dividing_by_zero_in_ranking() -> None:
    problems = _problems(_set(_minimal_data(), ("sub_bands",), []))
    assert [loc for loc, _ in problems] == [("sub_bands",)]


def test_repeated_sub_band_letters_are_rejected() -> None:
    problems = _problems(_set(_minimal_data(), ("sub_bands",), ["A", "A"]))
    assert problems == [(("sub_bands",), "sub-band letters must be distinct")]


@pytest.mark.parametrize(
    "pattern",
    [
        "a{4294967296}",  # OverflowError, not re.error
        "a{1,99999999999999999999}",
        "(" * 250 + ")" * 250,  # deep nesting, within the length cap
        "(" * 400 + ")" * 400,  # over the length cap
        "^OCG-[",
        "(?<=a+)b",
        "\\p",
    ],
)
def test_every_kind_of_regex_compile_failure_is_a_config_problem(pattern: str) -> None:
    """A repetition count like {4294967296} made `config check` raise OverflowError."""
    data = _set(_minimal_data(), ("record", "group_id_pattern"), pattern)
    try:
        cfg = parse_config(data)
    except ConfigProblems as exc:
        assert [loc for loc, _ in exc.problems] == [("record", "group_id_pattern")]
    else:  # a pattern that passes the check must work for validation and ranking
        _ranks(cfg)


@pytest.mark.parametrize("name", ["notes", "lead_force", "group_id", "linked_groups", "status"])
def test_a_factor_named_like_an_admin_column_is_rejected(name: str) -> None:
    """It passed `config check` and took the admin column over."""
    data = _minimal_data()
    data["factors"][name] = data["factors"].pop("violence")
    data["groups"]["harm"]["factors"] = {name: 1}
    problems = _problems(data)
    assert (("factors", name), f"'{name}' is an admin column; a factor needs its own name") in (
        problems
    )


def test_weights_at_the_documented_extremes_normalise_and_rank() -> None:
    data = _minimal_data()
    data["factors"]["intent"] = {"type": "ordinal", "label": "I", "levels": ["a", "b"]}
    data["groups"]["harm"] = {
        "label": "H",
        "weight": MIN_WEIGHT,
        "factors": {"violence": MAX_WEIGHT, "intent": MIN_WEIGHT},
    }
    data["groups"]["other"] = {
        "label": "O",
        "weight": MAX_WEIGHT,
        "factors": {"threat_to_life_active": 1},
    }
    cfg = parse_config(data)
    weights = cfg.effective_weights
    assert all(0 < w < 1 for w in weights.values())
    assert math.isclose(math.fsum(weights.values()), 1.0)
    _ranks(cfg)


def test_the_shipped_config_documents_every_range() -> None:
    text = (ROOT / "config" / "scoring.yaml").read_text()
    weights = f"{MIN_WEIGHT:.6f} to {MAX_WEIGHT:.0f}"
    for fragment in (weights, f"1 to {MAX_DAYS}", "concentration 0.01 to 1.0e+30", "sub_bands"):
        assert fragment in text


# --- fuzz: any value in a numeric field is a located ConfigError or a config that ranks ------

NUMERIC_PATHS: tuple[tuple[str | int, ...], ...] = (
    ("groups", "harm", "weight"),
    ("groups", "harm", "factors", "violence"),
    ("groups", "threat", "weight"),
    ("crime_types", "drugs_supply", "harm"),
    ("bands", 0, "min"),
    ("bands", 1, "min"),
    ("bands", 0, "band"),
    ("overrides", 0, "min_band"),
    ("overrides", 0, "value"),
    ("record", "min_members"),
    ("record", "max_secondary_crimes"),
    ("factors", "links", "cap"),
    ("factors", "crime_harm", "secondary_fraction"),
    ("flags", "stale_days"),
    ("flags", "no_disruption_days"),
    ("stability", "draws"),
    ("stability", "concentration"),
    ("stability", "perturbation"),
    ("stability", "top_k"),
    ("stability", "unstable_share"),
    ("stability", "disagree_places"),
    ("output", "file_mode"),
)

ANY_VALUE = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 2, 3, 100, 101, 36_500, 36_501, 10**6, 10**6 + 1, 2**31, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 5e-324, 1e-7, 1e-6, 0.5, 0.999999, 1.0, 1e6, 1.000001e6, 1e30, 1e308]),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
    st.lists(st.integers(0, 3), max_size=2),
)


def _fuzz_base() -> dict[str, Any]:
    data = _minimal_data()
    data["factors"]["intent"] = {"type": "ordinal", "label": "I", "levels": ["a", "b", "c"]}
    data["factors"]["links"] = {"type": "count", "label": "L", "of": "linked_groups", "cap": 5}
    data["factors"]["crime_harm"] = {"type": "crime_type", "label": "C", "secondary_fraction": 0.25}
    data["groups"]["harm"]["factors"] = {"violence": 0.5, "links": 0.3, "crime_harm": 0.2}
    data["groups"]["threat"] = {
        "label": "T",
        "weight": 0.5,
        "combine": "product",
        "factors": {"intent": 1},
    }
    data["overrides"][0] = {"id": "R1", "factor": "violence", "op": "ge", "value": 2, "min_band": 1}
    data["flags"] = {"stale_days": 90, "no_disruption_days": 90}
    data["stability"] = {"draws": 10, "concentration": 200.0, "perturbation": 0.2, "top_k": 5}
    data["stability"] |= {"unstable_share": 0.2, "disagree_places": 10}
    data["output"] = {"file_mode": "0600"}
    return data


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NUMERIC_PATHS), ANY_VALUE), min_size=1, max_size=3))
def test_any_value_in_a_numeric_field_is_a_located_error_or_a_config_that_ranks(
    edits: list[tuple[tuple[str | int, ...], object]],
) -> None:
    data = _fuzz_base()
    for path, value in edits:
        data = _set(data, path, value)
    raw = yaml.safe_dump(data, allow_unicode=True).encode()
    try:
        cfg = parse_config_bytes(raw, source="fuzz.yaml")
    except ConfigError as err:
        assert err.exit_code == ExitCode.CONFIG
        assert err.line is not None and err.column is not None, str(err)
        return
    _ranks(cfg, groups=12)
