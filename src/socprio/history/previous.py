"""Earlier rankings read back from a socprio export (CSV or JSON) for movement and diff.

Pure: bytes in, a typed ``Previous`` out. Errors name the file, line and column of a bad cell,
never its value (cron mails stderr).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from socprio.errors import DataError
from socprio.history.jsonread import gc_paused, loads_streaming
from socprio.present.escape import unescape_cell
from socprio.read.csvtable import CsvColumn, decode, parse

REQUIRED = ("rank", "group_id", "band", "score")
POINTS = "_points"
RAW = "_raw"
BAND_LABEL = r"^(\d+)[A-Z]?$"  # "1C" -> band 1; a bare "2" is band 2 too
TEXT = ("overrides", "flags")  # kept as text when present: movement causes read them
_RANK = r"[1-9][0-9]{0,8}"  # at most 999,999,999 groups: fits int64


@dataclass(frozen=True, eq=False)
class Previous:
    """An earlier ranking: one row per group, indexed by ``group_id``.

    ``frame`` holds ``codename`` (str), ``rank`` (int64), ``band`` (str), ``band_number``
    (int64), ``score`` (float64) and every ``<x>_points`` column (float64). ``factors`` names
    the per-factor points columns (those with a matching ``<factor>_raw`` column in a CSV, or
    under ``factors`` in a JSON export); the diff explains movers with these.
    """

    frame: pd.DataFrame
    factors: tuple[str, ...]
    source: str
    as_of: date | None = None
    marking: str | None = None
    config_sha256: str | None = None
    config_summary: dict[str, Any] | None = None  # core.causes.config_summary of that run


def read_ranking(data: bytes, *, source: str, as_of: date | None = None) -> Previous:
    """Read a socprio ranking export (CSV or JSON, detected by a leading ``{``).

    ``as_of`` is used when the file does not carry its own date (the CSV export does not; the
    JSON ``meta.as_of`` wins). Raises DataError naming the file, line and column of a problem.
    """
    text = decode(data, source=source)
    del data  # a file passed straight in is freed now: a JSON export's text is large enough
    if text.lstrip()[:1] == "{":
        with gc_paused():
            return _from_json(text, source=source, as_of=as_of)
    return _from_csv(text, source=source, as_of=as_of)


def _from_csv(text: str, *, source: str, as_of: date | None) -> Previous:
    """The flat CSV export: unescape the text cells of the columns a comparison reads
    (numbers parsed once per distinct cell), then check the table."""
    table = parse(text, source=source)
    header = [unescape_cell(name) for name in table.header]
    _require(header, source)
    names = set(header)
    points = [c for c in header if c.endswith(POINTS)]
    factors = tuple(c for c in points if c.removesuffix(POINTS) + RAW in names)
    if not factors and not any(c.endswith(RAW) for c in header):
        factors = tuple(points)  # a trimmed export: every points column may explain a move
    raws = [c for c in header if c.endswith(RAW)]
    kept = [c for c in ("codename", *REQUIRED, *TEXT) if c in names] + points + raws
    columns = {c: table.columns[header.index(c)] for c in kept}  # a few dozen names
    frame = pd.DataFrame(
        {
            c: _numbers(column) if c == "score" or c.endswith(POINTS) else _unescaped(column)
            for c, column in columns.items()
        },
        index=pd.RangeIndex(len(table.lines)),
    ).astype({c: str for c in columns if c != "score" and not c.endswith(POINTS)})
    marking = (
        unescape_cell(table.columns[header.index("marking")][0]) if "marking" in names else None
    )
    return Previous(
        frame=_checked(frame, source=source, lines=table.lines.tolist()),
        factors=factors,
        source=source,
        as_of=as_of,
        marking=marking or None,
    )


def _unescaped(column: CsvColumn) -> list[str]:
    """A column's cells with ``unescape_cell`` applied, each distinct cell unescaped once."""
    values = list(map(unescape_cell, column.values))
    if len(values) == len(column.codes):  # every cell, in file order
        return values
    shared: list[str] = np.array(values, dtype=object)[column.codes].tolist()
    return shared


def _numbers(column: CsvColumn) -> npt.NDArray[np.float64]:
    """A column of numbers, each distinct cell unescaped and parsed once: NaN where a cell
    is not a number (``_checked`` then names its line)."""
    cells = pd.Series(list(map(unescape_cell, column.values)), dtype=str).str.strip()
    parsed = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return parsed if len(parsed) == len(column.codes) else parsed[column.codes]


def _from_json(text: str, *, source: str, as_of: date | None) -> Previous:
    """The JSON export: ``{"meta": {...}, "groups": [...]}``, nested or flat per group."""
    doc, read = loads_streaming(text, source=source, key="groups", consume=_flat_objects)
    if not isinstance(doc, dict) or read is None:
        raise DataError("not a socprio ranking: no top-level 'groups' list", file=source)
    meta = doc.get("meta", {})
    flat, bad = read
    if not isinstance(meta, dict) or bad is not None:
        where = "'meta'" if bad is None else f"groups[{bad}]"
        raise DataError(f"{where} is not a JSON object", file=source)
    if not len(flat):
        flat = pd.DataFrame(columns=list(REQUIRED))
    flat, factors = _flatten_points(flat, source)
    _require(list(flat.columns), source)
    points = [c for c in flat.columns if c.endswith(POINTS)]
    extra = [c for c in flat.columns if c in TEXT or str(c).endswith(RAW)]
    for col in extra:
        flat[col] = [v if type(v) is str else _text_cell(v) for v in flat[col].tolist()]
    missing = flat[list(REQUIRED)].isna().to_numpy().nonzero()
    if len(missing[0]):
        row, col = int(missing[0][0]), REQUIRED[int(missing[1][0])]
        raise DataError(f"groups[{row}].{col}: missing value", file=source)
    if "codename" not in flat.columns:
        flat["codename"] = ""
    kept = flat[["codename", *REQUIRED, *points, *extra]].fillna({"codename": ""})
    # Numbers already parsed as float64 stay numbers (str() and back is the same float, and
    # a null is NaN either way: "not a number"); every other column is checked as text.
    numbers = {c for c in ("score", *points) if kept[c].dtype == np.float64}
    frame = kept.astype({c: str for c in kept.columns if c not in numbers})
    config = meta.get("config")
    sha = config.get("sha256") if isinstance(config, dict) else None
    summary = config.get("summary") if isinstance(config, dict) else None
    marking = meta.get("marking")
    return Previous(
        frame=_checked(frame, source=source, lines=None),
        factors=factors,
        source=source,
        as_of=_meta_date(meta.get("as_of"), source) or as_of,
        marking=marking if isinstance(marking, str) and marking else None,
        config_sha256=sha if isinstance(sha, str) else None,
        config_summary=summary if isinstance(summary, dict) else None,
    )


def _flat_objects(groups: Iterator[Any]) -> tuple[pd.DataFrame, int | None]:
    """``_flat`` of the groups as they are decoded, and the index of the first that is not
    a JSON object (None when all are)."""
    bad: list[int] = []

    def objects() -> Iterator[dict[str, Any]]:
        for i, group in enumerate(groups):
            if isinstance(group, dict):
                yield group
            elif not bad:
                bad.append(i)

    return _flat(objects()), bad[0] if bad else None


def _flat(groups: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A row per group of the flat keys ``_flatten_points`` reads, as ``pd.DataFrame`` makes
    of a list of them (a key a group lacks is NaN): its top-level values that can be kept
    (``_used``), and from the nested export ``factors.<f>.raw``/``.points`` and
    ``group_points.<g>`` (the other values are not needed to compare rankings, so they are
    never copied). Built a column at a time, with each flat key made once: a dict per group
    held until the end cost four times the table."""
    used = _Kept()
    factor_keys: dict[str, tuple[str, str]] = {}
    point_keys: dict[str, str] = {}
    columns: dict[str, list[Any]] = {}
    n = 0
    for group in groups:
        row = {k: v for k, v in group.items() if not isinstance(v, dict) and used[k]}
        factors = group.get("factors")
        for name, factor in factors.items() if isinstance(factors, dict) else ():
            if isinstance(factor, dict):
                if (keys := factor_keys.get(name)) is None:
                    keys = factor_keys[name] = (f"factors.{name}.raw", f"factors.{name}.points")
                row[keys[0]] = factor.get("raw")
                row[keys[1]] = factor.get("points")
        points = group.get("group_points")
        for name, value in points.items() if isinstance(points, dict) else ():
            if (key := point_keys.get(name)) is None:
                key = point_keys[name] = f"group_points.{name}"
            row[key] = value
        for key, value in row.items():
            if (column := columns.get(key)) is None:
                column = columns[key] = [np.nan] * n
            column.append(value)
        n += 1
        if len(row) != len(columns):  # keys this group lacks
            for column in columns.values():
                if len(column) < n:
                    column.append(np.nan)
    return pd.DataFrame(columns, index=pd.RangeIndex(n))


class _Kept(dict[str, bool]):
    """``_used`` of each key, worked out the first time the key is met."""

    def __missing__(self, key: str) -> bool:
        self[key] = kept = _used(key)
        return kept


def _used(key: str) -> bool:
    """Whether a top-level value can be kept (``_from_json`` drops every other one unread)."""
    return (
        key in ("codename", *REQUIRED, *TEXT)
        or key.endswith((POINTS, RAW))
        or key.startswith(("factors.", "group_points."))
    )


def _text_cell(value: object) -> str:
    """A JSON list (flags, overrides) ';'-joined; null as empty; other values as text."""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _flatten_points(flat: pd.DataFrame, source: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Rename ``factors.<f>.points`` and ``group_points.<g>`` to ``<f>_points``/``<g>_points``.

    A factor whose points are null in every group (a rule-only factor) is dropped. A file
    that gives one value twice (``violence_raw`` beside ``factors.violence.raw``) is refused:
    which of the two it meant cannot be known.
    """
    renames: dict[str, str] = {}
    factors: list[str] = []
    for col in flat.columns:
        parts = str(col).split(".")
        if len(parts) == 3 and parts[0] == "factors" and parts[2] == "raw":
            renames[col] = parts[1] + RAW
        elif len(parts) == 3 and parts[0] == "factors" and parts[2] == "points":
            if flat[col].notna().any():
                renames[col] = parts[1] + POINTS
                factors.append(parts[1] + POINTS)
        elif len(parts) == 2 and parts[0] == "group_points":
            renames[col] = parts[1] + POINTS
    if not factors:  # a flat JSON: the CSV's rule (points with a matching raw column)
        names = {str(c) for c in flat.columns}
        factors = [c for c in names if c.endswith(POINTS) and c.removesuffix(POINTS) + RAW in names]
        factors.sort(key=list(flat.columns).index)
    keep = [c for c in flat.columns if "." not in str(c) or c in renames]
    twice = sorted(c for c, n in Counter(renames.get(c, c) for c in keep).items() if n > 1)
    if twice:
        message = f"a group gives {twice[0]!r} twice (flat and nested): not a socprio file"
        raise DataError(message, file=source)
    return flat[keep].rename(columns=renames), tuple(factors)


def _meta_date(value: object, source: str) -> date | None:
    """``meta.as_of`` as a date; absent is None, anything but YYYY-MM-DD is a DataError."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DataError("meta.as_of is not a YYYY-MM-DD date", file=source)


def _require(columns: Sequence[str], source: str) -> None:
    """DataError naming every required column that is absent."""
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise DataError(
            f"not a socprio ranking: missing column(s) {', '.join(missing)}", file=source
        )


def _bad(
    source: str, lines: Sequence[int] | None, row: int, column: str, message: str
) -> DataError:
    """A DataError at a CSV line and column, or at ``groups[i].column`` of a JSON export."""
    if lines is None:
        return DataError(f"groups[{row}].{column}: {message}", file=source)
    return DataError(message, file=source, line=lines[row], column=column)


def _first(mask: Any) -> int | None:
    """Position of the first True in a boolean array-like, or None."""
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(hits[0]) if len(hits) else None


def _checked(text: pd.DataFrame, *, source: str, lines: Sequence[int] | None) -> pd.DataFrame:
    """Type and check the text columns of a ranking; index by ``group_id``."""
    gid = text["group_id"]
    rank = text["rank"]
    band_number = text["band"].str.extract(BAND_LABEL, expand=False)
    numeric = [c for c in text.columns if c == "score" or c.endswith(POINTS)]
    values = {
        c: text[c]
        if text[c].dtype == np.float64
        else pd.to_numeric(text[c].str.strip(), errors="coerce")
        for c in numeric
    }
    checks: list[tuple[str, Any, str]] = [
        ("group_id", gid == "", "empty group_id"),
        ("group_id", gid.duplicated(), "duplicate group_id"),
        ("rank", ~rank.str.fullmatch(_RANK), "rank is not a positive whole number"),
        ("band", band_number.isna(), "band is not a label such as 1A"),
    ]
    checks += [
        (c, ~np.isfinite(v.to_numpy(dtype=float)), "not a number") for c, v in values.items()
    ]
    for column, mask, message in checks:
        row = _first(mask)
        if row is not None:
            raise _bad(source, lines, row, column, message)
    ranks = rank.astype("int64")
    row = _first(ranks.duplicated())
    if row is not None:
        raise _bad(source, lines, row, "rank", "duplicate rank")
    frame = pd.DataFrame(
        {
            "codename": text["codename"] if "codename" in text.columns else "",
            "rank": ranks,
            "band": text["band"],
            "band_number": band_number.astype("int64"),
        }
    )
    for col in numeric:
        frame[col] = values[col].astype("float64")
    for col in [c for c in text.columns if c in TEXT or c.endswith(RAW)]:
        frame[col] = text[col].to_numpy()
    frame.index = pd.Index(gid, name="group_id")
    return frame
