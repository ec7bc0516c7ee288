"""The one typed result of the pipeline: ``Assessment``, and the provenance every output prints.

Every command and every output format reads an ``Assessment``, so no two outputs can disagree
about a group's rank, band, flags or movement. The table is built once, in rank order, with
full precision; each format rounds only when it writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from socprio.config.models import Config, LoadedConfig
from socprio.core.flags import Flag
from socprio.pipeline.columns import Columns

if TYPE_CHECKING:
    import pandas as pd

    from socprio.core.matrix import BoolArray, FactorMatrix
    from socprio.core.ranking import Ranking
    from socprio.core.scoring import Scores
    from socprio.core.stability import SecondOpinion, Stability
    from socprio.history.movement import Movement
    from socprio.validate.table import Issue


@dataclass(frozen=True)
class Counts:
    """What happened to every record read: read = valid + rejected + blank_skipped, and
    valid = active + dormant + archived. ``shown`` is set when a view was filtered."""

    read: int
    valid: int
    rejected: int
    blank_skipped: int
    ranked: int
    active: int
    dormant: int
    archived: int
    shown: int | None = None
    excluded_lines: tuple[int, ...] = ()  # lines of the records --exclude-invalid left out

    def to_dict(self) -> dict[str, Any]:
        """The ``meta.counts`` block of the exports (its keys are part of the file format)."""
        out: dict[str, Any] = {
            "read": self.read,
            "valid": self.valid,
            "rejected": self.rejected,
            "blank_skipped": self.blank_skipped,
            "ranked": self.ranked,
            "status_active": self.active,
            "status_dormant": self.dormant,
            "status_archived": self.archived,
        }
        if self.excluded_lines:  # only a partial run carries the key
            out["excluded_lines"] = list(self.excluded_lines)
        return out if self.shown is None else out | {"shown": self.shown}


@dataclass(frozen=True)
class StabilitySettings:
    """How the weight draws of a run were made, and the overall agreement they found."""

    draws: int
    seed: int
    concentration: float
    top_k: int
    perturbation: float
    spearman_median: float
    spearman_p5: float
    unstable: int

    def to_dict(self) -> dict[str, Any]:
        """The ``meta.stability`` block of the exports."""
        out = dataclasses.asdict(self)
        out["spearman_median"] = round(self.spearman_median, 4)
        out["spearman_p5"] = round(self.spearman_p5, 4)
        return out


@dataclass(frozen=True)
class Provenance:
    """What produced a ranking: printed on every output for audit."""

    tool_version: str
    config: LoadedConfig
    input_path: str
    input_sha256: str
    as_of: date
    counts: Counts
    stability: StabilitySettings | None = None

    def meta(self) -> dict[str, Any]:
        """The JSON ``meta`` block (``config.summary``: what a later comparison needs to say
        how the configs differ)."""
        from socprio.core.causes import config_summary

        cfg = self.config.config
        return {
            "tool": "socprio",
            "tool_version": self.tool_version,
            "marking": cfg.marking,
            "config": {
                "path": self.config.path,
                "sha256": self.config.sha256,
                "version": cfg.version,
                "owner": cfg.owner,
                "summary": config_summary(cfg),
            },
            "input": {"path": self.input_path, "sha256": self.input_sha256},
            "as_of": self.as_of.isoformat(),
            "counts": self.counts.to_dict(),
        } | ({"stability": self.stability.to_dict()} if self.stability is not None else {})


@dataclass(frozen=True)
class RankedGroup:
    """One ranked group as Python values: identity, position, flags, points and movement."""

    rank: int
    group_id: str
    codename: str
    band: str
    score: float
    flags: frozenset[Flag]
    group_points: dict[str, float]
    factor_points: dict[str, float]
    movement: str | None


@dataclass(frozen=True, eq=False)
class Assessment:
    """One validated, scored, ranked and assessed input: everything any output shows.

    ``columns`` holds the ranked groups in rank order (one row each: identity, band, score,
    every factor's raw value, value and points, flags, the second opinion, stability columns
    when the draws ran, movement columns when a previous run was given); ``table`` is the
    same as a pandas DataFrame, built when first read. ``unranked_columns`` (``unranked``)
    holds the valid groups that were not ranked (archived, and dormant unless included), by
    group_id, with the same base columns. ``flags`` is the (ranked, len(Flag)) mask behind
    the table's ``flags`` column. The core arrays are kept for ``explain`` and ``stability``:
    their row i is matrix row i, not rank order. In a view (``select``),
    ``act_now_outside`` holds the act-now rows of the full table its filters left out, so a
    human-facing output can say they exist.
    """

    provenance: Provenance
    columns: Columns
    unranked_columns: Columns
    flags: BoolArray
    matrix: FactorMatrix
    scores: Scores
    ranking: Ranking
    opinion: SecondOpinion
    stability: Stability | None = None
    movement: Movement | None = None
    warnings: tuple[Issue, ...] = ()
    excluded: tuple[Issue, ...] = ()  # the errors of the records --exclude-invalid left out
    act_now_outside: Columns | None = None

    @property
    def table(self) -> pd.DataFrame:
        """The ranked groups in rank order as a DataFrame (the columns of ``columns``)."""
        return self.columns.frame()

    @property
    def unranked(self) -> pd.DataFrame:
        """The valid groups not ranked, by group_id, as a DataFrame."""
        return self.unranked_columns.frame()

    @property
    def config(self) -> Config:
        """The harm matrix this assessment was made under."""
        return self.provenance.config.config

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts of the groups in ``table`` per band, lead force, principal crime and 4P."""
        from socprio.pipeline.frame import summary

        return summary(self.columns)

    def flags_of(self, group_id: str) -> frozenset[Flag]:
        """The flags of one ranked group (empty when it is not in ``table``)."""
        rows = np.flatnonzero(self.columns["group_id"] == group_id)
        if not len(rows):
            return frozenset()
        return frozenset(f for f, on in zip(Flag, self.flags[rows[0]], strict=True) if on)

    def groups(self) -> Iterator[RankedGroup]:
        """The ranked groups in rank order as typed values (for use from Python)."""
        cfg = self.config
        moved = "movement" in self.table
        columns = [str(c) for c in self.table.columns]
        for k, row in enumerate(self.table.itertuples(index=False, name=None)):
            values = dict(zip(columns, row, strict=True))
            yield RankedGroup(
                rank=int(values["rank"]),
                group_id=str(values["group_id"]),
                codename=str(values["codename"]),
                band=str(values["band"]),
                score=float(values["score"]),
                flags=frozenset(f for f, on in zip(Flag, self.flags[k], strict=True) if on),
                group_points={g: float(values[f"{g}_points"]) for g in cfg.groups},
                factor_points={
                    f: float(values[f"{f}_points"]) for f in cfg.factors if f"{f}_points" in values
                },
                movement=str(values["movement"]) if moved else None,
            )

    def select(
        self,
        *,
        force: str | None = None,
        crime: str | None = None,
        strand: str | None = None,
        top: int | None = None,
    ) -> Assessment:
        """A view holding only the ranked groups matching every filter given (ignoring case),
        then the first ``top``, and every ACTION_NOW group matching the filters whatever its
        rank (``top`` never hides a threat to life). Ranks stay regional, ``counts.shown``
        says how many are shown and ``act_now_outside`` holds the act-now groups that the
        filters (not ``top``) left out."""
        from socprio.pipeline.frame import selected_rows

        if force is None and crime is None and strand is None and top is None:
            return self
        now = self.flags[:, list(Flag).index(Flag.ACTION_NOW)]
        keep = selected_rows(self.columns, force=force, crime=crime, strand=strand)
        outside = self.columns.take(np.setdiff1d(np.flatnonzero(now), keep))
        if self.act_now_outside is not None:  # a view of a view: both sets, in rank order
            both = {k: np.concatenate([self.act_now_outside[k], outside[k]]) for k in outside}
            outside = Columns(both, integer=outside.integer)
            outside = outside.take(np.argsort(both["rank"], kind="stable"))
        if top is not None:
            keep = keep[(np.arange(len(keep)) < top) | now[keep]]
        counts = dataclasses.replace(self.provenance.counts, shown=len(keep))
        return dataclasses.replace(
            self,
            provenance=dataclasses.replace(self.provenance, counts=counts),
            columns=self.columns.take(keep),
            flags=self.flags[keep],
            act_now_outside=outside,
        )
