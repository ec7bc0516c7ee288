"""The README screenshot of ``socprio rank`` in an 80-column terminal, and the HTML it is taken
from: the coloured table text (ANSI, exactly as a terminal gets it) turned into HTML by rich,
then photographed by headless Chromium (tests/chromium.py).

Regenerate: ``.venv/bin/python tests/table_screenshot.py docs/images/rank-table-80.png``.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = 80
ROWS = 12  # the rows shown below the Act now section
LINE_PX = 20  # rich's HTML export: line height at its default font size
CHAR_PX = 9.9


def table_ansi(rows: int = ROWS) -> str:
    """The shipped sample's table as a colour terminal 80 columns wide gets it."""
    from socprio import assess, load_config
    from socprio.present.table import table_text
    from socprio.present.termtext import Ink

    with contextlib.chdir(ROOT):  # the caption names the input as given
        a = assess("sample_data/ocgs.csv", load_config(None), as_of=date(2026, 11, 23))
    return table_text(a, width=COLUMNS, ink=Ink.COLOUR, limit=rows)


def table_html(ansi: str) -> str:
    """``ansi`` as a self-contained HTML page on a dark terminal background."""
    import io

    from rich.console import Console
    from rich.terminal_theme import MONOKAI
    from rich.text import Text

    console = Console(
        width=COLUMNS,
        record=True,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
    )
    for line in ansi.splitlines():
        console.print(Text.from_ansi(line), soft_wrap=True)
    return console.export_html(theme=MONOKAI, inline_styles=True)


def readme_screenshot(png_path: Path) -> None:
    """Screenshot the table for the README (Chromium installed on demand, as for the pack)."""
    from chromium import find_or_install_chromium, install_problem, screenshot

    binary = find_or_install_chromium()
    if binary is None:
        raise SystemExit(f"chromium is not available: {install_problem()}")
    ansi = table_ansi()
    lines = ansi.count("\n") + 2
    with tempfile.TemporaryDirectory(prefix="socprio-table-") as tmp:
        page = Path(tmp) / "table.html"
        page.write_text(table_html(ansi), encoding="utf-8")
        width, height = int(COLUMNS * CHAR_PX) + 40, lines * LINE_PX + 40
        screenshot(page, png_path, binary=binary, width=width, height=height, scale=1.5)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    readme_screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images/rank-table-80.png"))
