"""One exporter contract: every output format is a function of the ``Assessment``.

``export`` maps each ``OutputFormat`` to its exporter exhaustively; each exporter returns text,
text chunks (streamed to the file) or bytes, and never writes or prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, assert_never

from socprio.present.formats import OutputFormat

if TYPE_CHECKING:
    from socprio.history.outcomes import OutcomeReport
    from socprio.pipeline.result import Assessment

Exported = str | bytes | Iterator[str]


@dataclass(frozen=True)
class ExportOptions:
    """What a format needs beyond the assessment: the terminal's width and whether it is one,
    and how many groups the pack charts."""

    width: int = 100
    terminal: bool = False
    chart_top: int = 20
    no_color: bool = False  # a terminal that asked for no colours (NO_COLOR): bold only
    limit: int | None = None  # the terminal table's rows (act-now groups always shown)
    outcomes: OutcomeReport | None = None  # the pack's Outcomes section (archive + ledger)


def export(fmt: OutputFormat, a: Assessment, options: ExportOptions | None = None) -> Exported:
    """The output of ``a`` in format ``fmt``."""
    opts = options or ExportOptions()
    if fmt is OutputFormat.TABLE:
        from socprio.present.table import table_chunks
        from socprio.present.termtext import Ink

        ink = Ink.PLAIN if not opts.terminal else Ink.MONO if opts.no_color else Ink.COLOUR
        return table_chunks(a, width=opts.width, ink=ink, limit=opts.limit)
    if fmt is OutputFormat.CSV:
        from socprio.present.csvout import csv_chunks

        return csv_chunks(a)
    if fmt is OutputFormat.JSON:
        from socprio.present.jsonout import json_chunks

        return json_chunks(a)
    if fmt is OutputFormat.MARKDOWN:
        from socprio.present.markdown import markdown_chunks

        return markdown_chunks(a)
    if fmt is OutputFormat.XLSX:
        from socprio.present.xlsx import workbook_bytes

        return workbook_bytes(a)
    if fmt is OutputFormat.HTML:
        from socprio.present.pack import pack_html

        return pack_html(a, top=opts.chart_top, outcomes=opts.outcomes)
    assert_never(fmt)


def export_bytes(fmt: OutputFormat, a: Assessment, options: ExportOptions | None = None) -> bytes:
    """The whole output as bytes (UTF-8 for text), for tests and the archive."""
    out = export(fmt, a, options)
    if isinstance(out, bytes):
        return out
    return (out if isinstance(out, str) else "".join(out)).encode("utf-8")
