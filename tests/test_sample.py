"""Synthetic sample generator: every row valid, realistic mixes, deterministic, config-driven."""

from __future__ import annotations

import ast
import copy
import csv
import io
import os
import re
import stat
import statistics
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from typer.testing import CliRunner

from socprio.cli import app
from socprio.config.load import load_config, parse_config
from socprio.config.models import ADMIN_COLUMNS, STRANDS, Config, record_columns
from socprio.errors import ExitCode, UsageError
from socprio.sample import generate as sample
from socprio.sample.bias import Bias, biasable_factors, parse_bias, shift_levels
from socprio.sample.csvout import write_stream
from socprio.sample.generate import (
    SAMPLE_AS_OF,
    SAMPLE_GROUPS,
    SAMPLE_SEED,
    generate_blocks,
    generate_csv,
    generate_rows,
    write_csv,
)
from socprio.validate.records import RecordBase, build_record_model

AS_OF = date(2026, 3, 14)
GROUPS = 2000
SEED = 7
Rows = list[tuple[str, ...]]


@pytest.fixture(scope="module")
def cfg() -> Config:
    return load_config(None).config


@pytest.fixture(scope="module")
def rows(cfg: Config) -> Rows:
    return list(generate_rows(cfg, groups=GROUPS, seed=SEED, as_of=AS_OF))


def validate(cfg: Config, rows: Rows, as_of: date = AS_OF) -> list[RecordBase]:
    model = build_record_model(cfg)
    header = rows[0]
    return [
        model.model_validate(dict(zip(header, r, strict=True)), context={"as_of": as_of})
        for r in rows[1:]
    ]


@pytest.fixture(scope="module")
def records(cfg: Config, rows: Rows) -> list[RecordBase]:
    return validate(cfg, rows)


def column(rows: Rows, name: str) -> list[str]:
    i = rows[0].index(name)
    return [r[i] for r in rows[1:]]


def as_csv(rows: Any) -> str:
    out = io.StringIO()
    write_csv(rows, out)
    return out.getvalue()


