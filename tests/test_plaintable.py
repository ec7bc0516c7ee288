"""plaintable gives exactly the text rich prints for the same table, whatever the cells."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich import box
from rich.table import Table

from socprio.present.plaintable import table_lines
from socprio.present.termtext import rendered

JUSTIFY = ("right", "left", "left", "right")
CELL = st.text(
    alphabet=st.sampled_from([*"abc XYZ019-…é", "中", "文", "\t", "\u200b", "́", "\n"]),
    max_size=24,
)


def make_table(min_widths: list[int | None], max_widths: list[int | None]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, padding=0, title="Groups", title_justify="left")
    for k, justify in enumerate(JUSTIFY):
        table.add_column(
            f"Col {k}",
            justify="left" if justify == "left" else "right",
            no_wrap=True,
            overflow="ellipsis",
            min_width=min_widths[k],
            max_width=max_widths[k],
        )
    return table


Widths = list[int | None]


def rich_text(min_w: Widths, max_w: Widths, rows: list[list[str]], w: int) -> str:
    table = make_table(min_w, max_w)
    for row in rows:
        table.add_row(*row)
    return rendered(table, w)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=12),
    width=st.integers(min_value=12, max_value=120),
    min_w=st.lists(st.none() | st.integers(0, 12), min_size=4, max_size=4),
    max_w=st.lists(st.none() | st.integers(4, 20), min_size=4, max_size=4),
)
def test_the_same_text_as_rich(
    rows: list[list[str]], width: int, min_w: list[int | None], max_w: list[int | None]
) -> None:
    ours = table_lines(lambda: make_table(min_w, max_w), rows, width)
    assert "".join(f"{line}\n" for line in ours) == rich_text(min_w, max_w, rows, width)


def test_an_empty_table_is_rich_s_own() -> None:
    none: list[int | None] = [None] * 4
    ours = table_lines(lambda: make_table(none, none), [], 80)
    assert "".join(f"{line}\n" for line in ours) == rich_text(none, none, [], 80)


def test_a_long_ascii_table() -> None:
    rows = [[str(i), f"OCG-{i:04d}", "CODENAME " * (i % 4), "1A"] for i in range(500)]
    widths: list[int | None] = [None, None, 8, None]
    for width in (30, 60, 100):
        ours = table_lines(lambda: make_table(widths, [None, None, 16, None]), rows, width)
        expected = rich_text(widths, [None, None, 16, None], rows, width)
        assert "".join(f"{line}\n" for line in ours) == expected


def test_a_rich_whose_private_widths_changed_still_prints_rich_s_table() -> None:
    # The fast path calls rich's private column widths; rich is not pinned, so a release that
    # renames or changes them must cost speed, not the analyst's table.
    none: list[int | None] = [None] * 4
    made: list[Table] = []

    def make() -> Table:
        table = make_table(none, none)
        if not made:  # the table the fast path measures: as if rich had changed the method
            table._calculate_column_widths = None  # type: ignore[assignment,method-assign]
        made.append(table)
        return table

    rows = [[str(i), f"OCG-{i:04d}", "CODENAME", "1A"] for i in range(20)]
    ours = table_lines(make, rows, 60)
    assert len(made) == 2  # measured, then rendered whole
    assert "".join(f"{line}\n" for line in ours) == rich_text(none, none, rows, 60)
