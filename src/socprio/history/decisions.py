"""SHELL: the tamper-evident decision log: one JSON line per tasking decision, hash-chained.

Each entry records the decision (adopt, keep, defer, decline, release), who took it and why
(and any dissent), the archived run it was taken on (its archive, as-of date and manifest
SHA-256), the group's rank, band and flags in that run, the slate's proposal, whether the
decision departs from the rank or the slate, and ``prev_sha256``: the ``sha256`` of the entry
before (the first chains from ``GENESIS``). ``sha256`` is the SHA-256 of the entry's canonical
JSON (sorted keys, no spaces, UTF-8) without that field, and ``seq`` its line number, so an
edited, deleted, inserted or reordered line breaks the chain at that line. (A cut-off tail
leaves a valid chain: keep the head hash ``decide`` prints in the minutes.)

Appends go through ``write.plan``: the log's directory is locked, the whole chain is checked,
and the old lines plus every new one are written to a temp file and renamed over the log
(mode 0600): a meeting's decisions are appended all together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from socprio.errors import DataError, NoInputError

GENESIS = hashlib.sha256(b"socprio decision log v1").hexdigest()
DECISIONS = ("adopt", "keep", "defer", "decline", "release")
TAKES = frozenset({"adopt", "keep"})  # the decisions that hold the group
MAX_TEXT = 4000
LOG_MODE = 0o600


@dataclass(frozen=True)
class Request:
    """One decision to record, as given (``line``: where, in a decisions CSV)."""

    group_id: str
    decision: str
    by: str
    rationale: str
    dissent: str | None = None
    line: int | None = None


def canonical(entry: Mapping[str, Any]) -> str:
    """The entry as canonical JSON: sorted keys, no spaces, UTF-8 (not ASCII-escaped)."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The SHA-256 of the canonical JSON of ``entry`` without its own ``sha256``."""
    body = {k: v for k, v in entry.items() if k != "sha256"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def sealed(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``entry`` with its ``sha256``."""
    return dict(entry) | {"sha256": entry_hash(entry)}


def read_log(path: Path) -> bytes:
    """The log's bytes (empty when it does not exist yet)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except IsADirectoryError:
        raise NoInputError("the decision log is a directory", file=str(path)) from None
    except OSError:
        raise NoInputError("the decision log is unreadable", file=str(path)) from None


def check_chain(data: bytes, *, source: str) -> list[dict[str, Any]]:
    """Every entry of a log, checked line by line: JSON, canonical, its own hash, its line
    number and its link to the line before. DataError at the first broken line."""
    entries: list[dict[str, Any]] = []
    prev = GENESIS
    text = data.decode("utf-8", errors="replace")
    if text and not text.endswith("\n"):
        lines = text.split("\n")
        raise DataError("the last entry is incomplete (no final newline)", file=source,
                        line=len(lines))  # fmt: skip
    for number, line in enumerate(text.splitlines(), start=1):
        entry = _parse(line, source, number)
        if entry.get("sha256") != entry_hash(entry):
            raise DataError("entry does not match its sha256: edited", file=source, line=number)
        if entry.get("seq") != number:
            raise DataError(
                f"entry says it is number {entry.get('seq')}: lines were deleted, inserted "
                "or reordered",
                file=source,
                line=number,
            )
        if entry.get("prev_sha256") != prev:
            raise DataError(
                "the chain is broken: prev_sha256 is not the entry before (deleted, inserted "
                "or reordered)",
                file=source,
                line=number,
            )
        prev = str(entry["sha256"])
        entries.append(entry)
    return entries


def _parse(line: str, source: str, number: int) -> dict[str, Any]:
    try:
        entry = json.loads(line)
    except ValueError:
        raise DataError("not a JSON entry", file=source, line=number) from None
    if not isinstance(entry, dict):
        raise DataError("not a JSON object", file=source, line=number)
    if canonical(entry) != line:
        raise DataError("not in canonical form: edited", file=source, line=number)
    return entry


def check_runs(
    entries: Sequence[Mapping[str, Any]], *, source: str, archive: Path | None = None
) -> None:
    """Every run an entry names still exists with the manifest SHA-256 it recorded (in
    ``archive`` when given, e.g. after moving the archive, else where it was)."""
    from socprio.history.manifest import MANIFEST_NAME, sha256_hex

    for number, entry in enumerate(entries, start=1):
        run = entry.get("run")
        if not isinstance(run, dict):
            raise DataError("entry names no archived run", file=source, line=number)
        where = (archive or Path(str(run.get("archive")))) / str(run.get("as_of"))
        try:
            digest = sha256_hex((where / MANIFEST_NAME).read_bytes())
        except OSError:
            raise DataError(
                f"the archived run it was taken on is missing ({where})", file=source, line=number
            ) from None
        if digest != run.get("manifest_sha256"):
            raise DataError(
                f"the archived run it was taken on has changed or been replaced ({where})",
                file=source,
                line=number,
            )


def departures(
    gid: str, decision: str, groups: Mapping[str, Mapping[str, Any]], state: Mapping[str, bool]
) -> dict[str, Any]:
    """Whether ``decision`` on ``gid`` departs from the rank or from the slate's proposal.

    From the rank: letting a group go (defer, decline, release) while a worse-ranked group of
    the same force is held, or an act-now or override Band 1 group; holding one (adopt, keep)
    while a better-ranked group of its force was let go. ``state``: group id -> whether the
    log holds it in this run; a group the log has not decided on is as the slate proposes."""
    group = groups[gid]
    takes = decision in TAKES
    force, rank = group["lead_force"], group["rank"]

    def held(k: str) -> bool:
        return state.get(k, groups[k]["slate"] in ("ADOPT", "KEEP"))

    same = [(k, g) for k, g in groups.items() if g["lead_force"] == force and k != gid]
    note = ""
    if not takes:
        lower = [g["rank"] for k, g in same if g["rank"] > rank and held(k)]
        if lower:
            note = f"{decision}s rank {rank} while rank {max(lower)} of {force} is held"
        elif group["must_adopt"]:
            note = f"{decision}s a group the slate must adopt ({group['must_adopt']})"
    else:
        higher = [g["rank"] for k, g in same if g["rank"] < rank and state.get(k) is False]
        if higher:
            note = f"{decision}s rank {rank} while rank {min(higher)} of {force} was let go"
    slate_takes = group["slate"] in ("ADOPT", "KEEP")
    return {"rank": bool(note), "slate": takes != slate_takes, "note": note}


def build_entries(
    requests: Iterable[Request],
    groups: Mapping[str, Mapping[str, Any]],
    prior: Sequence[Mapping[str, Any]],
    *,
    run: Mapping[str, str],
    now: datetime,
) -> list[dict[str, Any]]:
    """The sealed entries for ``requests``, chained after ``prior`` (the log so far)."""
    state = {
        str(e.get("group_id")): e.get("decision") in TAKES
        for e in prior
        if e.get("run", {}).get("manifest_sha256") == run["manifest_sha256"]
    }
    prev = str(prior[-1]["sha256"]) if prior else GENESIS
    out: list[dict[str, Any]] = []
    for req in requests:
        group = groups[req.group_id]
        entry = {
            "seq": len(prior) + len(out) + 1,
            "prev_sha256": prev,
            "recorded_utc": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "run": dict(run),
            "group_id": req.group_id,
            "decision": req.decision,
            "by": req.by,
            "rationale": req.rationale,
            "dissent": req.dissent,
            "group": {k: group[k] for k in ("rank", "band", "flags", "lead_force")},
            "slate": {"decision": group["slate"], "reason": group["slate_reason"]},
            "departs": departures(req.group_id, req.decision, groups, state),
        }
        out.append(sealed(entry))
        prev = out[-1]["sha256"]
        state[req.group_id] = req.decision in TAKES
    return out


def check_request(req: Request, groups: Mapping[str, Any], *, file: str, as_of: date) -> None:
    """DataError naming the place for an unknown group, decision or an empty or long text."""
    line = req.line
    if req.group_id not in groups:
        raise DataError(f"not a ranked group in the archived run of {as_of}", file=file,
                        line=line, column="group_id")  # fmt: skip
    if req.decision not in DECISIONS:
        raise DataError(f"decision must be one of {', '.join(DECISIONS)}", file=file,
                        line=line, column="decision")  # fmt: skip
    for column, text in (("by", req.by), ("rationale", req.rationale)):
        if not text.strip():
            raise DataError("must not be empty", file=file, line=line, column=column)
    for column, value in (("rationale", req.rationale), ("dissent", req.dissent or "")):
        if len(value) > MAX_TEXT:
            raise DataError(f"longer than {MAX_TEXT} characters", file=file, line=line,
                            column=column)  # fmt: skip


CSV_COLUMNS = ("group_id", "decision", "by", "rationale", "dissent")


def read_requests(path: Path) -> list[Request]:
    """A meeting's decisions from a CSV (group_id, decision, by, rationale, optional
    dissent), each with its line; DataError naming the file, line and column otherwise."""
    from socprio.read.csvtable import read_table

    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NoInputError("decisions file not found", file=source) from None
    except OSError:
        raise NoInputError("decisions file is unreadable", file=source) from None
    table = read_table(data, source=source)
    header = [h.strip().casefold() for h in table.header]
    for pos, name in enumerate(header, start=1):
        if name not in CSV_COLUMNS or header.index(name) != pos - 1:
            raise DataError(f"column {pos} must be one of {', '.join(CSV_COLUMNS)}, once",
                            file=source, line=1, column=table.header[pos - 1])  # fmt: skip
    for name in CSV_COLUMNS[:4]:
        if name not in header:
            raise DataError("required column is missing", file=source, line=1, column=name)
    if not table.size:
        raise DataError("no decisions in the file", file=source)
    out = []
    for row in table.rows:  # a hand-written file of a few decisions
        cell = dict(zip(header, (c.strip() for c in row.cells), strict=True))
        out.append(Request(cell["group_id"], cell["decision"].casefold(), cell["by"],
                           cell["rationale"], cell.get("dissent") or None, row.line))  # fmt: skip
    return out


def run_groups(archive: Path, as_of: date) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The run a decision is taken on (archive, as-of, manifest SHA-256) and its ranked
    groups as the run ranked them, each with the slate's proposal."""
    from socprio.history.replay import archived_sources
    from socprio.pipeline.slate import assess_slate

    week = archived_sources(archive, as_of)
    options = week.options
    r = assess_slate(
        week.stream(),
        week.config,
        as_of=as_of,
        include_dormant=bool(options.get("include_dormant", False)),
        encoding=str(options.get("encoding", "utf-8")),
        delimiter=str(options.get("delimiter", ",")),
    )
    t, p, s = r.a.table, r.problem, r.slate
    groups = {
        str(gid): {
            "rank": int(p.rank[i]),
            "band": str(p.band[i]),
            "flags": [f for f in str(flags).split(";") if f],
            "lead_force": str(p.owner[i]),
            "must_adopt": str(p.hard[i]),
            "slate": str(s.decision[i]),
            "slate_reason": str(s.reason[i]),
        }
        for i, (gid, flags) in enumerate(zip(p.group_id.tolist(), t["flags"].tolist(), strict=True))
    }
    run = {
        "archive": str(archive.resolve()),
        "as_of": as_of.isoformat(),
        "manifest_sha256": week.manifest_sha256,
    }
    return run, groups


def append_decisions(
    log: Path,
    requests: Sequence[Request],
    *,
    archive: Path,
    as_of: date,
    now: datetime,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Check every request against the archived run of ``as_of``, then append them all to
    ``log`` under its directory's lock (nothing is appended if any check fails, or if the
    log's chain is already broken). Returns the new entries."""
    from socprio.write.plan import OutputPlan

    run, groups = run_groups(archive, as_of)
    for req in requests:
        check_request(req, groups, file=source or str(archive / as_of.isoformat()), as_of=as_of)
    plan = OutputPlan()
    target = plan.file(log, mode=LOG_MODE)
    with plan.locked():
        data = read_log(log)
        prior = check_chain(data, source=str(log))
        new = build_entries(requests, groups, prior, run=run, now=now)
        lines = "".join(canonical(e) + "\n" for e in new).encode("utf-8")
        plan.stage(target, data + lines)
        plan.commit()
    return new
