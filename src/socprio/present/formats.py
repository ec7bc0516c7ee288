"""The output formats of ``socprio rank`` (a light module: the CLI imports it for --help)."""

from enum import StrEnum


class OutputFormat(StrEnum):
    """Every output format of ``socprio rank``."""

    TABLE = "table"  # the analyst's rich table (socprio.present.table)
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"
    XLSX = "xlsx"  # the tasking workbook (socprio.present.xlsx); needs --output
