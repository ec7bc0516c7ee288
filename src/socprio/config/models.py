"""The harm-matrix configuration: strict models, cross-checks, and loading.

``parse_config`` is pure (plain data in, ``Config`` out); ``load_config`` reads a file safely and
locates every problem as ``file:line:col``. Nothing here imports typer, rich or pandas.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from socprio.config.yamlsafe import MAX_CONFIG_BYTES, load_yaml
from socprio.errors import ConfigError

Loc = tuple[str | int, ...]
Weight = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
Name = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]

CONFIG_ENV_VAR = "SOCPRIO_CONFIG"
STRANDS = ("pursue", "prepare", "protect", "prevent")
GRADES = tuple(f"{s}{a}" for s in "123" for a in "ABCDE")


class FactorType(StrEnum):
    """How a factor's cell is read and normalised to 0..1."""

    ORDINAL = "ordinal"  # 0..max, normalised value / max
    BOOLEAN = "boolean"  # the configured spellings, normalised 0 or 1
    COUNT = "count"  # a whole number (or the length of a list field), min(value, cap) / cap
    CRIME_TYPE = "crime_type"  # looked up from principal and secondary crimes


class UnknownPolicy(StrEnum):
    """What an unknown (``U`` or blank) scores as."""

    NEUTRAL = "neutral"  # the midpoint, 0.5
    ZERO = "zero"  # as if none
    CONSERVATIVE = "conservative"  # as if the worst

    @property
    def fill(self) -> float:
        """The normalised value an unknown takes under this policy."""
        return {"neutral": 0.5, "zero": 0.0, "conservative": 1.0}[self.value]


class Combine(StrEnum):
    """How a group combines its normalised factors."""

    SUM = "sum"  # weighted mean
    PRODUCT = "product"  # product: zero if any factor is zero


