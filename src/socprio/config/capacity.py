"""The tasking capacity: how many groups each owner (a lead force, or the regional unit) can
hold as adopted, optionally in effort units, and the preference for continuity.

Pure data, like ``config.models`` (which holds one ``capacity`` field of this type). Every
field has a default, so a config written before capacity existed still loads: with no owner
listed and no ``default_slots``, capacity is unlimited and the slate adopts every group.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

MAX_SLOTS = 1_000_000
Effort = Annotated[float, Field(strict=True, gt=0, le=1e9, allow_inf_nan=False)]
Points = Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]
Loc = tuple[str | int, ...]


class OwnerCapacity(BaseModel):
    """One owner's capacity: lead officer slots, and (optionally) effort units."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slots: StrictInt | None = Field(default=None, ge=0, le=MAX_SLOTS)  # None: unlimited
    effort: Effort | None = None  # None: effort is not limited


class Capacity(BaseModel):
    """Who can hold how many adopted groups, and how much a kept group is preferred."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    owners: dict[StrictStr, OwnerCapacity] = {}
    default_slots: StrictInt | None = Field(default=None, ge=0, le=MAX_SLOTS)
    effort_column: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    continuity: Points = 0.0  # score points added to a currently adopted group's value

    def of(self, owner: str) -> OwnerCapacity:
        """The capacity of ``owner`` (an unlisted owner has ``default_slots``)."""
        return self.owners.get(owner) or OwnerCapacity(slots=self.default_slots)


def capacity_problems(capacity: Capacity, forces: tuple[str, ...]) -> list[tuple[Loc, str]]:
    """Owners that are not a configured lead force (the config's ``record.forces``)."""
    known = set(forces)
    return [
        (("capacity", "owners", name), f"'{name}' is not a lead force in record.forces")
        for name in capacity.owners
        if name not in known
    ]
