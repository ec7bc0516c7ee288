"""The disruption ledger's schema and outcome settings (the ``ledger`` config section).

Pure data: pydantic models with defaults, so a config without a ``ledger`` section loads.
The grade descriptors are LOCAL definitions: there is no national grading of disruptions.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

LEDGER_COLUMNS = (
    "group_id",
    "date",
    "tactic",
    "strand",
    "claimed_grade",
    "assessed_by",
    "verification",
    "evidence_ref",
    "notes",
)
REQUIRED_CELLS = ("group_id", "date", "tactic", "strand", "claimed_grade", "verification")
STRANDS = ("pursue", "prepare", "protect", "prevent")
GRADES = ("major", "moderate", "minor", "none", "negative")
VERIFICATION = ("pending", "verified", "rejected")
DEFAULT_DESCRIPTORS = {
    "major": "the group's capability to cause harm is removed or severely degraded",
    "moderate": "the group's activity is reduced for a sustained period",
    "minor": "a short-lived effect on the group's activity",
    "none": "no discernible effect on the group",
    "negative": "the group was strengthened or harm displaced to others",
}
Weeks = Annotated[StrictInt, Field(ge=1, le=520)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LedgerSettings(_Model):
    """How disruptions are graded (local descriptors) and how outcomes are judged."""

    # The ledger's schema: its columns are LEDGER_COLUMNS; a header cell may instead use one
    # of these aliases (matched without case or surrounding spaces), and a column that is
    # neither is an error unless unknown_columns is "ignore".
    aliases: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    unknown_columns: Literal["reject", "ignore"] = "reject"
    grades: dict[StrictStr, StrictStr] = Field(default_factory=lambda: dict(DEFAULT_DESCRIPTORS))
    horizons_weeks: tuple[Weeks, ...] = Field(default=(4, 8, 12), min_length=1, max_length=10)
    unverified_days: StrictInt = Field(default=28, ge=1, le=36500)
    # UNSUPPORTED applies to claims of these grades with no fall in harm at the horizon.
    supported_grades: tuple[StrictStr, ...] = ("major", "moderate")

    @field_validator("grades")
    @classmethod
    def _every_grade_once(cls, grades: dict[str, str]) -> dict[str, str]:
        """Exactly the five grades, in any order in the file; kept in the grades' order."""
        if set(grades) != set(GRADES):
            raise ValueError(f"ledger.grades must describe exactly {', '.join(GRADES)}")
        return {grade: grades[grade] for grade in GRADES}

    @field_validator("aliases")
    @classmethod
    def _aliases_name_columns(cls, aliases: dict[str, str]) -> dict[str, str]:
        """Each alias names a ledger column; kept normalised (trimmed, case-folded)."""
        wrong = sorted(set(aliases.values()) - set(LEDGER_COLUMNS))
        if wrong:
            raise ValueError(f"ledger.aliases must map to ledger columns, not {', '.join(wrong)}")
        return {alias.strip().casefold(): column for alias, column in aliases.items()}

    @model_validator(mode="after")
    def _known_grades(self) -> LedgerSettings:
        if sorted(set(self.horizons_weeks)) != list(self.horizons_weeks):
            raise ValueError("ledger.horizons_weeks must be distinct and rising")
        if not set(self.supported_grades) <= set(GRADES):
            raise ValueError("ledger.supported_grades must be ledger grades")
        return self