class Confidence(StrEnum):
    """Confidence in the intelligence behind a record, from its 3x5x2 grading."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Op(StrEnum):
    """Comparison operators for override rules (structured: nothing is evaluated)."""

    EQ = "eq"
    NE = "ne"
    GE = "ge"
    GT = "gt"
    LE = "le"
    LT = "lt"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordRules(_Model):
    """Allowed values of the identity and admin columns, and cell spellings."""

    group_id_pattern: StrictStr = "^OCG-[0-9]{4,7}$"
    forces: tuple[StrictStr, ...] = Field(min_length=1)
    disruption_types: tuple[StrictStr, ...] = Field(min_length=1)
    min_members: StrictInt = Field(default=3, ge=1)
    max_secondary_crimes: StrictInt = Field(default=4, ge=0)
    true_values: tuple[StrictStr, ...] = ("yes", "y", "true", "1")
    false_values: tuple[StrictStr, ...] = ("no", "n", "false", "0")
    unknown_values: tuple[StrictStr, ...] = ("U",)


class Columns(_Model):
    """Header aliases and what to do with a column the config does not know."""

    aliases: dict[StrictStr, StrictStr] = {}
    unknown: Literal["error", "ignore"] = "error"


class Defaults(_Model):
    """Defaults that individual factors may override."""

    unknown_policy: UnknownPolicy = UnknownPolicy.NEUTRAL


class CrimeType(_Model):
    """One Control Strategy crime type and its relative harm."""

    label: StrictStr
    harm: Fraction


class Factor(_Model):
    """A scored factor: how its cell is read and normalised."""

    type: FactorType
    label: StrictStr
    source: StrictStr = ""
    description: StrictStr = ""
    levels: tuple[StrictStr, ...] = ()
    cap: StrictInt | None = Field(default=None, ge=1)
    of: StrictStr | None = None
    secondary_fraction: Fraction | None = None
    unknown: UnknownPolicy | None = None

    @property
    def max(self) -> int:
        """The largest raw value (ordinal: last level; boolean: 1; count: its cap)."""
        if self.type is FactorType.ORDINAL:
            return len(self.levels) - 1
        if self.type is FactorType.COUNT:
            return self.cap or 1
        return 1

    @property
    def has_column(self) -> bool:
        """Whether the factor is read from its own CSV column (else it is derived)."""
        return self.type is not FactorType.CRIME_TYPE and self.of is None


class Group(_Model):
    """A factor group: its weight in the total and how it combines its factors."""

    label: StrictStr
    weight: Weight
    combine: Combine = Combine.SUM
    factors: dict[StrictStr, Weight] = Field(min_length=1)


class Band(_Model):
    """A band and its lower score bound."""

    band: StrictInt = Field(ge=1)
    min: Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]


class Rule(_Model):
    """An override: when ``factor op value`` holds, the band is at least ``min_band``."""

    id: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    description: StrictStr = ""
    factor: StrictStr
    op: Op
    value: StrictBool | StrictInt
    min_band: StrictInt = Field(ge=1)
    flag: Literal["ACTION_NOW"] | None = None


class Flags(_Model):
    """Thresholds for review flags."""

    stale_days: StrictInt = Field(default=90, ge=1)
    no_disruption_days: StrictInt = Field(default=90, ge=1)


class StabilitySettings(_Model):
    """Rank stability under weight uncertainty, and the second-opinion views."""

    draws: StrictInt = Field(default=1000, ge=1, le=1_000_000)
    concentration: Weight = 200.0
    perturbation: Annotated[float, Field(strict=True, gt=0, lt=1, allow_inf_nan=False)] = 0.2
    top_k: StrictInt = Field(default=10, ge=1)
    unstable_share: Fraction = 0.2
    disagree_places: StrictInt = Field(default=45, ge=1)


class OutputSettings(_Model):
    """How output files are written."""

    file_mode: Annotated[StrictStr, Field(pattern=r"^0?[0-7]{3}$")] = "0600"

    @property
    def mode(self) -> int:
        """The file mode as an integer (e.g. 0o600)."""
        return int(self.file_mode, 8)


class Config(_Model):
    """The whole harm matrix, validated once."""

    version: StrictStr
    owner: StrictStr = ""
    marking: StrictStr = "OFFICIAL-SENSITIVE"
    record: RecordRules
    columns: Columns = Columns()
    defaults: Defaults = Defaults()
    crime_types: dict[Name, CrimeType] = Field(min_length=1)
    factors: dict[Name, Factor] = Field(min_length=1)
    groups: dict[Name, Group] = Field(min_length=1)
    confidence: dict[Confidence, tuple[StrictStr, ...]] = {}
    bands: tuple[Band, ...] = Field(min_length=1)
    sub_bands: tuple[Annotated[StrictStr, Field(pattern=r"^[A-Z]$")], ...] = ("A", "B", "C")
    overrides: tuple[Rule, ...] = ()
    flags: Flags = Flags()
    stability: StabilitySettings = StabilitySettings()
    output: OutputSettings = OutputSettings()

    def policy(self, name: str) -> UnknownPolicy:
        """The unknown policy of factor ``name``."""
        return self.factors[name].unknown or self.defaults.unknown_policy

    @cached_property
    def group_of(self) -> dict[str, str]:
        """Factor name -> the group it is weighted in (factors used only by rules are absent)."""
        return {f: g for g, grp in self.groups.items() for f in grp.factors}

    @cached_property
    def weighted_factors(self) -> tuple[str, ...]:
        """Factors that contribute to the score, in group order."""
        return tuple(self.group_of)

    @cached_property
    def effective_weights(self) -> dict[str, float]:
        """Each weighted factor's share of the total score (sums to 1).

        In a product group the group's share is split equally between its factors (the Shapley
        split of a product with a zero baseline), matching how contributions are attributed.
        """
        total = sum(g.weight for g in self.groups.values())
        out: dict[str, float] = {}
        for grp in self.groups.values():
            share = grp.weight / total
            inner = sum(grp.factors.values())
            for name, w in grp.factors.items():
                n = len(grp.factors)
                out[name] = share / n if grp.combine is Combine.PRODUCT else share * w / inner
        return out

    @cached_property
    def confidence_of(self) -> dict[str, Confidence]:
        """Every 3x5x2 grading (e.g. ``1A``) -> its confidence; unlisted gradings are low."""
        table = dict.fromkeys(GRADES, Confidence.LOW)
        for level, grades in self.confidence.items():
            table.update(dict.fromkeys(grades, level))
        return table

    @cached_property
    def band_labels(self) -> tuple[tuple[str, float], ...]:
        """Sub-band labels with their lower bounds, best first (e.g. ``("1A", 88.33)``)."""
        out: list[tuple[str, float]] = []
        upper = 100.0
        for band in self.bands:
            step = (upper - band.min) / len(self.sub_bands)
            for i, letter in enumerate(self.sub_bands):
                out.append((f"{band.band}{letter}", upper - step * (i + 1)))
            upper = band.min
        return tuple(out)


def config_problems(cfg: Config) -> list[tuple[Loc, str]]:
    """Cross-field checks that the field types cannot express, each with its YAML path."""
    problems: list[tuple[Loc, str]] = []

    def add(loc: Loc, message: str) -> None:
        problems.append((loc, message))

    for name, f in cfg.factors.items():
        loc: Loc = ("factors", name)
        if f.type is FactorType.ORDINAL and len(f.levels) < 2:
            add((*loc, "levels"), "an ordinal factor needs at least two levels (0 and a maximum)")
        if f.type is not FactorType.ORDINAL and f.levels:
            add((*loc, "levels"), f"levels apply to ordinal factors, not {f.type.value}")
        if f.type is FactorType.COUNT and f.cap is None:
            add((*loc, "type"), "a count factor needs a cap (the count that scores the maximum)")
        if f.type is not FactorType.COUNT and (f.cap is not None or f.of is not None):
            add((*loc, "type"), "cap and of apply to count factors only")
        if f.of is not None and f.of != "linked_groups":
            add((*loc, "of"), f"a count can be taken of 'linked_groups' only, not '{f.of}'")
        if (f.type is FactorType.CRIME_TYPE) != (f.secondary_fraction is not None):
            add((*loc, "type"), "secondary_fraction is required for, and only for, crime_type")
    seen: dict[str, str] = {}
    for gname in cfg.groups:
        if gname in cfg.factors:  # both would export as <name>_points
            add(("groups", gname), f"group '{gname}' has the same name as a factor")
    for gname, grp in cfg.groups.items():
        for fname in grp.factors:
            floc: Loc = ("groups", gname, "factors", fname)
            if fname not in cfg.factors:
                add(floc, f"unknown factor '{fname}' (not declared under factors)")
            elif fname in seen:
                add(floc, f"factor '{fname}' is already weighted in group '{seen[fname]}'")
            seen[fname] = gname
        if grp.combine is Combine.PRODUCT and any(w != 1 for w in grp.factors.values()):
            add(("groups", gname, "factors"), "factor weights in a product group must all be 1")
    for level, grades in cfg.confidence.items():
        for i, grade in enumerate(grades):
            if grade not in GRADES:
                add(("confidence", level.value, i), f"'{grade}' is not a 3x5x2 grading (1A-3E)")
    previous = 100.01
    for i, band in enumerate(cfg.bands):
        if band.band != i + 1:
            add(
                ("bands", i, "band"), f"bands must be numbered 1, 2, ... in order; expected {i + 1}"
            )
        if band.min >= previous:
            add(
                ("bands", i, "min"), "band thresholds overlap: each min must be below the one above"
            )
        previous = band.min
    if cfg.bands[-1].min != 0:
        add(("bands", len(cfg.bands) - 1, "min"), "the last band must start at 0")
    for i, rule in enumerate(cfg.overrides):
        problems.extend(_rule_problems(cfg, rule, ("overrides", i)))
    ids = [r.id for r in cfg.overrides]
    for i, rid in enumerate(ids):
        if rid in ids[:i]:
            add(("overrides", i, "id"), f"duplicate rule id '{rid}'")
    for header, field in cfg.columns.aliases.items():
        if field not in record_columns(cfg):
            add(("columns", "aliases", header), f"alias target '{field}' is not a column")
    try:
        re.compile(cfg.record.group_id_pattern)
    except re.error as exc:
        add(("record", "group_id_pattern"), f"not a valid regular expression: {exc}")
    spellings = [
        s.casefold()
        for s in (*cfg.record.true_values, *cfg.record.false_values, *cfg.record.unknown_values)
    ]
    if len(set(spellings)) != len(spellings) or "" in spellings:
        add(("record",), "true, false and unknown spellings must be distinct and non-empty")
    return problems


def _rule_problems(cfg: Config, rule: Rule, loc: Loc) -> list[tuple[Loc, str]]:
    factor = cfg.factors.get(rule.factor)
    if factor is None:
        return [((*loc, "factor"), f"rule names unknown factor '{rule.factor}'")]
    if rule.min_band > len(cfg.bands):
        return [((*loc, "min_band"), f"there is no band {rule.min_band}")]
    if factor.type is FactorType.BOOLEAN:
        if not isinstance(rule.value, bool) or rule.op not in (Op.EQ, Op.NE):
            return [((*loc, "value"), "a boolean factor is compared with eq/ne and true/false")]
    elif isinstance(rule.value, bool) or not 0 <= rule.value <= factor.max:
        return [((*loc, "value"), f"value must be a whole number from 0 to {factor.max}")]
    return []


ADMIN_COLUMNS = (
    "group_id",
    "codename",
    "lead_force",
    "status",
    "lro_assigned",
    "principal_crime",
    "secondary_crimes",
    "member_count",
    "intel_source_eval",
    "intel_assessment",
    "last_intel_review",
    "last_disruption_date",
    "disruption_type",
    "opportunity_4p",
    "linked_groups",
    "notes",
)


def record_columns(cfg: Config) -> tuple[str, ...]:
    """Every CSV column the config expects, admin columns first, then input factors."""
    return ADMIN_COLUMNS + tuple(n for n, f in cfg.factors.items() if f.has_column)


class ConfigProblems(Exception):
    """Plain-data config problems, each with its YAML path (located later by the loader)."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))