def base_data() -> dict[str, Any]:
    text = resources.files("socprio").joinpath("data/scoring.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


# --- structure and validity ---------------------------------------------------------------------


def test_header_is_the_config_record_columns(cfg: Config, rows: Rows) -> None:
    assert rows[0] == record_columns(cfg)
    assert all(len(r) == len(rows[0]) for r in rows)


def test_every_row_passes_the_record_model(cfg: Config, records: list[RecordBase]) -> None:
    assert len(records) == GROUPS + round(GROUPS * 0.05) + round(GROUPS * 0.03)


def test_exactly_groups_active_plus_default_dormant_and_archived(records: list[RecordBase]) -> None:
    status = Counter(r.status.value for r in records)
    assert status == {"active": GROUPS, "dormant": 100, "archived": 60}


@pytest.mark.parametrize(
    ("groups", "dormant", "archived"), [(0, 0, 0), (1, 0, 0), (5, 0, 0), (20, 1, 1), (40, 2, 1)]
)
def test_default_extras_for_small_sets(
    cfg: Config, groups: int, dormant: int, archived: int
) -> None:
    rows = list(generate_rows(cfg, groups=groups, seed=3, as_of=AS_OF))
    status = Counter(r.status.value for r in validate(cfg, rows))
    assert (status["active"], status["dormant"], status["archived"]) == (groups, dormant, archived)


def test_explicit_dormant_and_archived(cfg: Config) -> None:
    rows = list(generate_rows(cfg, groups=30, seed=3, as_of=AS_OF, dormant=0, archived=7))
    assert Counter(column(rows, "status")) == {"active": 30, "archived": 7}


def test_negative_counts_are_rejected(cfg: Config) -> None:
    with pytest.raises(ValueError, match="negative"):
        generate_rows(cfg, groups=10, seed=1, as_of=AS_OF, archived=-1)


def test_ids_are_unique_in_order_and_links_name_other_existing_groups(rows: Rows) -> None:
    ids = column(rows, "group_id")
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert ids[0] == "OCG-0001"
    known = set(ids)
    counts: Counter[int] = Counter()
    for gid, links in zip(ids, column(rows, "linked_groups"), strict=True):
        items = links.split(";") if links else []
        counts[len(items)] += 1
        assert gid not in items and len(set(items)) == len(items)
        assert set(items) <= known
    assert set(counts) == {0, 1, 2, 3}


def test_ids_widen_past_9999_and_still_match_the_pattern(cfg: Config) -> None:
    ids = column(list(generate_rows(cfg, groups=10_000, seed=2, as_of=AS_OF)), "group_id")
    assert ids[0] == "OCG-00001" and ids[-1] == f"OCG-{len(ids):05d}"
    pattern = re.compile(cfg.record.group_id_pattern)
    assert all(pattern.match(i) for i in (ids[0], ids[-1]))


def test_ids_that_cannot_match_the_configured_pattern_are_an_error() -> None:
    data = base_data()
    data["record"]["group_id_pattern"] = "^OCG-[0-9]{4}$"
    with pytest.raises(ValueError, match="group_id_pattern"):
        generate_rows(parse_config(data), groups=10_000, seed=1, as_of=AS_OF)


def test_admin_generators_cover_every_admin_column() -> None:
    assert set(ADMIN_COLUMNS) <= sample.GENERATED_ADMIN


def test_small_chunks_give_the_same_properties(
    cfg: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sample, "CHUNK_ROWS", 97)
    rows = list(generate_rows(cfg, groups=500, seed=11, as_of=AS_OF))
    records = validate(cfg, rows)
    assert [r.group_id for r in records] == [f"OCG-{i:04d}" for i in range(1, len(records) + 1)]
    assert len({r.codename for r in records}) == len(records)


def test_shipped_sample_settings_validate(cfg: Config) -> None:
    rows = list(generate_rows(cfg, groups=SAMPLE_GROUPS, seed=SAMPLE_SEED, as_of=SAMPLE_AS_OF))
    records = validate(cfg, rows, SAMPLE_AS_OF)
    assert sum(r.status.value == "active" for r in records) == SAMPLE_GROUPS


# --- realism ------------------------------------------------------------------------------------


def test_unknown_share_per_factor_is_10_to_25_percent(cfg: Config, rows: Rows) -> None:
    unknown = {*cfg.record.unknown_values, ""}
    shares = {}
    for name, factor in cfg.factors.items():
        if factor.has_column:
            cells = column(rows, name)
            shares[name] = sum(c in unknown for c in cells) / len(cells)
    assert shares and all(0.10 <= s <= 0.25 for s in shares.values()), shares
    assert len({round(s, 2) for s in shares.values()}) > 3  # varies per factor
    every = [c for name in shares for c in column(rows, name)]
    assert "" in every and cfg.record.unknown_values[0] in every


def test_member_counts_are_skewed_with_median_about_ten(records: list[RecordBase]) -> None:
    members = [r.member_count for r in records]
    assert 8 <= statistics.median(members) <= 12
    assert statistics.mean(members) > statistics.median(members)
    assert 2 in members and min(members) == 2 and max(members) <= 250
    assert 0.002 <= members.count(2) / len(members) <= 0.03


def test_drugs_and_county_lines_dominate_with_a_tail(records: list[RecordBase]) -> None:
    share = Counter(r.principal_crime for r in records)
    top_two = share["drugs_supply"] + share["county_lines"]
    assert {c for c, _ in share.most_common(2)} == {"drugs_supply", "county_lines"}
    assert 0.5 <= top_two / len(records) <= 0.7
    assert {"fraud", "msht", "oic", "firearms", "money_laundering"} <= set(share)


def test_secondary_crimes_never_repeat_the_principal(records: list[RecordBase]) -> None:
    counts = Counter(len(r.secondary_crimes) for r in records)
    assert set(counts) == {0, 1, 2, 3}
    assert all(r.principal_crime not in r.secondary_crimes for r in records)


def mean_of(records: list[RecordBase], factor: str, crimes: set[str]) -> float:
    values = [r.factor(factor) for r in records if r.principal_crime in crimes]
    return statistics.fmean(int(v) for v in values if v is not None)


def test_factors_are_correlated_with_crime_type(records: list[RecordBase]) -> None:
    everyone = {r.principal_crime for r in records}
    assert mean_of(records, "weapons_access", {"firearms"}) > mean_of(
        records, "weapons_access", everyone - {"firearms"}
    )
    assert mean_of(records, "violence", {"firearms"}) > mean_of(records, "violence", everyone)
    assert mean_of(records, "exploitation", {"county_lines"}) > mean_of(
        records, "exploitation", everyone - {"county_lines", "cse", "msht"}
    )
    white_collar = {"fraud", "cyber"}
    assert mean_of(records, "violence", white_collar) < mean_of(records, "violence", everyone)
    for factor in ("countermeasures", "financial_band"):
        assert mean_of(records, factor, white_collar) > mean_of(records, factor, everyone)


def test_override_flags_are_rare(records: list[RecordBase]) -> None:
    def rate(name: str) -> float:
        known = [r.factor(name) for r in records if r.factor(name) is not None]
        return sum(map(int, known)) / len(known)

    assert 0.005 <= rate("threat_to_life_active") <= 0.04
    assert 0.025 <= rate("firearms_discharge_12m") <= 0.08


def test_admin_mixes(cfg: Config, records: list[RecordBase]) -> None:
    n = len(records)
    forces = Counter(r.lead_force for r in records)
    assert forces.most_common()[0][0] == "WMP" and forces.most_common()[-1][0] == "ROCU"
    assert 0.10 <= sum(not r.lro_assigned for r in records) / n <= 0.20
    assert Counter(r.grading for r in records).most_common(1)[0][0] == "2B"
    assert all(1 <= len(r.opportunity_4p) <= 3 for r in records)
    assert {s for r in records for s in r.opportunity_4p} == set(STRANDS)
    assert {r.disruption_type for r in records} - {None} <= set(cfg.record.disruption_types)


def test_dates_are_recent_some_stale_some_uk_format(rows: Rows, records: list[RecordBase]) -> None:
    n = len(records)
    ages = [(AS_OF - r.last_intel_review).days for r in records]
    assert min(ages) >= 0 and max(ages) <= 200
    assert 0.15 <= sum(a > 90 for a in ages) / n <= 0.25
    disrupted = [r.last_disruption_date for r in records if r.last_disruption_date is not None]
    assert 0.3 <= 1 - len(disrupted) / n <= 0.5
    assert all(AS_OF - timedelta(days=400) <= d <= AS_OF for d in disrupted)
    reviews = column(rows, "last_intel_review")
    uk = sum("/" in d for d in reviews)
    assert 0 < uk < len(reviews) / 4


def test_codenames_are_unique_invented_pairs(records: list[RecordBase]) -> None:
    names = [r.codename for r in records]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Z]+ [A-Z]+", n) and 3 <= len(n) <= 40 for n in names)


