"""SHELL: read the archive and the disruption ledger, check them together, and join them.

The one way to an ``OutcomeReport``: the CLI, the pack, the tests and the benchmark call
``load_outcomes``. It reads files; it never writes, prints or looks at the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from socprio import __version__
from socprio.config.models import LoadedConfig
from socprio.history.outcometable import Outcomes, outcomes
from socprio.history.panel import Panel, load_panel
from socprio.read.input import read_input
from socprio.validate.ledger import Ledger, LedgerRejected, cross_check, validate_ledger
from socprio.validate.table import Issue, Severity


@dataclass(frozen=True, eq=False)
class OutcomeReport:
    """The outcomes and where they came from (every run's manifest SHA-256, the ledger's)."""

    outcomes: Outcomes
    panel: Panel
    ledger_source: str
    ledger_sha256: str
    config: LoadedConfig
    as_of: date
    warnings: tuple[Issue, ...]

    def provenance(self) -> dict[str, object]:
        """The provenance block of every output (no clock: same inputs, same bytes)."""
        return {
            "tool": f"socprio {__version__}",
            "as_of": self.as_of.isoformat(),
            "config": {"path": self.config.path, "sha256": self.config.sha256},
            "ledger": {"file": self.ledger_source, "sha256": self.ledger_sha256},
            "archive_runs": [
                {"as_of": day.isoformat(), "manifest_sha256": sha} for day, sha in self.panel.runs
            ],
            "harm": self.panel.harm_column,
        }


def load_outcomes(
    archive: Path,
    disruptions: Path | str,
    loaded: LoadedConfig,
    *,
    show_values: bool = False,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> OutcomeReport:
    """Validate the ledger (all or nothing: LedgerRejected, exit 65) against the archive's
    newest run, then join. The as-of date is the newest archived run's."""
    cfg = loaded.config
    harm_group = "harm" if "harm" in cfg.groups else next(iter(cfg.groups))
    data = read_input(str(disruptions), encoding=encoding, delimiter=delimiter)
    ledger = validate_ledger(data.table, cfg, show_values=show_values)
    if ledger.errors:
        raise LedgerRejected(ledger)  # the file alone is wrong: no need to read the archive
    panel = load_panel(archive, harm_group=harm_group)
    as_of = panel.runs[-1][0]
    frame = panel.frame
    newest = frame[frame["as_of"] == frame["as_of"].max()]
    ledger = cross_check(
        ledger,
        known_ids=frame["group_id"].unique(),
        as_of=as_of,
        last_dates=newest.set_index("group_id")["last_disruption_date"],
        show_values=show_values,
    )
    if ledger.errors:
        raise LedgerRejected(ledger)
    result = outcomes(
        frame, ledger.frame, cfg.ledger, as_of=as_of, window_days=cfg.flags.no_disruption_days
    )
    warnings = tuple(i for i in ledger.issues if i.severity is Severity.WARNING)
    return OutcomeReport(result, panel, data.source, data.sha256, loaded, as_of, warnings)


__all__ = ["Ledger", "OutcomeReport", "load_outcomes"]
