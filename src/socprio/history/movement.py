"""Earlier rankings, movement since the previous run, and the diff of any two rankings.

Pure: bytes in, DataFrames, dicts and text out; the shell reads and writes. Only export paths
use this module, so pandas is imported at the top. Errors name the file, line and column of a
bad cell, never its value (cron mails stderr).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from socprio.errors import DataError
from socprio.history.jsonread import loads_capped
from socprio.present.escape import unescape_cell
from socprio.read.csvtable import decode, parse

REQUIRED = ("rank", "group_id", "band", "score")
POINTS = "_points"
RAW = "_raw"
TOP_DRIVERS = 3
MOVEMENT_COLUMNS = ("previous_rank", "rank_change", "previous_band", "movement")
DROPPED_COLUMNS = ("group_id", "codename", "last_rank", "last_band", "last_score")
_BAND = r"^(\d+)[A-Z]?$"  # "1C" -> band 1; a bare "2" is band 2 too
_RANK = r"[1-9][0-9]{0,8}"  # at most 999,999,999 groups: fits int64


class Tag(StrEnum):
    """How a group moved since the previous ranking."""

    NEW = "NEW"  # not ranked last time
    BAND_UP = "BAND_UP"  # band number fell (1 is the highest priority)
    BAND_DOWN = "BAND_DOWN"  # band number rose
    UP = "UP"  # same band number, better rank
    DOWN = "DOWN"  # same band number, worse rank
    SAME = "SAME"  # same band number and rank


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


@dataclass(frozen=True, eq=False)
class Movement:
    """The current ranking with movement columns, and the groups that dropped out."""

    frame: pd.DataFrame  # the current frame plus MOVEMENT_COLUMNS after ``band``
    dropped: pd.DataFrame  # DROPPED_COLUMNS, by last rank
    since: date | None
    source: str

    def counts(self) -> dict[str, int]:
        """Groups per movement tag (every tag, in Tag order), then ``DROPPED``."""
        tags = self.frame["movement"].value_counts()
        out = {tag.value: int(tags.get(tag.value, 0)) for tag in Tag}
        return out | {"DROPPED": len(self.dropped)}


@dataclass(frozen=True, eq=False)
class Diff:
    """What changed between two rankings."""

    old: Previous
    new: Previous
    entered: pd.DataFrame  # group_id, codename, rank, band, score: by new rank
    dropped: pd.DataFrame  # DROPPED_COLUMNS: by old rank
    band_changes: pd.DataFrame  # groups in both whose band label changed: by new rank
    movers: pd.DataFrame  # largest |rank_change| first, ties by group_id
    drivers: dict[str, tuple[tuple[str, float], ...]]  # mover -> (factor, points change) x <= 3

    @property
    def config_changed(self) -> bool | None:
        """Whether the two runs used different configs (None when a side does not say)."""
        if self.old.config_sha256 is None or self.new.config_sha256 is None:
            return None
        return self.old.config_sha256 != self.new.config_sha256


# --- reading ---------------------------------------------------------------------------------


def read_ranking(data: bytes, *, source: str, as_of: date | None = None) -> Previous:
    """Read a socprio ranking export (CSV or JSON, detected by a leading ``{``).

    ``as_of`` is used when the file does not carry its own date (the CSV export does not; the
    JSON ``meta.as_of`` wins). Raises DataError naming the file, line and column of a problem.
    """
    text = decode(data, source=source)
    if text.lstrip()[:1] == "{":
        return _from_json(text, source=source, as_of=as_of)
    return _from_csv(text, source=source, as_of=as_of)


def _from_csv(text: str, *, source: str, as_of: date | None) -> Previous:
    """The flat CSV export: unescape text cells, then check the table."""
    table = parse(text, source=source)
    header = [unescape_cell(name) for name in table.header]
    raw = pd.DataFrame([row.cells for row in table.rows], columns=header, dtype=str)
    lines = [row.line for row in table.rows]
    _require(header, source)
    names = set(header)
    points = [c for c in header if c.endswith(POINTS)]
    factors = tuple(c for c in points if c.removesuffix(POINTS) + RAW in names)
    if not factors and not any(c.endswith(RAW) for c in header):
        factors = tuple(points)  # a trimmed export: every points column may explain a move
    kept = [c for c in ("codename", *REQUIRED) if c in names] + points
    frame = raw[kept].map(unescape_cell)
    marking = (
        unescape_cell(table.rows[0].cells[header.index("marking")]) if "marking" in names else None
    )
    return Previous(
        frame=_checked(frame, source=source, lines=lines),
        factors=factors,
        source=source,
        as_of=as_of,
        marking=marking or None,
    )


def _from_json(text: str, *, source: str, as_of: date | None) -> Previous:
    """The JSON export: ``{"meta": {...}, "groups": [...]}``, nested or flat per group."""
    doc = loads_capped(text, source=source)
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise DataError("not a socprio ranking: no top-level 'groups' list", file=source)
    meta = doc.get("meta", {})
    groups = doc["groups"]
    bad = next((i for i, g in enumerate(groups) if not isinstance(g, dict)), None)
    if not isinstance(meta, dict) or bad is not None:
        where = "'meta'" if bad is None else f"groups[{bad}]"
        raise DataError(f"{where} is not a JSON object", file=source)
    flat = pd.json_normalize(groups, sep=".") if groups else pd.DataFrame(columns=list(REQUIRED))
    flat, factors = _flatten_points(flat)
    _require(list(flat.columns), source)
    points = [c for c in flat.columns if c.endswith(POINTS)]
    missing = flat[list(REQUIRED)].isna().to_numpy().nonzero()
    if len(missing[0]):
        row, col = int(missing[0][0]), REQUIRED[int(missing[1][0])]
        raise DataError(f"groups[{row}].{col}: missing value", file=source)
    if "codename" not in flat.columns:
        flat["codename"] = ""
    frame = flat[["codename", *REQUIRED, *points]].fillna({"codename": ""}).astype(str)
    config = meta.get("config")
    sha = config.get("sha256") if isinstance(config, dict) else None
    marking = meta.get("marking")
    return Previous(
        frame=_checked(frame, source=source, lines=None),
        factors=factors,
        source=source,
        as_of=_meta_date(meta.get("as_of"), source) or as_of,
        marking=marking if isinstance(marking, str) and marking else None,
        config_sha256=sha if isinstance(sha, str) else None,
    )


def _flatten_points(flat: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Rename ``factors.<f>.points`` and ``group_points.<g>`` to ``<f>_points``/``<g>_points``.

    A factor whose points are null in every group (a rule-only factor) is dropped.
    """
    renames: dict[str, str] = {}
    factors: list[str] = []
    for col in flat.columns:
        parts = str(col).split(".")
        if len(parts) == 3 and parts[0] == "factors" and parts[2] == "points":
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
    band_number = text["band"].str.extract(_BAND, expand=False)
    numeric = [c for c in text.columns if c == "score" or c.endswith(POINTS)]
    values = {c: pd.to_numeric(text[c].str.strip(), errors="coerce") for c in numeric}
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
    frame.index = pd.Index(gid, name="group_id")
    return frame


# --- movement --------------------------------------------------------------------------------


def band_numbers(bands: pd.Series) -> pd.Series:
    """Band number of each sub-band label ("1C" -> 1); DataError on a label without one."""
    numbers = bands.astype(str).str.extract(_BAND, expand=False)
    if numbers.isna().any():
        raise DataError("a band label has no band number (expected labels such as 1A)")
    return numbers.astype("int64")


def movement(current: pd.DataFrame, previous: Previous) -> Movement:
    """Add previous_rank, rank_change (+ is up), previous_band and movement to ``current``.

    ``current`` is the export table (``ranking_frame``): one row per ranked group, with
    ``group_id``, ``rank`` and ``band`` columns. Its row order is kept.
    """
    if current["group_id"].duplicated().any():
        raise ValueError("current ranking has duplicate group_id")
    before = previous.frame[["rank", "band", "band_number"]].rename(
        columns={"rank": "previous_rank", "band": "previous_band", "band_number": "_prev_no"}
    )
    merged = current[["group_id", "rank", "band"]].merge(
        before, left_on="group_id", right_index=True, how="left", validate="one_to_one"
    )
    previous_rank = merged["previous_rank"].astype("Int64")
    change = previous_rank - merged["rank"].astype("Int64")
    was = merged["_prev_no"].to_numpy(dtype=float)  # NaN for new groups
    now = band_numbers(merged["band"]).to_numpy(dtype=float)
    step = change.to_numpy(dtype=float, na_value=np.nan)
    tag = np.select(
        [np.isnan(was), was > now, was < now, step > 0, step < 0],
        [Tag.NEW.value, Tag.BAND_UP.value, Tag.BAND_DOWN.value, Tag.UP.value, Tag.DOWN.value],
        default=Tag.SAME.value,
    )
    added = {
        "previous_rank": previous_rank.to_numpy(),
        "rank_change": change.to_numpy(),
        "previous_band": merged["previous_band"].fillna("").to_numpy(dtype=object),
        "movement": tag,
    }
    frame = current.drop(columns=[c for c in MOVEMENT_COLUMNS if c in current.columns])
    at = list(frame.columns).index("band") + 1 if "band" in frame.columns else len(frame.columns)
    for offset, (name, values) in enumerate(added.items()):
        frame.insert(at + offset, name, values)
    frame["previous_rank"] = frame["previous_rank"].astype("Int64")
    frame["rank_change"] = frame["rank_change"].astype("Int64")
    frame["previous_band"] = frame["previous_band"].astype(str)
    frame["movement"] = frame["movement"].astype(str)
    return Movement(
        frame=frame,
        dropped=_dropped(previous, current["group_id"]),
        since=previous.as_of,
        source=previous.source,
    )


def _dropped(previous: Previous, present: pd.Series) -> pd.DataFrame:
    """Groups in ``previous`` that are not in ``present``, by their last rank."""
    gone = previous.frame.loc[~previous.frame.index.isin(present)].sort_values("rank")
    return pd.DataFrame(
        {
            "group_id": gone.index.astype(str),
            "codename": gone["codename"].astype(str).to_numpy(),
            "last_rank": gone["rank"].to_numpy(dtype="int64"),
            "last_band": gone["band"].astype(str).to_numpy(),
            "last_score": gone["score"].to_numpy(dtype=float),
        }
    )


def movement_labels(frame: pd.DataFrame) -> pd.Series:
    """Short text for a table's movement column: ``NEW``, ``SAME``, ``UP +3``, ``BAND_DOWN -2``."""
    change = (
        frame["rank_change"].astype("Int64").astype(str).str.replace(r"^(\d)", r"+\1", regex=True)
    )
    tags = frame["movement"].astype(str)
    plain = tags.isin([Tag.NEW.value, Tag.SAME.value])
    return tags.where(plain, tags + " " + change)


def movement_records(m: Movement) -> dict[str, dict[str, Any]]:
    """Per group_id: previous_rank, rank_change, previous_band (None when new) and movement."""
    cols = m.frame[["group_id", *MOVEMENT_COLUMNS]]
    out: dict[str, dict[str, Any]] = {}
    for row in cols.to_dict(orient="records"):
        gid = str(row.pop("group_id"))
        out[gid] = {
            "previous_rank": _int_or_none(row["previous_rank"]),
            "rank_change": _int_or_none(row["rank_change"]),
            "previous_band": row["previous_band"] or None,
            "movement": row["movement"],
        }
    return out


def movement_to_json(m: Movement) -> dict[str, Any]:
    """The ``movement`` block for the JSON meta: since, previous source, counts, dropped."""
    return {
        "since": m.since.isoformat() if m.since else None,
        "previous": m.source,
        "counts": m.counts(),
        "dropped": _records(m.dropped),
    }


def render_changes_text(m: Movement) -> str:
    """The "changes since <date>" section under the rank table (plain text, no marking)."""
    since = m.since.isoformat() if m.since else "the previous run"
    counts = m.counts()
    head = f"Changes since {since}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
    lines = [head]
    f = m.frame
    notable = f[f["movement"].isin([Tag.NEW.value, Tag.BAND_UP.value, Tag.BAND_DOWN.value])]
    for row in notable.itertuples(index=False):
        was = (
            ""
            if row.movement == Tag.NEW.value
            else f" (was #{row.previous_rank} {row.previous_band})"
        )
        text = f"  {row.movement:<9} #{row.rank} {row.band} {row.group_id} {_codename(row)}{was}"
        lines.append(text.rstrip())
    for row in m.dropped.itertuples(index=False):
        lines.append(
            f"  {'DROPPED':<9} was #{row.last_rank} {row.last_band} {row.group_id} "
            f"{row.codename}".rstrip()
        )
    return "\n".join(lines) + "\n"


# --- diff ------------------------------------------------------------------------------------


def diff(old: Previous, new: Previous, *, movers: int = 10) -> Diff:
    """New groups, dropped groups, band changes and the biggest movers from ``old`` to ``new``.

    Each mover is explained by up to three factors whose points changed most (signed, new minus
    old; a factor absent from one side counts as 0 points there).
    """
    if movers < 0:
        raise ValueError("movers must not be negative")
    current = new.frame.reset_index()
    m = movement(current, old)
    f = m.frame
    both = f[f["movement"] != Tag.NEW.value]
    entered = f.loc[
        f["movement"] == Tag.NEW.value, ["group_id", "codename", "rank", "band", "score"]
    ]
    cols = ["group_id", "codename", "previous_rank", "rank", "rank_change", "previous_band"]
    cols += ["band", "movement"]
    band_changes = both.loc[both["band"] != both["previous_band"], cols]
    moved = both.loc[both["rank_change"] != 0, cols].assign(
        _size=lambda d: d["rank_change"].abs().astype("int64")
    )
    top = moved.sort_values(["_size", "group_id"], ascending=[False, True], kind="stable")
    top = top.head(movers).drop(columns="_size")
    return Diff(
        old=old,
        new=new,
        entered=entered.reset_index(drop=True),
        dropped=m.dropped,
        band_changes=band_changes.reset_index(drop=True),
        movers=top.reset_index(drop=True),
        drivers=_drivers(old, new, list(top["group_id"])),
    )


def _drivers(
    old: Previous, new: Previous, ids: list[str]
) -> dict[str, tuple[tuple[str, float], ...]]:
    """Per mover, the (factor, change) pairs with the largest absolute points change."""
    cols = list(dict.fromkeys([*new.factors, *old.factors]))
    if not ids or not cols:
        return dict.fromkeys(ids, ())
    delta = np.round(_points(new, ids, cols) - _points(old, ids, cols), 2)
    order = np.argsort(-np.abs(delta), axis=1, kind="stable")[:, :TOP_DRIVERS]
    picked = np.take_along_axis(delta, order, axis=1)
    names = np.array([c.removesuffix(POINTS) for c in cols], dtype=object)[order]
    return {
        gid: tuple((str(n), float(d)) for n, d in zip(names[i], picked[i], strict=True) if d != 0)
        for i, gid in enumerate(ids)
    }


def _points(p: Previous, ids: list[str], cols: list[str]) -> Any:
    """(ids, cols) points of ``p``; a column it does not have is 0 points."""
    present = p.frame.loc[ids, [c for c in cols if c in p.frame.columns]]
    return present.reindex(columns=cols, fill_value=0.0).to_numpy(dtype=float)


def diff_to_json(d: Diff) -> dict[str, Any]:
    """The diff as JSON-ready plain data (ints, floats, strings, None)."""
    movers = _records(d.movers)
    for item in movers:
        item["drivers"] = [{"factor": f, "change": c} for f, c in d.drivers[item["group_id"]]]
    return {
        "old": _side(d.old),
        "new": _side(d.new),
        "config_changed": d.config_changed,
        "counts": {
            "new": len(d.entered),
            "dropped": len(d.dropped),
            "band_changes": len(d.band_changes),
            "movers": len(d.movers),
        },
        "new_groups": _records(d.entered),
        "dropped": _records(d.dropped),
        "band_changes": _records(d.band_changes),
        "movers": movers,
    }


def render_diff_text(d: Diff, *, marking: str) -> str:
    """Plain text for a terminal or a cron mail; the marking is the first and last line."""
    config = {True: "config changed between the runs", False: "same config", None: ""}
    lines = [
        marking,
        f"socprio diff: {_label(d.old)} -> {_label(d.new)}",
        f"ranked {len(d.old.frame)} -> {len(d.new.frame)}; {len(d.entered)} new, "
        f"{len(d.dropped)} dropped, {len(d.band_changes)} band changes"
        + (f"; {config[d.config_changed]}" if d.config_changed is not None else ""),
        "",
        f"New ({len(d.entered)}):",
    ]
    lines += [
        f"  #{r.rank:<4} {r.band:<3} {r.group_id} {_codename(r)} score {r.score:.1f}".rstrip()
        for r in d.entered.itertuples(index=False)
    ] or ["  none"]
    lines += ["", f"Dropped out ({len(d.dropped)}):"]
    lines += [
        f"  was #{r.last_rank:<4} {r.last_band:<3} {r.group_id} {r.codename}".rstrip()
        for r in d.dropped.itertuples(index=False)
    ] or ["  none"]
    lines += ["", f"Band changes ({len(d.band_changes)}):"]
    lines += [
        f"  {r.group_id} {r.previous_band} -> {r.band} (#{r.previous_rank} -> #{r.rank}) "
        f"{r.movement}"
        for r in d.band_changes.itertuples(index=False)
    ] or ["  none"]
    lines += ["", f"Biggest movers ({len(d.movers)}):"]
    for r in d.movers.itertuples(index=False):
        why = ", ".join(f"{f} {c:+.2f}" for f, c in d.drivers[str(r.group_id)])
        lines.append(
            f"  {r.group_id} #{r.previous_rank} -> #{r.rank} ({r.rank_change:+d}) "
            f"{r.previous_band} -> {r.band}; "
            + (f"factors: {why}" if why else "no factor changed (others moved)")
        )
    if d.movers.empty:
        lines.append("  none")
    return "\n".join([*lines, "", marking]) + "\n"


def _label(p: Previous) -> str:
    """``2026-11-16 (path)`` or just the path when the run's date is unknown."""
    return f"{p.as_of.isoformat()} ({p.source})" if p.as_of else p.source


def _side(p: Previous) -> dict[str, Any]:
    """One side of a diff for JSON."""
    return {
        "source": p.source,
        "as_of": p.as_of.isoformat() if p.as_of else None,
        "ranked": len(p.frame),
        "config_sha256": p.config_sha256,
    }


def _codename(row: Any) -> str:
    """A row's codename, or empty text when the export has none."""
    return str(getattr(row, "codename", "") or "")


def _int_or_none(value: Any) -> int | None:
    """An Int64 cell as int, or None for NA."""
    return None if value is None or value is pd.NA else int(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts; NA becomes None and scores are rounded to 0.1."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        item: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                item[str(key)] = None
            elif isinstance(value, float | np.floating):
                item[str(key)] = round(float(value), 1)
            elif isinstance(value, int | np.integer):
                item[str(key)] = int(value)
            else:
                item[str(key)] = value
        out.append(item)
    return out