def test_codenames_stay_unique_past_the_word_pairs(cfg: Config) -> None:
    names = column(list(generate_rows(cfg, groups=6_000, seed=5, as_of=AS_OF)), "codename")
    assert len(set(names)) == len(names)
    assert any(re.fullmatch(r"[A-Z]+ [A-Z]+ \d+", n) for n in names)
    assert max(len(n) for n in names) <= 40


def test_notes_exercise_csv_quoting(rows: Rows) -> None:
    notes = column(rows, "notes")
    assert "" in notes and any("," in n for n in notes) and any('"' in n for n in notes)


# --- output -------------------------------------------------------------------------------------


def test_write_csv_uses_lf_and_round_trips(rows: Rows) -> None:
    text = as_csv(rows)
    assert "\r" not in text and text.endswith("\n")
    assert [tuple(r) for r in csv.reader(io.StringIO(text))] == rows


def test_same_inputs_give_byte_identical_output(cfg: Config) -> None:
    def run() -> str:
        return as_csv(generate_rows(cfg, groups=300, seed=42, as_of=AS_OF))

    assert run() == run()


def test_different_seeds_or_dates_differ(cfg: Config) -> None:
    base = as_csv(generate_rows(cfg, groups=300, seed=42, as_of=AS_OF))
    assert as_csv(generate_rows(cfg, groups=300, seed=43, as_of=AS_OF)) != base
    later = AS_OF + timedelta(days=1)
    assert as_csv(generate_rows(cfg, groups=300, seed=42, as_of=later)) != base


# --- config-driven ------------------------------------------------------------------------------


