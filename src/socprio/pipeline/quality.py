"""The data-quality pipeline: read -> validate -> score and rank the valid records -> profile
each lead force and test whether its scores are consistent with the other forces'.

Unlike ``assess``, a file with rejected records is still examined (quality is most needed
then): the rejects are counted per lead force wherever their ``lead_force`` cell names one,
and never shown. A header that cannot be mapped onto the config (a missing, unknown or
duplicated column) still raises ``RejectedRecords``: no record can be read at all. Reads its
input; never writes, prints or looks at the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from socprio import __version__
from socprio.config.models import Config, LoadedConfig
from socprio.pipeline.assess import RejectedRecords
from socprio.pipeline.result import Counts, Provenance
from socprio.read.input import Source, read_input
from socprio.validate.records import RecordColumns
from socprio.validate.table import Severity, Validated, map_header, validate_table

if TYPE_CHECKING:
    from socprio.core.matrix import IntArray
    from socprio.core.quality import Consistency, Profile
    from socprio.read.csvtable import CsvTable

HEADER_LINE = 1


@dataclass(frozen=True)
class QualityReport:
    """Everything ``socprio quality`` shows."""

    provenance: Provenance
    profile: Profile
    consistency: Consistency
    rejected_unreadable: int  # rejected records whose lead_force cell names no force


def assess_quality(
    source: Source,
    config: LoadedConfig,
    *,
    as_of: date,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> QualityReport:
    """Validate ``source``, score and rank its valid records, and report on each force."""
    from socprio.core.flags import RANKING_FLAGS, Flag
    from socprio.core.matrix import build_matrix
    from socprio.core.quality import consistency, profile
    from socprio.core.ranking import rank
    from socprio.core.scoring import score

    cfg = config.config
    data = read_input(source, encoding=encoding, delimiter=delimiter)
    validated = validate_table(data.table, cfg, as_of=as_of)
    if any(i.line == HEADER_LINE for i in validated.of(Severity.ERROR)):
        raise RejectedRecords(validated)
    m = build_matrix(validated.records, cfg)
    r = rank(m, score(m, cfg), cfg, as_of=as_of)
    forces = cfg.record.forces
    columns = RecordColumns.of(validated.records).columns
    force = columns["lead_force"].array(forces.index, np.int64) if len(m) else np.zeros(0, np.int64)
    rejected, unreadable = rejected_by_force(data.table, validated, cfg)
    ranked = r.rank > 0
    flags = {flag: k for k, flag in enumerate(RANKING_FLAGS)}
    counts = Counts(
        read=validated.read,
        valid=len(validated.records),
        rejected=validated.invalid,
        blank_skipped=validated.blank,
        ranked=len(r.order),
        active=validated.status_counts.get("active", 0),
        dormant=validated.status_counts.get("dormant", 0),
        archived=validated.status_counts.get("archived", 0),
    )
    return QualityReport(
        provenance=Provenance(__version__, config, validated.source, data.sha256, as_of, counts),
        profile=profile(
            m,
            cfg,
            force=force,
            ranked=ranked,
            stale=r.flags[:, flags[Flag.STALE]],
            no_lro=r.flags[:, flags[Flag.NO_LRO]],
            rejected=rejected,
        ),
        consistency=consistency(m, cfg, force=force, ranked=ranked),
        rejected_unreadable=unreadable,
    )


def rejected_by_force(table: CsvTable, validated: Validated, cfg: Config) -> tuple[IntArray, int]:
    """Rejected records per configured force (by their ``lead_force`` cell, read as the
    validator reads it: trimmed, ignoring case), and how many name no force."""
    forces = {f.casefold(): k for k, f in enumerate(cfg.record.forces)}
    bad = np.array(sorted({i.line for i in validated.of(Severity.ERROR) if i.line}), np.int64)
    rows = np.flatnonzero(np.isin(table.lines, bad))
    mapping, _ = map_header(table.header, cfg, table.source)
    at = mapping.index("lead_force") if "lead_force" in mapping else None
    found = [
        forces.get(table.columns[at][i].strip().casefold(), -1) if at is not None else -1
        for i in rows.tolist()
    ]
    codes = np.array(found, dtype=np.int64)
    per_force = np.bincount(codes[codes >= 0], minlength=len(forces)).astype(np.int64)
    return per_force, int((codes < 0).sum())
