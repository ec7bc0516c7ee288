"""The tasking pack: one self-contained HTML file for the weekly tasking meeting.

Pure: returns the HTML text; the shell writes it. Force networks are closed, so the file makes
no network request: no scripts, links, fonts or external ``url()``; charts are inline SVG drawn
by ``present.svg`` with real text in a generic font stack (no font is fetched or embedded), and a
Content-Security-Policy forbids fetching anything. All text is HTML-escaped. The same input gives
the same bytes (coordinates have fixed precision; nothing dated). Printed on A4, the marking is
at the top and bottom of the document and in the page margins of every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from socprio.core.flags import Flag
from socprio.pipeline.frame import rounded_frame
from socprio.present.captions import caption, excluded_note
from socprio.present.charts import (
    BAND_CLASSES,
    band_chart,
    band_class,
    band_number,
    esc,
    html_table,
    movement_label,
    records,
    short,
    top_chart,
)
from socprio.present.gaps import requirements_section
from socprio.present.packbrief import (
    act_now_section,
    changes_section,
    decisions_section,
    glossary,
    top_section,
)
from socprio.present.packmove import movement_section
from socprio.present.packoutcomes import outcomes_section
from socprio.present.packslate import slate_section

if TYPE_CHECKING:
    import pandas as pd

    from socprio.config.models import Config
    from socprio.history.outcomes import OutcomeReport
    from socprio.pipeline.result import Assessment, Provenance

PACK_FLAGS = (  # the flags the pack lists group by group (OVERRIDE shows as ^ on the band)
    Flag.ACTION_NOW,
    Flag.GAP,
    Flag.STALE,
    Flag.NO_LRO,
    Flag.NO_DISRUPTION,
    Flag.UNSTABLE,
    Flag.DISAGREE,
)
FLAGS: tuple[tuple[str, str], ...] = tuple((f.value, f.meaning) for f in PACK_FLAGS)
STABILITY_FLAGS = {"UNSTABLE": "p_same_band", "DISAGREE": "harm_rank"}


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: anything but letters, digits and spaces hex-escaped."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'


def percent(share: object) -> str:
    """A probability as a percentage; never rounded up to a certain 100% or down to 0%."""
    value = float(str(share))
    shown = f"{value:.0%}"
    if (shown == "100%" and value < 1) or (shown == "0%" and value > 0):
        shown = f"{value:.1%}"
    return shown


# --- html ------------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 12mm;
  @top-center { content: MARKING; font: bold 8pt sans-serif; }
  @bottom-center { content: MARKING; font: bold 8pt sans-serif; }
  @bottom-right { content: counter(page) " / " counter(pages); font: 7pt sans-serif; } }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
html { background: #ffffff; }
body { font-family: sans-serif; font-size: 9pt; color: #111111; margin: 0 auto;
  max-width: 186mm; line-height: 1.3; }
@media screen { body { padding: 8mm 0; } }
.marking { text-align: center; font-weight: bold; letter-spacing: 0.08em; border: 2px solid #000;
  padding: 1.5mm; margin: 0 0 3mm; }
.marking.bottom { margin: 4mm 0 0; }
.appendix { break-before: page; }
.brief h2 { margin-top: 3.5mm; }
.brief table { font-size: 7.5pt; }
.act-now td { color: #8b0000; font-weight: bold; }
.terms { display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 3mm; margin: 0;
  font-size: 8pt; }
.terms dt { font-weight: bold; } .terms dd { margin: 0; }
ul { margin: 0 0 1.5mm; padding-left: 5mm; }
.inline span { white-space: nowrap; }
.partial { border: 2px solid #b00; padding: 1.5mm 3mm; font-weight: bold; }
h1 { font-size: 15pt; margin: 0 0 1mm; }
h2 { font-size: 11pt; margin: 5mm 0 2mm; border-bottom: 1px solid #444; break-after: avoid; }
h3 { font-size: 9pt; margin: 2mm 0 1mm; break-after: avoid; }
p { margin: 0 0 2mm; }
.sub { color: #333333; }
.keys span { display: inline-block; margin-right: 4mm; }
figure { margin: 0 0 3mm; break-inside: avoid; }
svg.chart { width: 100%; height: auto; display: block; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 3mm; }
table { border-collapse: collapse; width: 100%; font-size: 7.5pt; margin-bottom: 2mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { text-align: left; padding: 0.4mm 1.2mm; border-bottom: 0.5px solid #bbbbbb;
  vertical-align: top; white-space: nowrap; }
td:last-child { white-space: normal; }
th { background: #e6e6e6; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.b1 { background: #f4c7c3; } .b2 { background: #fce8b2; } .b3 { background: #d9ead3; }
.bx { background: #e7e6e6; }
.flags { columns: 2; column-gap: 5mm; }
.flag { break-inside: avoid-column; margin-bottom: 3mm; }
.flag.long { break-inside: auto; }
.act { color: #8b0000; }
.none { color: #555555; font-style: italic; }
.method { font-size: 7pt; color: #222222; }
.method table { font-size: 7pt; width: auto; }
.method td { white-space: normal; }
.method .cols { display: grid; grid-template-columns: auto auto; gap: 3mm;
  align-items: start; }
code { font-family: monospace; font-size: 7pt; word-break: break-all; }
"""