def test_a_factor_added_to_the_config_is_generated_with_no_code_change() -> None:
    data = copy.deepcopy(base_data())
    data["factors"]["drone_use"] = {
        "type": "ordinal",
        "label": "Drone use",
        "levels": ["none", "suspected", "confirmed"],
    }
    data["factors"]["tip_offs"] = {"type": "count", "label": "Tip-offs", "cap": 4}
    data["factors"]["uses_couriers"] = {"type": "boolean", "label": "Uses couriers"}
    data["record"]["true_values"] = ["Y", "yes"]
    data["record"]["false_values"] = ["N", "no"]
    cfg = parse_config(data)
    rows = list(generate_rows(cfg, groups=GROUPS, seed=9, as_of=AS_OF))
    assert {"drone_use", "tip_offs", "uses_couriers"} <= set(rows[0])
    records = validate(cfg, rows)
    drone = Counter(r.factor("drone_use") for r in records)
    assert set(drone) == {0, 1, 2, None}
    assert 0.10 <= drone[None] / len(records) <= 0.25
    assert max(r.factor("tip_offs") or 0 for r in records) <= 8
    assert set(column(rows, "uses_couriers")) == {"Y", "N", "U", ""}
    assert set(column(rows, "lro_assigned")) == {"Y", "N"}


# --- layout and chunked output ------------------------------------------------------------------


def test_sample_modules_are_small_with_short_functions() -> None:
    folder = Path(sample.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") < 400, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                assert node.end_lineno is not None
                assert node.end_lineno - node.lineno < 60, f"{path.name}: {node.name}"


def test_csv_chunks_join_to_the_whole_file_one_chunk_per_block(
    cfg: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sample, "CHUNK_ROWS", 97)
    chunks = list(generate_csv(cfg, groups=500, seed=11, as_of=AS_OF))
    whole = as_csv(generate_rows(cfg, groups=500, seed=11, as_of=AS_OF))
    assert "".join(chunks) == whole
    total = 500 + 25 + 15
    assert len(chunks) == 1 + -(-total // 97)
    assert chunks[0] == ",".join(record_columns(cfg)) + "\n"
    assert all(c.endswith("\n") for c in chunks)


def test_blocks_are_at_most_chunk_rows_and_arguments_are_checked_eagerly(
    cfg: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sample, "CHUNK_ROWS", 64)
    blocks = list(generate_blocks(cfg, groups=200, seed=1, as_of=AS_OF))
    assert blocks[0] == [record_columns(cfg)]
    assert [len(b) for b in blocks[1:]] == [64, 64, 64, 24]
    with pytest.raises(ValueError, match="negative"):
        generate_csv(cfg, groups=-1, seed=1, as_of=AS_OF)


# --- the sample command ------------------------------------------------------------------------


def test_write_stream_writes_every_chunk() -> None:
    out = io.StringIO()
    assert write_stream(iter(["a,b\n", "1,2\n"]), out) is True
    assert out.getvalue() == "a,b\n1,2\n"


def test_write_stream_stops_quietly_when_the_reader_closes_the_pipe() -> None:
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    with os.fdopen(write_fd, "w", encoding="utf-8") as stream:
        assert write_stream(iter(["x" * 200_000, "never written"]), stream) is False
        stream.write("the descriptor now points at the null device\n")
        stream.flush()


def test_sample_into_a_closed_pipe_exits_0_quietly() -> None:
    cmd = [sys.executable, "-m", "socprio", "sample", "--groups", "20000"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith(b"group_id,")
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=120) == 0, err
    assert err == b""


def test_sample_file_is_0644_and_streamed_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socprio.write import output as write_module

    seen: list[object] = []
    real = write_module.write_output

    def spy(path: Path, data: object, **kwargs: Any) -> None:
        seen.append(data)
        real(path, data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(write_module, "write_output", spy)
    monkeypatch.setattr(sample, "CHUNK_ROWS", 50)
    target = tmp_path / "ocgs.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)  # as `make sample` used to leave the tracked file
    result = CliRunner().invoke(app, ["sample", "--groups", "300", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert len(seen) == 1 and not isinstance(seen[0], (str, bytes))
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 1 + 300 + 15 + 9


def test_sample_help_documents_the_file_mode() -> None:
    result = CliRunner().invoke(app, ["sample", "--help"])
    assert result.exit_code == 0 and "0644" in result.stdout


# --- planted biases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("WARKS:violence:+1", Bias("WARKS", "violence", 1)),
        ("WMP:intent:-2", Bias("WMP", "intent", -2)),
        (" ROCU:capability:3 ", Bias("ROCU", "capability", 3)),
    ],
)
def test_parse_bias(cfg: Config, spec: str, expected: Bias) -> None:
    assert parse_bias(spec, cfg) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("WARKS:violence", "expected FORCE:FACTOR:+N"),
        ("WARKS:violence:+x", "expected FORCE:FACTOR:+N"),
        ("WARKS:violence:+1:2", "expected FORCE:FACTOR:+N"),
        ("warks:violence:+1", "valid forces: WMP, STAFFS, WARKS, WMERCIA, ROCU"),
        ("WARKS:threat_to_life_active:+1", "valid factors: violence, "),
        ("WARKS:crime_harm:+1", "not an ordinal or count factor"),
        ("WARKS:nonsense:+1", "not an ordinal or count factor"),
        ("WARKS:violence:0", "must not be 0"),
    ],
)
def test_parse_bias_rejects_with_the_valid_values(cfg: Config, spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)) as caught:
        parse_bias(spec, cfg)
    assert caught.value.exit_code == ExitCode.USAGE


