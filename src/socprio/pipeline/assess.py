"""The pipeline: read -> validate (all or nothing) -> score -> rank -> assess -> compare.

``assess`` is the one way to turn an input into an ``Assessment``: the CLI, the tests and the
benchmarks all call it. It reads its input and, when given a path, the previous ranking; it
never writes, prints or looks at the clock (``as_of`` is passed in).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from socprio import __version__
from socprio.config.models import LoadedConfig
from socprio.errors import DataError
from socprio.pipeline.columns import Columns
from socprio.pipeline.result import Assessment, Counts, Provenance, StabilitySettings
from socprio.read.input import Source, read_input
from socprio.validate.table import Severity, Validated, validate_table

if TYPE_CHECKING:
    from socprio.core.stability import Stability
    from socprio.history.movement import Movement
    from socprio.history.previous import Previous

Progress = Callable[[int, int], None]  # (draws done, draws in all)


class RejectedRecords(DataError):
    """At least one record was rejected: nothing is ranked (all or nothing)."""

    def __init__(self, validated: Validated) -> None:
        from socprio.present.validation import issues_text

        self.validated = validated
        super().__init__(
            f"{validated.invalid} record(s) rejected; nothing was ranked or written",
            file=validated.source,
        )
        self.report = issues_text(validated, max_shown=20, errors_only=True)
        # whether the valid records could be ranked without the rejected ones (no error
        # concerns the whole file): a command with --exclude-invalid says so
        self.excludable = excluded_lines(validated) is not None


def validate_source(
    source: Source,
    config: LoadedConfig,
    *,
    as_of: date,
    encoding: str = "utf-8",
    delimiter: str = ",",
    show_values: bool = False,
) -> tuple[str, Validated]:
    """Read and validate ``source``; returns the SHA-256 of its bytes and every issue found."""
    data = read_input(source, encoding=encoding, delimiter=delimiter)
    validated = validate_table(data.table, config.config, as_of=as_of, show_values=show_values)
    return data.sha256, validated


def assess(
    source: Source,
    config: LoadedConfig,
    *,
    as_of: date,
    include_dormant: bool = False,
    draws: int = 0,
    seed: int = 0,
    previous: Previous | Path | str | None = None,
    progress: Progress | None = None,
    encoding: str = "utf-8",
    delimiter: str = ",",
    exclude_invalid: bool = False,
) -> Assessment:
    """Validate, score, rank and assess ``source`` (a path, ``-``, bytes or a binary stream).

    Raises RejectedRecords (exit 65) when any record is rejected, unless ``exclude_invalid``
    and the rest can be ranked (``provenance.counts.excluded_lines`` then names the lines left
    out). ``draws`` > 0 re-ranks under that many weight vectors (``seed`` makes them
    reproducible; ``progress`` hears of each batch). ``previous`` (an earlier ranking, or the
    path of its csv/json/archive run) adds movement since that run."""
    from socprio.core.matrix import build_matrix
    from socprio.core.ranking import rank
    from socprio.core.scoring import score
    from socprio.core.stability import second_opinion, stability
    from socprio.pipeline.frame import build_tables

    sha256, validated = validate_source(
        source, config, as_of=as_of, encoding=encoding, delimiter=delimiter
    )
    excluded = _accepted(validated, exclude_invalid=exclude_invalid)
    cfg, records = config.config, validated.records
    m = build_matrix(records, cfg)
    s = score(m, cfg)
    r = rank(m, s, cfg, as_of=as_of, include_dormant=include_dormant)
    opinion = second_opinion(m, s, r, cfg)
    stab = None
    if draws > 0:
        report = (lambda done: progress(done, draws)) if progress is not None else None
        stab = stability(m, s, r, cfg, draws=draws, seed=seed, progress=report)
    table, unranked, flags = build_tables(records, m, s, r, cfg, stab=stab, opinion=opinion)
    rejected = validated.rejected_ids if excluded else ()
    moved = None if previous is None else _movement(table, unranked, previous, config, rejected)
    counts = _counts(validated, ranked=len(r.order), excluded=excluded)
    settings = _settings(stab) if stab is not None else None
    prov = Provenance(__version__, config, validated.source, sha256, as_of, counts, settings)
    return Assessment(
        provenance=prov,
        columns=Columns.of_frame(moved.frame) if moved is not None else table,
        unranked_columns=unranked,
        flags=flags,
        matrix=m,
        scores=s,
        ranking=r,
        opinion=opinion,
        stability=stab,
        movement=moved,
        warnings=validated.of(Severity.WARNING),
        excluded=validated.of(Severity.ERROR),
    )


def _accepted(validated: Validated, *, exclude_invalid: bool) -> tuple[int, ...]:
    """The lines to leave out (none for a clean file), or RejectedRecords (all or nothing)."""
    if validated.ok:
        return ()
    excluded = excluded_lines(validated) if exclude_invalid else None
    if not excluded:
        raise RejectedRecords(validated)
    return excluded


def excluded_lines(validated: Validated) -> tuple[int, ...] | None:
    """The lines of the rejected records, when the rest can be ranked without them: None
    when a problem concerns the whole file (the header) or no record is valid."""
    errors = validated.of(Severity.ERROR)
    if not validated.records or any(i.line is None or i.line <= 1 for i in errors):
        return None
    return tuple(sorted({i.line for i in errors if i.line is not None}))


def _counts(validated: Validated, *, ranked: int, excluded: tuple[int, ...]) -> Counts:
    """What happened to every record read."""
    status = validated.status_counts
    return Counts(
        excluded_lines=excluded,
        read=validated.read,
        valid=len(validated.records),
        rejected=validated.invalid,
        blank_skipped=validated.blank,
        ranked=ranked,
        active=status.get("active", 0),
        dormant=status.get("dormant", 0),
        archived=status.get("archived", 0),
    )


def _settings(stab: Stability) -> StabilitySettings:
    """How the weight draws were made, and the overall agreement they found."""
    return StabilitySettings(
        draws=stab.draws,
        seed=stab.seed,
        concentration=stab.concentration,
        top_k=stab.top_k,
        perturbation=stab.perturbation,
        spearman_median=stab.spearman_median,
        spearman_p5=stab.spearman_p5,
        unstable=int(stab.unstable.sum()),
    )


def _movement(
    table: Columns,
    unranked: Columns,
    previous: Previous | Path | str,
    config: LoadedConfig,
    rejected: tuple[str, ...],
) -> Movement:
    """Movement since an earlier ranking, read (and checked against its archive manifest)
    when given as a path; each move's cause compares the two runs' data and configs."""
    from socprio.core.causes import config_summary
    from socprio.history.archive import load_ranking
    from socprio.history.movement import movement
    from socprio.history.previous import Previous

    earlier = previous if isinstance(previous, Previous) else load_ranking(Path(previous))
    return movement(
        table.frame(),
        earlier,
        same_within=config.config.movement.same_within,
        config_sha256=config.sha256,
        config_summary=config_summary(config.config),
        unranked=unranked.frame(),
        rejected=rejected,
    )
