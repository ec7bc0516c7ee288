"""The output formats (a light module: the CLI imports it for --help)."""

from enum import StrEnum


class OutputFormat(StrEnum):
    """Every output format of an assessment; ``socprio.present.export`` maps each to its
    exporter."""

    TABLE = "table"  # the analyst's terminal table
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"
    XLSX = "xlsx"  # the tasking workbook; needs --output
    HTML = "html"  # the one-page tasking pack (socprio report)


SUFFIXES = {
    ".csv": OutputFormat.CSV,
    ".json": OutputFormat.JSON,
    ".md": OutputFormat.MARKDOWN,
    ".xlsx": OutputFormat.XLSX,
    ".html": OutputFormat.HTML,
    ".htm": OutputFormat.HTML,
}
BINARY = frozenset({OutputFormat.XLSX})  # formats that are bytes, never sent to a terminal