def parse_config(data: object) -> Config:
    """Validate plain data (as loaded from YAML) into a ``Config``; raise ``ConfigProblems``."""
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigProblems(
            [
                (tuple(e["loc"]), e["msg"])
                for e in exc.errors(include_url=False, include_input=False)
            ]
        ) from None
    problems = config_problems(cfg)
    if problems:
        raise ConfigProblems(problems)
    return cfg


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with its provenance, printed on every output."""

    config: Config
    path: str  # as given, or "<built-in default>"
    sha256: str

    @property
    def short_sha(self) -> str:
        """The first 12 hex digits of the config's SHA-256."""
        return self.sha256[:12]


BUILTIN = "<built-in default>"


def builtin_config_text() -> bytes:
    """The default config that ships inside the package (identical to config/scoring.yaml)."""
    return resources.files("socprio").joinpath("data/scoring.yaml").read_bytes()


def resolve_config_path(option: Path | None, environ: Mapping[str, str]) -> Path | None:
    """``--config``, else ``$SOCPRIO_CONFIG``, else ``None`` for the built-in default."""
    if option is not None:
        return option
    env = environ.get(CONFIG_ENV_VAR, "").strip()
    return Path(env) if env else None


def parse_config_bytes(raw: bytes, *, source: str) -> Config:
    """Decode, load safely and validate config bytes; problems become one located ConfigError."""
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config is {len(raw)} bytes; the cap is {MAX_CONFIG_BYTES}", file=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config is not UTF-8 (byte {exc.start})", file=source) from None
    doc = load_yaml(text, source=source)
    try:
        return parse_config(doc.data)
    except ConfigProblems as exc:
        located = [(doc.locate(loc), loc, msg) for loc, msg in exc.problems]
        (line, col), loc, msg = located[0]
        rest = "".join(
            f"\n{source}:{ln}:{cl}: {_dotted(lc)}: {m}" for (ln, cl), lc, m in located[1:]
        )
        raise ConfigError(
            f"{_dotted(loc)}: {msg}{rest}", file=source, line=line, column=col
        ) from None


def _dotted(loc: Loc) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def load_config(path: Path | None) -> LoadedConfig:
    """Read, hash and validate the config at ``path`` (``None``: the built-in default)."""
    if path is None:
        raw, source = builtin_config_text(), BUILTIN
    else:
        source = str(path)
        try:
            if path.stat().st_size > MAX_CONFIG_BYTES:
                raise ConfigError(
                    f"config is larger than the {MAX_CONFIG_BYTES}-byte cap", file=source
                )
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError("config file not found", file=source) from None
        except IsADirectoryError:
            raise ConfigError("config path is a directory, not a file", file=source) from None
        except OSError as exc:
            raise ConfigError(
                f"cannot read config: {os.strerror(exc.errno or 0)}", file=source
            ) from None
    cfg = parse_config_bytes(raw, source=source)
    return LoadedConfig(config=cfg, path=source, sha256=hashlib.sha256(raw).hexdigest())
