"""Shared wording of the human-facing outputs: the provenance caption and the rank interval."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from socprio.pipeline.result import Counts, Provenance


def caption(prov: Provenance) -> str:
    """The provenance line printed under every human-facing output (a partial run says so)."""
    cfg = prov.config
    line = (
        f"{cfg.config.marking} | config {cfg.path} v{cfg.config.version} "
        f"sha256 {cfg.short_sha} | as of {prov.as_of.isoformat()} | socprio {prov.tool_version}"
    )
    partial = excluded_note(prov.counts)
    return f"{line} | {partial}" if partial else line


SHOWN_LINES = 10


def excluded_note(counts: Counts) -> str:
    """ "PARTIAL: ..." naming the input lines --exclude-invalid left out, or "" for a whole run
    (the exports' meta lists every line; this names the first few)."""
    lines = counts.excluded_lines
    if not lines:
        return ""
    shown = ", ".join(str(n) for n in lines[:SHOWN_LINES])
    more = f" and {len(lines) - SHOWN_LINES} more" if len(lines) > SHOWN_LINES else ""
    return (
        f"PARTIAL: {counts.rejected} rejected record(s) left out by --exclude-invalid "
        f"(line{'s' if len(lines) > 1 else ''} {shown}{more})"
    )


INTERVAL = "p5-p95"


def rank_interval(frame: pd.DataFrame) -> pd.Series:
    """Each group's 5th-95th percentile rank over the weight draws, as "3-9"."""
    return frame["rank_p5"].astype(str) + "-" + frame["rank_p95"].astype(str)


def interval_note(prov: Provenance) -> str:
    """What the rank interval means, with the draws and seed that produced it."""
    draws, seed = (prov.stability.draws, prov.stability.seed) if prov.stability else ("?", "?")
    return (
        f"{INTERVAL} = rank in 90% of {draws} weight draws "
        f"(seed {seed}); UNSTABLE: band often changes; "
        "DISAGREE: simpler views differ"
    )
