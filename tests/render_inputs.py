"""The input the export tests share: codenames that start with formula triggers, notes with
line breaks, and clones that tie on every ordering key but group_id."""

from __future__ import annotations

from conftest import rows_csv, sample_rows
from socprio.config.models import Config

CODENAMES = ["=SUM(A1)", "+44 20", "-dash", "@cmd", "＝full", "＋plus", "－minus", "＠at", "'=x"]
CODENAMES += ["a|pipe", "Ω unicode", "-", "x" * 60, "＝" + "Ｗ" * 40]


def tricky_rows(cfg: Config) -> list[dict[str, str]]:
    """60 sample groups (some dormant or archived), the first ones renamed, plus 10 clones."""
    rows = sample_rows(cfg, groups=60, seed=31, dormant=3, archived=2)
    for row, name in zip(rows, CODENAMES, strict=False):
        row["codename"] = name
        row["status"] = "active"
        row["notes"] = '=HYPERLINK("x")\n@note\t+1'
    clones = [{**row, "group_id": f"OCG-{8000 + n}"} for n, row in enumerate(rows[:10])]
    return rows + clones  # clones tie on every key but group_id


def tricky_csv(cfg: Config) -> bytes:
    """``tricky_rows`` as input-file bytes."""
    return rows_csv(tricky_rows(cfg))