def test_biasable_factors_are_the_ordinal_and_count_columns(cfg: Config) -> None:
    names = biasable_factors(cfg)
    assert "violence" in names and "threat_to_life_active" not in names
    assert all(cfg.factors[n].has_column for n in names)


@given(
    data=st.data(),
    top=st.integers(1, 8),
    shift=st.integers(-6, 6).filter(bool),
    size=st.integers(0, 60),
)
def test_shift_levels_moves_only_known_values_of_the_chosen_rows(
    data: st.DataObject, top: int, shift: int, size: int
) -> None:
    codes = data.draw(hnp.arrays(np.int64, size, elements=st.integers(0, top + 2)))
    rows = data.draw(hnp.arrays(np.bool_, size))
    out = shift_levels(codes, rows=rows, shift=shift, top=top)
    known = codes <= top
    assert np.array_equal(out[~rows | ~known], codes[~rows | ~known])
    moved = rows & known
    assert np.array_equal(out[moved], np.clip(codes[moved] + shift, 0, top))
    assert np.all(np.abs(out - codes) <= abs(shift))
    assert np.all(np.sign(out - codes) * shift >= 0)


def count_config() -> Config:
    data = base_data()
    data["factors"]["tip_offs"] = {"type": "count", "label": "Tip-offs", "cap": 3}
    return parse_config(data)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    groups=st.integers(1, 80),
    force=st.sampled_from(["WMP", "STAFFS", "WARKS", "WMERCIA", "ROCU"]),
    factor=st.sampled_from(["violence", "intent", "financial_band", "tip_offs"]),
    shift=st.integers(-5, 5).filter(bool),
)
def test_a_bias_changes_only_that_factor_for_that_force_within_range(
    seed: int, groups: int, force: str, factor: str, shift: int
) -> None:
    cfg = count_config()
    args: dict[str, Any] = {"groups": groups, "seed": seed, "as_of": AS_OF}
    plain = list(generate_rows(cfg, **args))
    biased = list(generate_rows(cfg, **args, biases=[Bias(force, factor, shift)]))
    assert plain == list(generate_rows(cfg, **args, biases=()))
    header = plain[0]
    assert biased[0] == header
    col, lead = header.index(factor), header.index("lead_force")
    top = 2 * 3 if factor == "tip_offs" else cfg.factors[factor].max
    for before, after in zip(plain[1:], biased[1:], strict=True):
        assert before[:col] + before[col + 1 :] == after[:col] + after[col + 1 :]
        old, new = before[col], after[col]
        if before[lead] != force or not old.isdigit():
            assert new == old  # other forces, and unknowns ("U" or blank), are untouched
        else:
            assert int(new) == min(max(int(old) + shift, 0), top)


def test_biases_are_checked_before_any_row(cfg: Config) -> None:
    with pytest.raises(UsageError, match="valid forces"):
        generate_rows(cfg, groups=5, seed=1, as_of=AS_OF, biases=[Bias("NOPE", "violence", 1)])


def test_sample_bias_option() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["sample", "--bias", "WARKS:violence:+9"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    plain = list(csv.reader(io.StringIO(runner.invoke(app, ["sample"]).stdout)))
    col, lead = rows[0].index("violence"), rows[0].index("lead_force")
    changed = [a for a, b in zip(rows, plain, strict=True) if a != b]
    assert changed and all(r[lead] == "WARKS" and r[col] == "4" for r in changed)
    bad = runner.invoke(app, ["sample", "--bias", "WARKS:threat_to_life_active:+1"])
    assert bad.exit_code == ExitCode.USAGE and "valid factors: violence" in bad.stderr
