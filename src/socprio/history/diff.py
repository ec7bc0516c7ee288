"""The diff of any two rankings: new, dropped, band changes and the biggest movers' drivers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from socprio.history.movement import SAME_WITHIN, Movement, Tag, movement
from socprio.history.previous import POINTS, Previous

TOP_DRIVERS = 3


@dataclass(frozen=True, eq=False)
class Diff:
    """What changed between two rankings."""

    old: Previous
    new: Previous
    entered: pd.DataFrame  # group_id, codename, rank, band, score: by new rank
    dropped: pd.DataFrame  # DROPPED_COLUMNS: by old rank
    band_changes: pd.DataFrame  # groups in both whose band label changed: by new rank
    movers: pd.DataFrame  # largest |rank_change| first, ties by group_id; SAME left out
    drivers: dict[str, tuple[tuple[str, float], ...]]  # mover -> (factor, points change) x <= 3
    movement: Movement | None = None  # the movement of ``new`` since ``old``, with causes

    @property
    def config_changed(self) -> bool | None:
        """Whether the two runs used different configs (None when a side does not say)."""
        if self.old.config_sha256 is None or self.new.config_sha256 is None:
            return None
        return self.old.config_sha256 != self.new.config_sha256

    @property
    def config_changes(self) -> tuple[str, ...]:
        """What changed in the config, in plain English (empty when it did not change)."""
        return self.movement.config_changes if self.movement is not None else ()


def diff(old: Previous, new: Previous, *, movers: int = 10, same_within: int = SAME_WITHIN) -> Diff:
    """New groups, dropped groups, band changes and the biggest movers from ``old`` to ``new``.

    Each mover is explained by up to three factors whose points changed most (signed, new minus
    old; a factor absent from one side counts as 0 points there).
    """
    if movers < 0:
        raise ValueError("movers must not be negative")
    current = new.frame.reset_index()
    m = movement(
        current,
        old,
        same_within=same_within,
        config_sha256=new.config_sha256,
        config_summary=new.config_summary,
    )
    f = m.frame
    both = f[f["movement"] != Tag.NEW.value]
    entered = f.loc[
        f["movement"] == Tag.NEW.value, ["group_id", "codename", "rank", "band", "score"]
    ]
    cols = ["group_id", "codename", "previous_rank", "rank", "rank_change", "previous_band"]
    cols += ["band", "movement", "movement_cause"]
    band_changes = both.loc[both["band"] != both["previous_band"], cols]
    moved = both.loc[both["movement"] != Tag.SAME.value, cols].assign(
        _size=lambda d: d["rank_change"].abs().astype("int64")
    )
    top = moved.sort_values(["_size", "group_id"], ascending=[False, True], kind="stable")
    top = top.head(movers).drop(columns="_size")
    return Diff(
        old=old,
        new=new,
        entered=entered.reset_index(drop=True),
        dropped=m.dropped,
        band_changes=band_changes.reset_index(drop=True),
        movers=top.reset_index(drop=True),
        drivers=_drivers(old, new, list(top["group_id"])),
        movement=m,
    )


def _drivers(
    old: Previous, new: Previous, ids: list[str]
) -> dict[str, tuple[tuple[str, float], ...]]:
    """Per mover, the (factor, change) pairs with the largest absolute points change."""
    cols = list(dict.fromkeys([*new.factors, *old.factors]))
    if not ids or not cols:
        return dict.fromkeys(ids, ())
    delta = np.round(_points(new, ids, cols) - _points(old, ids, cols), 2)
    order = np.argsort(-np.abs(delta), axis=1, kind="stable")[:, :TOP_DRIVERS]
    picked = np.take_along_axis(delta, order, axis=1)
    names = np.array([c.removesuffix(POINTS) for c in cols], dtype=object)[order]
    return {
        gid: tuple((str(n), float(d)) for n, d in zip(names[i], picked[i], strict=True) if d != 0)
        for i, gid in enumerate(ids)
    }


def _points(p: Previous, ids: list[str], cols: list[str]) -> Any:
    """(ids, cols) points of ``p``; a column it does not have is 0 points."""
    present = p.frame.loc[ids, [c for c in cols if c in p.frame.columns]]
    return present.reindex(columns=cols, fill_value=0.0).to_numpy(dtype=float)
