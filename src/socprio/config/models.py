"""The harm-matrix configuration models: enums, strict pydantic models and column constants.

Pure data: nothing here imports yaml, typer, rich or pandas (the core imports this module).
Cross-field checks are in ``config.checks``; reading and locating problems in ``config.load``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from socprio.config.capacity import Capacity
from socprio.config.ledger import LedgerSettings

Loc = tuple[str | int, ...]
# Documented ranges (config/scoring.yaml says the same): every number is finite and bounded,
# so normalised weights can neither overflow nor underflow to 0 and no count overflows numpy.
MIN_WEIGHT, MAX_WEIGHT = 1e-6, 1e6
MIN_CONCENTRATION, MAX_CONCENTRATION = 0.01, 1e30  # 1e30: draws equal the weights
MAX_DAYS = 36_500  # a hundred years
MAX_COUNT = 1_000_000  # the largest count a cell may hold
Concentration = Annotated[
    float, Field(strict=True, ge=MIN_CONCENTRATION, le=MAX_CONCENTRATION, allow_inf_nan=False)
]
Weight = Annotated[float, Field(strict=True, ge=MIN_WEIGHT, le=MAX_WEIGHT, allow_inf_nan=False)]
Fraction = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
Name = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]

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

    group_id_pattern: StrictStr = Field(default="^OCG-[0-9]{4,7}$", min_length=1, max_length=500)
    forces: tuple[StrictStr, ...] = Field(min_length=1)
    disruption_types: tuple[StrictStr, ...] = Field(min_length=1)
    min_members: StrictInt = Field(default=3, ge=1, le=100_000)  # member_count's own range
    max_secondary_crimes: StrictInt = Field(default=4, ge=0, le=64)
    true_values: tuple[StrictStr, ...] = Field(default=("yes", "y", "true", "1"), min_length=1)
    false_values: tuple[StrictStr, ...] = Field(default=("no", "n", "false", "0"), min_length=1)
    unknown_values: tuple[StrictStr, ...] = Field(default=("U",), min_length=1)


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
    cap: StrictInt | None = Field(default=None, ge=1, le=MAX_COUNT)
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

    band: StrictInt = Field(ge=1, le=100)
    min: Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]


class Rule(_Model):
    """An override: when ``factor op value`` holds, the band is at least ``min_band``."""

    id: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    description: StrictStr = ""
    factor: StrictStr
    op: Op
    value: StrictBool | StrictInt
    min_band: StrictInt = Field(ge=1, le=100)
    flag: Literal["ACTION_NOW"] | None = None


class Flags(_Model):
    """Thresholds for review flags."""

    stale_days: StrictInt = Field(default=90, ge=1, le=MAX_DAYS)
    no_disruption_days: StrictInt = Field(default=90, ge=1, le=MAX_DAYS)


class StabilitySettings(_Model):
    """Rank stability under weight uncertainty, and the second-opinion views."""

    draws: StrictInt = Field(default=1000, ge=1, le=1_000_000)
    concentration: Concentration = 200.0
    perturbation: Annotated[float, Field(strict=True, gt=0, lt=1, allow_inf_nan=False)] = 0.2
    top_k: StrictInt = Field(default=10, ge=1, le=MAX_COUNT)
    unstable_share: Fraction = 0.2
    disagree_places: StrictInt = Field(default=45, ge=1, le=MAX_COUNT)


class MovementSettings(_Model):
    """How movement since the previous run is tagged."""

    same_within: StrictInt = Field(default=3, ge=0, le=MAX_COUNT)  # fewer places is SAME


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
    bands: tuple[Band, ...] = Field(min_length=1, max_length=100)
    sub_bands: tuple[Annotated[StrictStr, Field(pattern=r"^[A-Z]$")], ...] = Field(
        default=("A", "B", "C"), min_length=1, max_length=26
    )
    overrides: tuple[Rule, ...] = ()
    flags: Flags = Flags()
    stability: StabilitySettings = StabilitySettings()
    output: OutputSettings = OutputSettings()
    movement: MovementSettings = MovementSettings()
    capacity: Capacity = Capacity()
    ledger: LedgerSettings = LedgerSettings()

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


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with its provenance, printed on every output."""

    config: Config
    path: str  # as given, or "<built-in default>"
    sha256: str
    raw: bytes = field(default=b"", repr=False, compare=False)  # the exact bytes read

    @property
    def short_sha(self) -> str:
        """The first 12 hex digits of the config's SHA-256."""
        return self.sha256[:12]