def _band_cell(label: str, score_band: str | None = None) -> str:
    lifted = "^" if score_band is not None and score_band != label else ""
    return f'<span class="{band_class(label)}">&nbsp;{esc(label)}{lifted}&nbsp;</span>'


def has_stability(frame: pd.DataFrame) -> bool:
    """Whether rank intervals were computed for this frame."""
    return {"rank_p5", "rank_p95"} <= set(frame.columns)


def flag_cell(flags: str) -> str:
    """The flags of a group, space-separated, ACTION_NOW in bold."""
    return " ".join(
        f'<b class="act">{esc(f)}</b>' if f == "ACTION_NOW" else esc(f)
        for f in flags.split(";")
        if f
    )


def _top_table(top: pd.DataFrame, cfg: Config) -> str:
    """The top-N table: band, score, points per group, movement and rank interval if present."""
    moved = "movement" in top.columns
    stable = has_stability(top)
    header = ["Rank", "Group", "Codename", "Band", "Score", "Min-max"]
    header += [
        f'<abbr title="{esc(g.label)}">{esc(k.title())}</abbr>' for k, g in cfg.groups.items()
    ]
    header += ["Move"] if moved else []
    header += ["Rank 5-95%"] if stable else []
    header += ["P(top)"] if "p_top_k" in top.columns else []
    header += ["Flags"]
    rows = []
    for r in records(top):
        cells = [
            esc(r["rank"]),
            esc(r["group_id"]),
            esc(r["codename"]),
            _band_cell(str(r["band"]), str(r.get("score_band", r["band"]))),
            f"{float(r['score']):.1f}",
            f"{float(r['score_min']):.0f}-{float(r['score_max']):.0f}",
        ]
        cells += [f"{float(r[f'{g}_points']):.1f}" for g in cfg.groups]
        cells += [esc(movement_label(r))] if moved else []
        cells += [esc(f"{r['rank_p5']}-{r['rank_p95']}")] if stable else []
        cells += [percent(r["p_top_k"])] if "p_top_k" in top.columns else []
        cells += [flag_cell(str(r["flags"]))]
        rows.append(cells)
    numeric = {0, 4, 5, *range(6, 6 + len(cfg.groups))}
    return html_table(header, rows, numeric)


