"""The pack's first printed page, the briefing: what the meeting must act on, in plain English.

In order: act now (active threat to life), what is new or changed in Band 1, the highest-harm
groups with force, crime, band, lead officer and a short reason, groups per band, and the
decisions needed in Band 1 (no lead officer, no disruption in 90 days). Lists are capped so the
page stays one page; the appendix after the page break has everything else. All input text is
HTML-escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from socprio.core.flags import Flag
from socprio.history.previous import BAND_LABEL
from socprio.present.charts import band_class, esc, html_table, records, short
from socprio.present.packmove import headlines_html

if TYPE_CHECKING:
    import pandas as pd

    from socprio.config.models import Config
    from socprio.history.movement import Movement

BRIEF_TOP = 10  # groups in the briefing's top table
LIST_CAP = 6  # rows of any other briefing list before "and N more"
REASON_FACTORS = 2  # factors named in a group's short reason


def band_span(label: str) -> str:
    return f'<span class="{band_class(label)}">&nbsp;{esc(label)}&nbsp;</span>'


def in_band1(labels: pd.Series) -> pd.Series:
    """Which labels (e.g. ``1C``; missing for a new group) are in Band 1."""
    return labels.astype(str).str.extract(BAND_LABEL, expand=False) == "1"


def _flagged(frame: pd.DataFrame, flag: Flag) -> pd.Series:
    return (";" + frame["flags"].astype(str) + ";").str.contains(f";{flag.value};", regex=False)


def _more(shown: int, total: int, where: str = "in the appendix") -> str:
    extra = total - shown
    return f'<p class="none">and {extra} more {where}</p>' if extra > 0 else ""


def reasons(top: pd.DataFrame, cfg: Config) -> list[str]:
    """A short reason per group: the override rules that set its band, then the factors that
    gave it most points (``intent 15.0, capability 15.0``)."""
    names = [f for f in cfg.factors if f"{f}_points" in top.columns]
    points = top[[f"{f}_points" for f in names]].to_numpy(dtype=float)
    best = np.argsort(-points, axis=1, kind="stable")[:, :REASON_FACTORS]
    out = []
    for row, (rules, order) in enumerate(zip(top["overrides"].astype(str), best, strict=True)):
        parts = [f"{cfg.factors[names[i]].label.lower()} {points[row, i]:.1f}" for i in order]
        lifted = "rule " + rules.replace(";", ", ") + "; " if rules and rules != "nan" else ""
        out.append(lifted + ", ".join(parts))
    return out


def act_now_section(frame: pd.DataFrame) -> str:
    """Every group with an active threat to life, whatever its score, with its regional rank."""
    rows = records(frame[_flagged(frame, Flag.ACTION_NOW)])
    head = "<h2>Act now: active threat to life</h2>"
    if not rows:
        return head + '<p class="none">No group has an active threat to life this week.</p>'
    cells = [
        [
            esc(r["rank"]),
            f"<b>{esc(r['group_id'])}</b>",
            esc(short(str(r["codename"]), 22)),
            esc(r["lead_force"]),
            band_span(str(r["band"])),
            esc(str(r["overrides"]).replace(";", ", ")),
        ]
        for r in rows
    ]
    return (
        head
        + '<div class="act-now">'
        + html_table(["Rank", "Group", "Codename", "Force", "Band", "Rule"], cells, {0})
        + "</div>"
    )


def changes_section(movement: Movement | None, frame: pd.DataFrame) -> str:
    """Who entered or left Band 1, started an act-now, or moved within Band 1, since when."""
    if movement is None:
        return (
            "<h2>New and changed in Band 1</h2>"
            '<p class="none">No earlier run to compare with (give --archive or --previous).</p>'
        )
    since = movement.since.isoformat() if movement.since else "the previous run"
    f = movement.frame
    inside = in_band1(f["band"]) & in_band1(f["previous_band"])
    within = f[inside & (f["band"] != f["previous_band"])]
    out = headlines_html(movement, cap=LIST_CAP)
    if len(within):
        lines = [
            f"{r['group_id']} {short(str(r['codename']), 22)} ({r['previous_band']} -> "
            f"{r['band']}, {r['movement_cause']})"
            for r in records(within.head(LIST_CAP))
        ]
        out += f"<h3>Moved within Band 1 ({len(within)})</h3><ul>"
        out += "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>"
        out += _more(len(lines), len(within))
    return f"<h2>New and changed in Band 1 since {esc(since)}</h2>" + (
        out or '<p class="none">No group entered, left or moved within Band 1.</p>'
    )


def top_section(frame: pd.DataFrame, cfg: Config) -> str:
    """The highest-harm groups: what the meeting reads first about each."""
    top = frame.head(BRIEF_TOP)
    cells = [
        [
            esc(r["rank"]),
            esc(r["group_id"]),
            esc(short(str(r["codename"]), 20)),
            esc(r["lead_force"]),
            esc(cfg.crime_types[r["principal_crime"]].label)
            if r["principal_crime"] in cfg.crime_types
            else esc(r["principal_crime"]),
            band_span(str(r["band"])),
            f"{float(r['score']):.1f}",
            "yes" if str(r["lro_assigned"]) == "yes" else "<b>none</b>",
            esc(reason),
        ]
        for r, reason in zip(records(top), reasons(top, cfg), strict=True)
    ]
    header = ["Rank", "Group", "Codename", "Force", "Principal crime", "Band", "Score"]
    header += ["Lead officer", "Why it ranks here"]
    return f"<h2>The {len(top)} highest-harm groups</h2>" + html_table(header, cells, {0, 6})


def decisions_section(frame: pd.DataFrame) -> str:
    """Band 1 groups that need a decision, as compact lists in rank order: no lead officer,
    then no disruption within the limit."""
    band1 = frame[in_band1(frame["band"])]
    needs = {
        Flag.NO_LRO: "Assign a lead officer",
        Flag.NO_DISRUPTION: "No disruption in 90 days: agree a plan",
    }
    out = ""
    for flag, title in needs.items():
        flagged = band1[_flagged(band1, flag)]
        shown = flagged[["rank", "group_id", "codename", "lead_force"]].head(DECISIONS_CAP)
        items = [
            f"<span>#{esc(r['rank'])} <b>{esc(r['group_id'])}</b> "
            f"{esc(short(str(r['codename']), 18))} ({esc(r['lead_force'])})</span>"
            for r in records(shown)
        ]
        if items:
            out += f'<h3>{esc(title)} ({len(flagged)})</h3><p class="inline">'
            out += " · ".join(items) + "</p>" + _more(len(items), len(flagged))
    return "<h2>Decisions needed in Band 1</h2>" + (
        out
        or '<p class="none">None: every Band 1 group has a lead officer and a disruption in '
        "the last 90 days.</p>"
    )


DECISIONS_CAP = 24


TERMS = (
    (
        "Band 1A-3C",
        "Band 1 is the highest harm; A, B and C split each band by score "
        "(thresholds under Method).",
    ),
    ("^ after a band", "lifted by an override rule; the score itself is unchanged."),
    ("Score", "the weighted sum of the factor points, 0-100."),
    ("Min-max", "the score if every unknown factor took its lowest or its highest value."),
    ("Rank 5-95%", "the rank in 90% of the weight draws."),
    ("P(top)", "the share of weight draws in which the group is in the top k."),
    ("Lead officer (LRO)", "the lead responsible officer who owns the group."),
    ("4P", "Pursue, Prepare, Protect and Prevent, the four strands of a plan."),
    ("SHA-256", "a fingerprint of the config and input files that proves which were used."),
)


DRAW_TERMS = ("Rank 5-95%", "P(top)")  # shown only when the weight draws were run


def glossary(flags: tuple[Flag, ...], *, draws: bool) -> str:
    """The abbreviations and flag names used in this pack, each explained once."""
    terms = [t for t in TERMS if draws or t[0] not in DRAW_TERMS]
    terms += [(f.value, f.meaning) for f in flags]
    items = "".join(f"<dt>{esc(t)}</dt><dd>{esc(d)}</dd>" for t, d in terms)
    return f'<h2>Abbreviations and terms</h2><dl class="terms">{items}</dl>'
