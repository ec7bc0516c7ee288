"""Format a validation outcome for people (grouped, capped, counted) or scripts (JSON)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from socprio.present.escape import message_text
from socprio.validate.table import Issue, Severity, Validated


def count_line(result: Validated) -> str:
    """Records read = valid + invalid + blank rows skipped, and the valid ones by status."""
    statuses = ", ".join(f"{n} {s}" for s, n in result.status_counts.items())
    return (
        f"{result.source}: {result.read} records read = {len(result.records)} valid"
        f" + {result.invalid} invalid + {result.blank} blank rows skipped"
        + (f" ({statuses})" if result.records else "")
    )


def issues_text(result: Validated, *, max_shown: int = 20, errors_only: bool = False) -> str:
    """Errors, then warnings, then notices: counts per column, then the first ``max_shown``.
    With ``errors_only`` (a failed rank), warnings and notices are one count line each, so the
    errors that stopped the run are not buried under them."""
    lines: list[str] = []
    for severity in Severity:
        found = result.of(severity)
        if not found:
            continue
        per_column = Counter(i.column or "(row)" for i in found)
        by = ", ".join(f"{col} {n}" for col, n in sorted(per_column.items()))
        lines.append(f"{len(found)} {severity.value}(s) by column: {by}")
        if errors_only and severity is not Severity.ERROR:
            lines[-1] += "; 'socprio validate' lists them"
            continue
        lines.extend(f"  {issue}" for issue in found[:max_shown])
        if len(found) > max_shown:
            lines.append(
                f"  ... and {len(found) - max_shown} more (use --max-shown or --format json)"
            )
    lines.append(count_line(result))
    lines.append("OK" if result.ok else "FAILED: fix the errors above; nothing was ranked")
    return message_text("\n".join(lines))  # header cells and file names are data


def errors_text(errors: Sequence[Issue], *, max_shown: int = 20) -> str:
    """The errors of the records a partial run left out: a count, then the first few."""
    shown = [f"  {issue}" for issue in errors[:max_shown]]
    if len(errors) > max_shown:
        shown.append(f"  ... and {len(errors) - max_shown} more ('socprio validate' lists them)")
    return message_text("\n".join([f"{len(errors)} error(s):", *shown]))


def issues_json(result: Validated) -> str:
    """One object per issue, with the counts, for scripts."""
    payload = {
        "file": result.source,
        "ok": result.ok,
        "counts": {
            "read": result.read,
            "valid": len(result.records),
            "invalid": result.invalid,
            "blank_skipped": result.blank,
            "by_status": result.status_counts,
            "errors": len(result.of(Severity.ERROR)),
            "warnings": len(result.of(Severity.WARNING)),
        },
        "issues": [i.to_dict() for i in result.issues],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