def _evidence(flag: str, r: Mapping[str, Any]) -> tuple[str, str]:
    """The column that shows why a group carries ``flag``: (header, cell)."""
    if flag == "ACTION_NOW":
        return "Rules", esc(str(r["overrides"]).replace(";", " "))
    if flag == "GAP":
        return "Min-max", f"{float(r['score_min']):.0f}-{float(r['score_max']):.0f}"
    if flag == "STALE":
        return "Last review", esc(r["last_intel_review"])
    if flag == "NO_LRO":
        return "Lead force", esc(r["lead_force"])
    if flag == "NO_DISRUPTION":
        return "Last disruption", esc(r["last_disruption_date"] or "never")
    if flag == "UNSTABLE" and "rank_p5" in r:
        same = f", same band {percent(r['p_same_band'])}" if "p_same_band" in r else ""
        return "Rank 5-95%", esc(f"{r['rank_p5']}-{r['rank_p95']}{same}")
    if flag == "DISAGREE" and "harm_rank" in r:
        return "Harm / attribute rank", esc(f"{r['harm_rank']} / {r.get('attribute_rank', '')}")
    return "Lead force", esc(r["lead_force"])


EVIDENCE_COLUMNS = (  # what flags_section and _evidence read of each flagged group
    "rank",
    "group_id",
    "codename",
    "band",
    "flags",
    "overrides",
    "score_min",
    "score_max",
    "last_intel_review",
    "lead_force",
    "last_disruption_date",
    "rank_p5",
    "rank_p95",
    "p_same_band",
    "harm_rank",
    "attribute_rank",
)


def flags_section(frame: pd.DataFrame) -> str:
    """One small table per review flag, ACTION_NOW first, in rank order."""
    flagged = frame[frame["flags"].astype(str) != ""]  # most groups carry no flag at all
    rows_all = records(flagged[[c for c in EVIDENCE_COLUMNS if c in flagged.columns]])
    has = [set(str(r["flags"]).split(";")) for r in rows_all]
    parts = []
    for flag, meaning in FLAGS:
        rows = [r for r, flags in zip(rows_all, has, strict=True) if flag in flags]
        head = f"<h3>{esc(flag)} ({len(rows)}): {esc(meaning)}</h3>"
        needs = STABILITY_FLAGS.get(flag)
        if needs is not None and needs not in frame.columns and not rows:
            body = '<p class="none">not assessed in this run (no stability analysis)</p>'
        elif not rows:
            body = '<p class="none">none</p>'
        else:
            label = _evidence(flag, rows[0])[0]
            cells = [
                [
                    esc(r["rank"]),
                    esc(r["group_id"]),
                    esc(short(str(r["codename"]), 18)),
                    _band_cell(str(r["band"])),
                    _evidence(flag, r)[1],
                ]
                for r in rows
            ]
            body = html_table(["Rank", "Group", "Codename", "Band", esc(label)], cells, {0})
        long = " long" if len(rows) > 20 else ""
        parts.append(f'<div class="flag{long}">{head}{body}</div>')
    return '<div class="flags">' + "".join(parts) + "</div>"


def _key_counts(frame: pd.DataFrame, summary: Mapping[str, Mapping[str, int]]) -> str:
    per_band: dict[int, int] = {}
    for label, count in summary.get("band", {}).items():
        number = band_number(label)
        if number is not None:
            per_band[number] = per_band.get(number, 0) + count
    spans = [f"<span><b>{len(frame)}</b> groups ranked</span>"]
    spans += [
        f'<span class="{BAND_CLASSES.get(n, "bx")}">&nbsp;Band {n}: <b>{c}</b>&nbsp;</span>'
        for n, c in sorted(per_band.items())
    ]
    return '<p class="keys">' + "".join(spans) + "</p>"


