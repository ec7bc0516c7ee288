"""The method behind a ranking as tables: provenance, weights, bands and override rules.

Pure data (title, header, rows) for the workbook's Method sheet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socprio.config.models import Config
    from socprio.pipeline.result import Provenance

Cell = str | float | int | None
WEIGHT_HEADER = (
    "group",
    "group_label",
    "group_weight",
    "combine",
    "factor",
    "factor_label",
    "factor_weight",
    "effective_weight",
    "unknown_policy",
)
RULE_HEADER = ("id", "factor", "op", "value", "min_band", "flag", "description")


def _cell(value: object) -> Cell:
    """A plain value as a cell: numbers stay numbers, anything else becomes text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return value


def method_sections(prov: Provenance, cfg: Config) -> list[tuple[str, list[str], list[list[Cell]]]]:
    """The Method sheet's tables: (title, header, rows) for provenance, weights, bands, rules."""
    return [
        ("Provenance", ["item", "value"], provenance_rows(prov, cfg)),
        ("Weights", list(WEIGHT_HEADER), weight_rows(cfg)),
        ("Bands", ["band", "min_score"], [[label, low] for label, low in cfg.band_labels]),
        ("Override rules", list(RULE_HEADER), rule_rows(cfg)),
    ]


def provenance_rows(prov: Provenance, cfg: Config) -> list[list[Cell]]:
    """What produced the ranking: marking, versions, hashes, limits, counts, draws."""
    meta = prov.meta()
    counts: list[list[Cell]] = [[f"count_{k}", v] for k, v in prov.counts.to_dict().items()]
    stability: dict[str, Any] = prov.stability.to_dict() if prov.stability else {}
    counts += [[f"stability_{k}", _cell(v)] for k, v in stability.items()]
    about: list[list[Cell]] = [
        ["marking", cfg.marking],
        ["as_of", meta["as_of"]],
        ["socprio_version", prov.tool_version],
        ["config_path", prov.config.path],
        ["config_version", cfg.version],
        ["config_owner", cfg.owner],
        ["config_sha256", prov.config.sha256],
        ["input_path", prov.input_path],
        ["input_sha256", prov.input_sha256],
        ["stale_days", cfg.flags.stale_days],
        ["no_disruption_days", cfg.flags.no_disruption_days],
        *counts,
    ]
    return about


def weight_rows(cfg: Config) -> list[list[Cell]]:
    """One row per weighted factor: its group, both weights and its unknown policy."""
    effective = cfg.effective_weights
    return [
        [
            group,
            grp.label,
            grp.weight,
            grp.combine.value,
            name,
            cfg.factors[name].label,
            weight,
            effective[name],
            cfg.policy(name).value,
        ]
        for group, grp in cfg.groups.items()
        for name, weight in grp.factors.items()
    ]


def rule_rows(cfg: Config) -> list[list[Cell]]:
    """One row per override rule."""
    return [
        [
            r.id,
            r.factor,
            r.op.value,
            str(r.value).lower() if isinstance(r.value, bool) else r.value,
            r.min_band,
            r.flag or "",
            r.description,
        ]
        for r in cfg.overrides
    ]
