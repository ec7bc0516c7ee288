"""Describe the config for people: ``config show`` and ``schema`` (the expected columns).

Both are generated from the config, so they cannot drift from what the tool enforces.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich import box
from rich.console import Group as RichGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from socprio.config.models import STRANDS, Config, FactorType, LoadedConfig


@dataclass(frozen=True)
class Column:
    """One expected CSV column."""

    name: str
    type: str
    required: str
    allowed: str
    unknown: str


def schema_columns(cfg: Config) -> list[Column]:
    """Every column the config expects, in header order, with its rules."""
    return admin_columns(cfg) + factor_columns(cfg)


def _spelled(cfg: Config) -> str:
    rec = cfg.record
    return f"{'/'.join(rec.true_values)} or {'/'.join(rec.false_values)} (any case)"


def admin_columns(cfg: Config) -> list[Column]:
    """The record's fixed columns (identity, status, grading, dates, lists, notes)."""
    rec = cfg.record
    spelled = _spelled(cfg)
    crimes = ", ".join(cfg.crime_types)
    date_rule = "YYYY-MM-DD or DD/MM/YYYY, not after the as-of date"
    return [
        Column("group_id", "id", "yes", f"unique; matches {rec.group_id_pattern}", "not allowed"),
        Column("codename", "text", "yes", "1-60 characters, one line", "not allowed"),
        Column("lead_force", "choice", "yes", ", ".join(rec.forces), "not allowed"),
        Column("status", "choice", "yes", "active, dormant, archived", "not allowed"),
        Column("lro_assigned", "boolean", "yes", spelled, "not allowed"),
        Column("principal_crime", "choice", "yes", crimes, "not allowed"),
        Column(
            "secondary_crimes",
            "list (;)",
            "no",
            f"up to {rec.max_secondary_crimes} crime types, not the principal",
            "blank = none",
        ),
        Column(
            "member_count",
            "whole number",
            "yes",
            f"1-100000; below {rec.min_members} is a warning",
            "not allowed",
        ),
        Column("intel_source_eval", "choice", "yes", "1, 2, 3 (3x5x2 source)", "not allowed"),
        Column("intel_assessment", "choice", "yes", "A-E (3x5x2 intelligence)", "not allowed"),
        Column("last_intel_review", "date", "yes", date_rule, "not allowed"),
        Column(
            "last_disruption_date",
            "date",
            "no",
            date_rule + "; with disruption_type",
            "blank = none",
        ),
        Column(
            "disruption_type",
            "choice",
            "no",
            ", ".join(rec.disruption_types) + "; with last_disruption_date",
            "blank = none",
        ),
        Column("opportunity_4p", "list (;)", "no", ", ".join(STRANDS), "blank = none"),
        Column(
            "linked_groups",
            "list (;)",
            "no",
            "group ids; a link not in the file is a warning",
            "blank = none",
        ),
        Column("notes", "free text", "no", "any text; never scored", "-"),
    ]


def factor_columns(cfg: Config) -> list[Column]:
    """One column per factor that has one, with its levels and unknown policy."""
    spelled = _spelled(cfg)
    unknown = "/".join(cfg.record.unknown_values)
    cols = []
    unknown_rule = f"{unknown} or blank = unknown (scored by policy)"
    for name, f in cfg.factors.items():
        if not f.has_column:
            continue
        if f.type is FactorType.ORDINAL:
            allowed = "; ".join(f"{i} {level}" for i, level in enumerate(f.levels))
            kind = f"ordinal 0-{f.max}"
        elif f.type is FactorType.BOOLEAN:
            allowed, kind = spelled, "boolean"
        else:
            allowed, kind = f"whole number; {f.cap} or more scores the maximum", "count"
        cols.append(
            Column(name, kind, "column yes", allowed, f"{unknown_rule}, {cfg.policy(name).value}")
        )
    return cols


def schema_table(cfg: Config) -> Table:
    """The expected columns as a rich table."""
    table = Table(box=box.SIMPLE_HEAD, title="Expected CSV columns", pad_edge=False)
    for head in ("Column", "Type", "Value required", "Allowed values", "Unknown"):
        table.add_column(head, overflow="fold")
    for c in schema_columns(cfg):
        table.add_row(c.name, c.type, c.required, c.allowed, c.unknown)
    return table


def schema_markdown(cfg: Config) -> str:
    """The expected columns as a markdown table (the data dictionary's generated part)."""
    lines = [
        "| Column | Type | Value required | Allowed values | Unknown |",
        "|---|---|---|---|---|",
    ]
    for c in schema_columns(cfg):
        cells = (c.name, c.type, c.required, c.allowed, c.unknown)
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    return "\n".join(lines) + "\n"


def config_view(loaded: LoadedConfig) -> RenderableType:
    """Weights (relative and effective), bands, rules and provenance of a config: a group's
    row gives its weight and share of the score, each factor's its weight within the group
    and its effective share of the score. Fits 80 columns."""
    cfg = loaded.config
    head = Text(
        f"{loaded.path}\nversion {cfg.version}; owner {cfg.owner or '-'}; sha256 {loaded.sha256}\n"
        f"marking {cfg.marking}; unknowns default to {cfg.defaults.unknown_policy.value}"
    )
    weights = Table(
        box=box.SIMPLE_HEAD,
        title="Weights",
        title_justify="left",
        pad_edge=False,
        collapse_padding=True,
    )
    weights.add_column("Group / factor", overflow="fold")
    for head_text in ("Weight", "Effective"):
        weights.add_column(head_text, justify="right", no_wrap=True)
    weights.add_column("Unknown as", no_wrap=True)
    total = sum(g.weight for g in cfg.groups.values())
    for gname, grp in cfg.groups.items():
        share = f"{grp.weight / total:.0%}"
        title = f"{grp.label} ({grp.combine.value} of its factors)"
        weights.add_row(Text(title, style="bold"), f"{grp.weight:g}", share, "")
        for fname, w in grp.factors.items():
            weights.add_row(
                f"  {fname}",
                f"{w:g}",
                f"{cfg.effective_weights[fname]:.2%}",
                cfg.policy(fname).value,
            )
        if gname != list(cfg.groups)[-1]:
            weights.add_section()
    bands = Text(
        "Bands: "
        + ", ".join(f"{label} >= {bound:.1f}" for label, bound in cfg.band_labels)
        + " (applied to the score rounded to 0.1)"
    )
    rules = [
        Text(
            f"Rule {r.id}: {r.factor} {r.op.value} {r.value} -> at least Band {r.min_band}"
            + (f", flag {r.flag}" if r.flag else "")
        )
        for r in cfg.overrides
    ]
    unweighted = [n for n in cfg.factors if n not in cfg.group_of]
    extra = Text(
        f"Recorded but not weighted (rules and flags only): {', '.join(unweighted) or '-'}"
    )
    return RichGroup(head, weights, extra, bands, *rules)
