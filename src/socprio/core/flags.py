"""CORE: the review flags, their order and their meanings, defined once for every output."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Flag(StrEnum):
    """Review flags, in the order every output prints them.

    The first seven come from the ranking itself; UNSTABLE needs the weight draws and DISAGREE
    the second opinion, so those two are set only when the pipeline computed them.
    """

    ACTION_NOW = "ACTION_NOW"
    OVERRIDE = "OVERRIDE"
    GAP = "GAP"
    STALE = "STALE"
    NO_LRO = "NO_LRO"
    NO_DISRUPTION = "NO_DISRUPTION"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    UNSTABLE = "UNSTABLE"
    DISAGREE = "DISAGREE"

    @property
    def meaning(self) -> str:
        """What the flag says about a group, in plain English."""
        return MEANING[self]

    @property
    def short(self) -> str:
        """The flag's abbreviation, for outputs short of room (the terminal table). It is only
        an abbreviation of the one name above: every output that prints it prints ``legend``
        beside it, and every other output prints the full name."""
        return SHORT[self]


def legend(flags: Iterable[Flag] = tuple(Flag)) -> list[str]:
    """One line per flag, in Flag order: its abbreviation, its name and its meaning."""
    shown = set(flags)
    return [f"{f.short:<5} {f.value}: {f.meaning}" for f in Flag if f in shown]


MEANING: dict[Flag, str] = {
    Flag.ACTION_NOW: "an active threat to life: act now",
    Flag.OVERRIDE: "an override rule lifted the band above the score's band",
    Flag.GAP: "unknown factors could move it to another band: a collection priority",
    Flag.STALE: "the intelligence review is older than the stale limit",
    Flag.NO_LRO: "Band 1-2 without a lead responsible officer",
    Flag.NO_DISRUPTION: "Band 1 with no disruption recorded within the limit",
    Flag.LOW_CONFIDENCE: "the 3x5x2 grading gives low confidence",
    Flag.UNSTABLE: "its band changes under plausible weights",
    Flag.DISAGREE: "a simpler view (harm only, or attribute count) places it far away",
}
# At most five characters each, unique, and none the full name of another flag.
SHORT: dict[Flag, str] = {
    Flag.ACTION_NOW: "NOW!",
    Flag.OVERRIDE: "OVR",
    Flag.GAP: "GAP",
    Flag.STALE: "STALE",
    Flag.NO_LRO: "NOLRO",
    Flag.NO_DISRUPTION: "NODIS",
    Flag.LOW_CONFIDENCE: "LOWC",
    Flag.UNSTABLE: "UNST",
    Flag.DISAGREE: "DISAG",
}
RANKING_FLAGS: tuple[Flag, ...] = tuple(Flag)[:7]  # the columns of Ranking.flags
