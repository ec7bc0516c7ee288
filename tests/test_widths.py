"""``explain``, ``config show`` and ``stability`` fit the terminal's width ($COLUMNS here, as in a
pipe) at 80 columns as at 100 and 132: no line longer, none padded with trailing spaces, no
factor name or number cut short, and the flags as ``Flag.short`` with their legend."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from socprio import Flag
from socprio.cli.app import app
from socprio.config.load import load_config

SAMPLE = ["sample_data/ocgs.csv", "--as-of", "2026-11-23"]
WIDTHS = (80, 100, 132)


def run(width: int, *args: str) -> list[str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(width), "NO_COLOR": ""})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    assert not any(line.endswith(" ") for line in lines)
    return lines


@pytest.mark.parametrize("width", WIDTHS)
def test_explain_fits_and_keeps_every_factor_whole(width: int) -> None:
    lines = run(width, "explain", "OCG-0052", *SAMPLE)
    cfg = load_config(None).config
    rows = {line.split()[1]: line.split() for line in lines if len(line.split()) > 4}
    for name in cfg.factors:
        assert name in rows, name  # on one line, never wrapped or cut
    assert rows["violence"][-3:] == ["0.75", "0.1125", "8.44"]  # value, weight, points
    text = " ".join(" ".join(lines).split())
    assert "unknown, scored" in text  # how an unknown was scored, in its meaning
    assert "Flag ACTION_NOW: an active threat to life: act now" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_config_show_fits_with_every_weight(width: int) -> None:
    lines = run(width, "config", "show")
    cfg = load_config(None).config
    for group in cfg.groups.values():
        assert any(line.strip().startswith(group.label) for line in lines)
        for factor in group.factors:
            assert any(line.split()[:1] == [factor] for line in lines), factor
    assert "Effective" in " ".join(lines) and "R2-threat-to-life" in " ".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_stability_fits_with_its_flags_and_legend(width: int) -> None:
    lines = run(width, "stability", *SAMPLE, "--draws", "200", "--top", "15")
    text = " ".join(" ".join(lines).split())
    head = next(line for line in lines if line.split()[:2] == ["#", "Group"])
    assert head.split()[-1] == "Flags"  # never dropped for want of room
    assert f"{Flag.DISAGREE.short} = DISAGREE:" in text
    assert f"{Flag.UNSTABLE.short} = UNSTABLE:" in text
    if width >= 100:
        assert "…" not in text  # no codename cut short