def method_section(prov: Provenance, cfg: Config) -> str:
    """The method footnote: provenance, effective weights, bands and override rules."""
    meta = prov.meta()
    lines = [
        ("As of", meta["as_of"]),
        ("socprio", prov.tool_version),
        ("Config", f"{prov.config.path} (version {cfg.version})"),
        ("Config sha256", prov.config.sha256),
        ("Input", prov.input_path),
        ("Input sha256", prov.input_sha256),
    ]
    if prov.stability is not None:
        settings = prov.stability.to_dict().items()
        lines.append(("Stability", ", ".join(f"{k} {v}" for k, v in settings)))
    about = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in lines)
    weights = [
        [esc(cfg.groups[cfg.group_of[name]].label), esc(cfg.factors[name].label), f"{w:.1%}"]
        for name, w in cfg.effective_weights.items()
    ]
    bands = [[esc(b.band), f"≥ {b.min:g}"] for b in cfg.bands]
    rules = [
        [esc(r.id), esc(r.description or r.factor), esc(f"Band {r.min_band}")]
        for r in cfg.overrides
    ]
    return (
        '<section class="method"><h2>Method</h2>'
        f"<p>Scores are weighted sums of factor points (0-100); bands have fixed thresholds; "
        f"override rules lift the band, never the score (^ marks a lifted band). "
        f"{esc(caption(prov))}</p>"
        f"<table>{about}</table>"
        '<div class="cols">'
        + html_table(["Group", "Factor", "Weight"], weights, {2})
        + html_table(["Band", "From score"], bands, set())
        + "</div>"
        + html_table(["Rule", "When", "Band at least"], rules, set())
        + "</section>"
    )


def _partial_banner(prov: Provenance) -> str:
    """A boxed warning when --exclude-invalid left records out of this ranking."""
    note = excluded_note(prov.counts)
    return f'<p class="partial" role="alert">{esc(note)}</p>' if note else ""


def _charts(out: pd.DataFrame, head: pd.DataFrame, cfg: Config) -> str:
    """The appendix's charts and detail table of the top groups (or a line saying none)."""
    if not len(out):
        return '<p class="none">No groups were ranked.</p>'
    return (
        f"<figure>{top_chart(head, cfg)}</figure>"
        + f"<h2>Top {len(head)} in detail: score range and points by factor group</h2>"
        + _top_table(head, cfg)
        + "<h2>Bands by lead force and principal crime</h2>"
        + '<div class="pair">'
        + f"<figure>{band_chart(out, 'lead_force', 'Lead force')}</figure>"
        + f"<figure>{band_chart(out, 'principal_crime', 'Principal crime')}</figure>"
        + "</div>"
    )


def pack_html(a: Assessment, *, top: int = 20, outcomes: OutcomeReport | None = None) -> str:
    """The tasking pack of an assessment (every ranked group, in rank order) as one HTML page."""
    prov, cfg, summary, movement = a.provenance, a.config, a.summary(), a.movement
    out = rounded_frame(a.table)
    head = out.head(top)
    marking = esc(cfg.marking)
    as_of = prov.as_of.isoformat()
    charts = _charts(out, head, cfg)
    body = [
        f'<div class="marking top">{marking}</div>',
        '<section class="brief">',
        f"<h1>Tasking briefing: {esc(as_of)}</h1>",
        f'<p class="sub">{len(out)} organised crime groups ranked by harm. The detail, the '
        "flags and the method are in the appendix after this page.</p>",
        _partial_banner(prov),
        act_now_section(out),
        changes_section(movement, out),
        top_section(out, cfg) if len(out) else "",
        "<h2>Groups per band</h2>" + _key_counts(out, summary),
        decisions_section(out),
        "</section>",
        '<section class="appendix">',
        f"<h1>Appendix: {esc(as_of)}</h1>",
        glossary((Flag.OVERRIDE, *PACK_FLAGS), draws=a.stability is not None),
        f"<h2>Scores of the top {len(head)}</h2>",
        charts,
        movement_section(movement) if movement is not None else "",
        "<h2>Groups to review, by flag</h2>",
        flags_section(out),
        requirements_section(a),
        slate_section(a),
        outcomes_section(outcomes) if outcomes is not None else "",
        method_section(prov, cfg),
        "</section>",
        f'<div class="marking bottom">{marking}</div>',
    ]
    style = CSS.replace("MARKING", css_string(cfg.marking))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{marking} | OCG tasking pack {esc(as_of)}</title>"
        f"<style>{style}</style></head>\n<body>\n"
        + "\n".join(p for p in body if p)
        + "\n</body></html>\n"
    )
