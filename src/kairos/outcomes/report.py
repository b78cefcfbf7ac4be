"""The after-the-contact report: figures from reviewed interactions, as one self-contained HTML.

Charts are inline SVG drawn here (no script, no network), so the file opens anywhere. The same
report comes from the database (``kairos report``) and from an archive (``kairos analyze``).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kairos.outcomes.archive import Row

BEHAVIOURS = ("empathy", "ownership", "blame", "deflection", "premature_close", "reask")
STATUS_COLOURS = {"won": "#2e8b57", "lost": "#d9822b", "missed": "#c0392b"}


@dataclass
class ThemeSummary:
    """A feedback theme for the report, with its actions."""

    label: str
    keywords: list[str]
    size: int
    negative_share: float | None = None
    examples: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReportData:
    """Everything the report shows."""

    title: str
    source: str
    period: str
    generated_at: datetime
    rows: list[Row]
    themes: list[ThemeSummary] = field(default_factory=list)
    themes_source: str = ""
    outreach: list[dict[str, Any]] = field(default_factory=list)
    surveys: int = 0
    ungrouped_feedback: int = 0
    notes: list[str] = field(default_factory=list)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def figures(rows: Sequence[Row]) -> dict[str, Any]:
    """The headline figures of a set of reviewed interactions."""
    mot = [r for r in rows if r.status != "routine"]
    status = Counter(r.status for r in mot)
    known = [r.resolved for r in rows if r.resolved is not None]
    agent_turns = sum(r.agent_turns for r in rows)
    kinds: Counter[str] = Counter()
    mot_kinds: Counter[str] = Counter()
    for r in rows:
        for b in r.behaviours:
            kinds[b["kind"]] += 1
            if r.status != "routine":
                mot_kinds[b["kind"]] += 1
    shown = [any(b["kind"] in ("empathy", "ownership") for b in r.behaviours) for r in mot]
    with_empathy = [r for r, s in zip(mot, shown, strict=True) if s]
    without = [r for r, s in zip(mot, shown, strict=True) if not s]
    return {
        "contacts": len(rows),
        "moments_of_truth": len(mot),
        "mot_share": _share(len(mot), len(rows)),
        "won": status["won"],
        "lost": status["lost"],
        "missed": status["missed"],
        "missed_moments": sum(r.missed for r in rows),
        "seen_live": sum(r.mot_live for r in mot),
        "hindsight_only": sum(not r.mot_live for r in mot),
        "ended_badly": sum(r.ended_well is False for r in mot),
        "ending_unknown": sum(r.ended_well is None for r in mot),
        "resolution_known": len(known),
        "resolution_rate": _mean([1.0 if k else 0.0 for k in known]),
        "recovery_mot": _mean([r.recovery for r in mot if r.recovery is not None]),
        "recovery_routine": _mean(
            [r.recovery for r in rows if r.status == "routine" and r.recovery is not None]
        ),
        "recovery_measured_mot": sum(r.recovery is not None for r in mot),
        "csat_average": _mean([float(r.csat) for r in rows if r.csat is not None]),
        "repeat_customers": sum(r.reask_count > 0 for r in rows),
        "agent_turns": agent_turns,
        "behaviours": {k: kinds[k] for k in BEHAVIOURS},
        "behaviours_mot": {k: mot_kinds[k] for k in BEHAVIOURS},
        "win_rate_with_empathy": _share(
            sum(r.status == "won" for r in with_empathy), len(with_empathy)
        ),
        "win_rate_without_empathy": _share(sum(r.status == "won" for r in without), len(without)),
        "with_empathy": len(with_empathy),
    }


def by_key(rows: Sequence[Row], key: str, *, top: int = 12) -> list[tuple[str, dict[str, int]]]:
    """Moments of truth per cube cell, reason or stake, by status, largest first."""
    counts: dict[str, Counter[str]] = {}
    for r in rows:
        if r.status == "routine":
            continue
        if key == "stakes":
            labels = r.stakes or ["(no stake named)"]
        elif key == "cube":
            labels = [r.cube]
        else:
            labels = [r.reason or "(no reason given)"]
        for label in labels:
            counts.setdefault(label, Counter())[r.status] += 1
    ordered = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:top]
    return [(label, dict(c)) for label, c in ordered]


# -- SVG ----------------------------------------------------------------------------------------


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def svg_bars(
    items: Sequence[tuple[str, dict[str, float]]],
    series: Sequence[tuple[str, str]],
    *,
    width: int = 760,
    label_width: int = 250,
    unit: str = "",
    title: str = "",
) -> str:
    """A horizontal stacked bar chart: one bar per item, one segment per series (key, colour)."""
    if not items:
        return "<p class='empty'>Nothing to show.</p>"
    row_h, top = 24, 28
    height = top + row_h * len(items) + 8
    largest = max(sum(v.get(k, 0.0) for k, _ in series) for _, v in items) or 1.0
    scale = (width - label_width - 70) / largest
    parts = [f'<svg role="img" aria-label="{_esc(title)}" viewBox="0 0 {width} {height}" '
             f'width="100%" class="chart">']  # fmt: skip
    x = label_width
    for key, colour in series:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="16" class="legend">{_esc(key)}</text>')  # fmt: skip
        x += 24 + 8 * len(key)
    for i, (label, values) in enumerate(items):
        y = top + i * row_h
        short = label if len(label) <= 44 else label[:42] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" class="label">'
                     f"<title>{_esc(label)}</title>{_esc(short)}</text>")  # fmt: skip
        x0 = float(label_width)
        total = 0.0
        for key, colour in series:
            v = float(values.get(key, 0.0))
            if v <= 0:
                continue
            w = v * scale
            tip = f"{_esc(label)} · {_esc(key)}: {v:g}{unit}"
            parts.append(
                f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row_h - 8}" '
                f'fill="{colour}"><title>{tip}</title></rect>'
            )
            x0 += w
            total += v
        parts.append(f'<text x="{x0 + 6:.1f}" y="{y + 16}" class="value">{total:g}{unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _status_series() -> list[tuple[str, str]]:
    return [(k, c) for k, c in STATUS_COLOURS.items()]


def _recovery_bins(rows: Sequence[Row]) -> list[tuple[str, dict[str, float]]]:
    edges = [-2.0, -0.6, -0.3, -0.1, 0.1, 0.3, 0.6, 2.0]
    names = ["worse (< −0.6)", "−0.6 to −0.3", "−0.3 to −0.1", "no change", "+0.1 to +0.3",
             "+0.3 to +0.6", "better (> +0.6)"]  # fmt: skip
    bins: list[Counter[str]] = [Counter() for _ in names]
    for r in rows:
        if r.status == "routine" or r.recovery is None:
            continue
        for i in range(len(names)):
            if edges[i] <= r.recovery < edges[i + 1]:
                bins[i][r.status] += 1
                break
    return [(n, {k: float(v) for k, v in b.items()}) for n, b in zip(names, bins, strict=True)]


# -- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330}
body{background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
.sub{color:#5b6475;margin:0 0 16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px}
.tile{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:24px}.tile span{color:#5b6475;font-size:13px}
.tile.won b{color:#2e8b57}.tile.missed b{color:#c0392b}.tile.lost b{color:#d9822b}
.chart{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:6px 0}
.chart .label,.chart .value,.chart .legend{font-size:12px;fill:#1d2330}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border:1px solid #dde1e7;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.moment{background:#fff;border:1px solid #dde1e7;border-left:4px solid #c0392b;border-radius:6px}
.moment{padding:10px 14px;margin:10px 0}
.moment.won{border-left-color:#2e8b57}.moment h3{font-size:15px;margin:0 0 4px}
.why{margin:4px 0;color:#5b6475}.turn{margin:3px 0}.turn .who{font-weight:600;margin-right:6px}
.turn.agent .who{color:#2c5aa0}.turn.customer .who{color:#7a2a8c}
mark{background:#ffe08a;padding:0 1px}mark.bad{background:#f6b3ad}mark.good{background:#b9e4c9}
.note{color:#5b6475;font-size:13px}.empty{color:#5b6475}
"""


def _tile(value: object, label: str, cls: str = "") -> str:
    return f'<div class="tile {cls}"><b>{_esc(value)}</b><span>{_esc(label)}</span></div>'


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}"


def _marked(text: str, marks: list[tuple[int, int, str, str]]) -> str:
    """The turn's text with evidence spans marked (later overlapping marks are dropped)."""
    out, pos = [], 0
    for start, end, cls, title in sorted(marks):
        if start < pos or start >= end or end > len(text):
            continue
        out.append(_esc(text[pos:start]))
        out.append(f'<mark class="{cls}" title="{_esc(title)}">{_esc(text[start:end])}</mark>')
        pos = end
    out.append(_esc(text[pos:]))
    return "".join(out)


_GOOD = {"empathy", "ownership"}


def _moment_html(row: Row) -> str:
    marks: dict[int, list[tuple[int, int, str, str]]] = {}
    by_event = {eid: i for i, (_, _, eid) in enumerate(row.turns) if eid}
    for cue in row.evidence:
        i = by_event.get(cue.get("event_id") or "")
        if i is not None and cue.get("start") is not None and cue.get("end") is not None:
            marks.setdefault(i, []).append(
                (int(cue["start"]), int(cue["end"]), "", f"{cue.get('kind')}: {cue.get('label')}")
            )
    for b in row.behaviours:
        i = b.get("turn")
        if isinstance(i, int) and b["kind"] != "reask":
            cls = "good" if b["kind"] in _GOOD else "bad"
            marks.setdefault(i, []).append((int(b["start"]), int(b["end"]), cls, b["kind"]))
    turns = []
    for i, (speaker, text, _) in enumerate(row.turns[:12]):
        who = {"customer": "Customer", "agent": "Agent"}.get(speaker, speaker.title())
        turns.append(f'<div class="turn {speaker}"><span class="who">{who}</span>'
                     f"{_marked(text, marks.get(i, []))}</div>")  # fmt: skip
    if len(row.turns) > 12:
        turns.append(f'<div class="note">… {len(row.turns) - 12} more turns</div>')
    stakes = ", ".join(s.replace("_", " ") for s in row.stakes) or "none named"
    value = "" if row.customer_value is None else f" · customer value {row.customer_value:.2f}"
    live = "n/a" if row.live_score is None else f"{row.live_score:.2f}"
    return (
        f'<div class="moment {row.status}"><h3>{_esc(row.id)} · {row.status} · MoT '
        f"{row.hindsight_score:.2f} (live {live})"
        f"{_esc(value)}</h3><div class='why'>Stakes: {_esc(stakes)} · {_esc(row.cube)}"
        f"{' · ' + _esc(row.reason) if row.reason else ''}</div>"
        f"<div class='why'>Why: {_esc('; '.join(row.why) or '—')}</div>{''.join(turns)}</div>"
    )


def _tiles(f: dict[str, Any]) -> str:
    """The headline figures, one tile each."""
    mot = f["moments_of_truth"]
    return "".join([
        _tile(f"{f['contacts']:,}", "contacts reviewed"),
        _tile(f"{mot:,}", f"moments of truth ({_pct(f['mot_share'])})"),
        _tile(f"{f['won']:,}", "won", "won"),
        _tile(f"{f['lost']:,}", "lost (seen, handled as a moment)", "lost"),
        _tile(f"{f['missed']:,}", "missed (unseen or routine)", "missed"),
        _tile(f"{f['hindsight_only']:,}", "seen only in hindsight"),
        _tile(f"{f['ended_badly']:,}", "moments that ended badly"),
        _tile(f"{f['ending_unknown']:,}", "moments with no sign of how they ended"),
        _tile(_pct(f["resolution_rate"]), f"resolved, of {f['resolution_known']:,} known"),
        _tile(_num(f["recovery_mot"]), "sentiment recovery in moments (end − start)"),
        _tile(f"{f['repeat_customers']:,}", "customers asked again for what they had said"),
        _tile("n/a" if f["csat_average"] is None else f"{f['csat_average']:.2f}", "average CSAT"),
    ])  # fmt: skip


def render(data: ReportData, *, missed_shown: int = 25) -> str:
    """The report as one HTML document."""
    rows = data.rows
    f = figures(rows)
    tiles = _tiles(f)
    series = _status_series()
    cube_items = [(k, {s: float(v) for s, v in c.items()}) for k, c in by_key(rows, "cube")]
    reason_items = [(k, {s: float(v) for s, v in c.items()}) for k, c in by_key(rows, "reason")]
    stakes_items = [
        (k.replace("_", " "), {s: float(v) for s, v in c.items()})
        for k, c in by_key(rows, "stakes")
    ]
    per100 = f["agent_turns"] / 100 if f["agent_turns"] else None
    behaviour_items = [
        (k.replace("_", " "), {"all contacts": round(f["behaviours"][k] / per100, 2)})
        for k in BEHAVIOURS if per100
    ]  # fmt: skip
    missed_rows = sorted(
        (r for r in rows if r.missed and r.status != "won"),
        key=lambda r: (-(r.customer_value or 0.0), -r.hindsight_score, r.id),
    )[:missed_shown]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_esc(data.title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_esc(data.title)}</h1>",
        f"<p class='sub'>{_esc(data.source)} · {_esc(data.period)} · generated "
        f"{data.generated_at:%Y-%m-%d %H:%M} UTC</p>",
        f"<div class='tiles'>{tiles}</div>",
        "<h2>Moments of truth by cube cell</h2>",
        svg_bars(cube_items, series, title="moments of truth by cube cell", label_width=320),
        "<h2>Moments of truth by contact reason</h2>",
        svg_bars(reason_items, series, title="moments of truth by reason"),
        "<h2>… and by what the customer stood to lose</h2>",
        svg_bars(stakes_items, series, title="moments of truth by stakes"),
        "<h2>Recovery: the customer's sentiment at the end against the start</h2>",
        f"<p class='note'>Measured on {f['recovery_measured_mot']:,} moments of truth where the "
        f"customer spoke more than once. Mean change: {_num(f['recovery_mot'])} in moments of "
        f"truth, {_num(f['recovery_routine'])} in routine contacts.</p>",
        svg_bars(_recovery_bins(rows), series, title="recovery"),
        "<h2>What agents did</h2>",
        f"<p class='note'>Per 100 agent turns ({f['agent_turns']:,} agent turns). In moments of "
        f"truth with empathy or ownership shown, {_pct(f['win_rate_with_empathy'])} were won "
        f"({f['with_empathy']:,}); without, {_pct(f['win_rate_without_empathy'])}.</p>",
        svg_bars(behaviour_items, [("all contacts", "#2c5aa0")], title="agent behaviours"),
        _repeats_html(rows),
        _agents_html(rows),
        _themes_html(data),
        _outreach_html(data),
        f"<h2>Missed moments: the {len(missed_rows)} to review first</h2>",
        "<p class='note'>Moments of truth that did not end well or were handled as routine, most "
        "valuable customer and strongest moment first. Marked: "
        "<mark>detector evidence</mark> <mark class='good'>empathy or ownership</mark> "
        "<mark class='bad'>blame, deflection, premature close</mark>.</p>",
        "".join(_moment_html(r) for r in missed_rows) or "<p class='empty'>None.</p>",
        "<h2>How to read this</h2><ul class='note'>",
        "<li>A <b>moment of truth</b> is a contact the detector scores at 0.5 or more, live or "
        "when "
        "the whole conversation is read again (hindsight).</li>",
        "<li><b>Won</b>: it ended well (resolved or confirmed, and no low CSAT, recontact or angry "
        "last word). <b>Missed</b>: it did not, or its ending is unknown, and it was not flagged "
        "live or was handled as routine. <b>Lost</b>: the same, though it was seen and handled "
        "as a moment.</li>",
        *(f"<li>{_esc(n)}</li>" for n in data.notes),
        "</ul></main></body></html>",
    ]
    return "".join(parts)


def _asked(row: Row) -> str:
    labels = {str(b["label"]).replace("_", " ") for b in row.behaviours if b["kind"] == "reask"}
    return ", ".join(sorted(labels)) or "a known fact"


def _repeats_html(rows: Sequence[Row], *, shown: int = 20) -> str:
    repeated = sorted((r for r in rows if r.reask_count > 0),
                      key=lambda r: (-r.reask_count, -r.hindsight_score, r.id))  # fmt: skip
    head = (
        "<h2>Customers who had to repeat themselves</h2><p class='note'>"
        f"{len(repeated):,} contacts where an agent asked for something the customer had already "
        "given (in the IVR, or earlier in the conversation).</p>"
    )
    if not repeated:
        return head
    body = "".join(
        f"<tr><td>{_esc(r.id)}</td><td class=n>{r.reask_count}</td>"
        f"<td>{_esc(_asked(r))}</td>"
        f"<td>{_esc(r.status)}</td></tr>"
        for r in repeated[:shown]
    )
    return (
        f"{head}<table><tr><th>contact</th><th>asked again</th><th>what</th><th>status</th></tr>"
        f"{body}</table>"
    )


def _agents_html(rows: Sequence[Row]) -> str:
    agents: dict[str, list[Row]] = {}
    for r in rows:
        if r.agent_id:
            agents.setdefault(r.agent_id, []).append(r)
    if not agents:
        return ""
    lines = []
    for agent, items in agents.items():
        mot = [r for r in items if r.status != "routine"]
        won = sum(r.status == "won" for r in mot)
        known = [r.resolved for r in items if r.resolved is not None]
        csat = [r.csat for r in items if r.csat is not None]
        kinds = Counter(b["kind"] for r in items for b in r.behaviours)
        routine_ht = [r.handle_seconds for r in items if r.status == "routine" and r.handle_seconds]
        mot_ht = [r.handle_seconds for r in mot if r.handle_seconds]
        lines.append((won, agent, len(mot), _share(won, len(mot)),
                      _mean([1.0 if k else 0.0 for k in known]),
                      _mean([float(c) for c in csat]), kinds, _mean(routine_ht),
                      _mean(mot_ht)))  # fmt: skip
    lines.sort(key=lambda x: (-x[0], x[1]))
    body = "".join(
        f"<tr><td>{_esc(a)}</td><td class=n>{w}</td><td class=n>{m}</td><td class=n>{_pct(wr)}</td>"
        f"<td class=n>{_pct(res)}</td><td class=n>{'n/a' if cs is None else f'{cs:.2f}'}</td>"
        f"<td class=n>{k['empathy'] + k['ownership']}</td>"
        f"<td class=n>{k['blame'] + k['deflection'] + k['premature_close']}</td>"
        f"<td class=n>{'n/a' if rh is None else f'{rh:.0f} s'}</td>"
        f"<td class=n>{'n/a' if mh is None else f'{mh:.0f} s'}</td></tr>"
        for w, a, m, wr, res, cs, k, rh, mh in lines[:50]
    )
    return (
        "<h2>Agents</h2><p class='note'>Moments won, resolution and satisfaction first; handle "
        "time of moments of truth is reported apart and never counts against an agent.</p>"
        "<table><tr><th>agent</th><th>moments won</th><th>moments handled</th><th>win rate</th>"
        "<th>resolution</th><th>CSAT</th><th>empathy / ownership</th>"
        "<th>blame / deflection / premature close</th><th>routine handle time</th>"
        f"<th>MoT handle time</th></tr>{body}</table>"
    )


def _themes_html(data: ReportData) -> str:
    waiting = (
        f" Free-text answers waiting to be grouped: {data.ungrouped_feedback:,} "
        "(<code>POST /v1/feedback/themes/rebuild</code>)."
        if data.ungrouped_feedback
        else ""
    )
    if not data.themes:
        return f"<h2>Feedback themes</h2><p class='empty'>No themes yet.{waiting}</p>"
    rows = []
    for t in data.themes[:15]:
        actions = (
            "<br>".join(
                f"{_esc(a['title'])} ({_esc(a['owner'])}, {_esc(a['status'])}"
                + (f", {a['customers_told']} told" if a.get("customers_told") else "")
                + ")"
                for a in t.actions
            )
            or "—"
        )
        example = _esc(t.examples[0][:160]) if t.examples else ""
        rows.append(
            f"<tr><td>{_esc(t.label)}</td><td class=n>{t.size:,}</td>"
            f"<td class=n>{_pct(t.negative_share)}</td><td>{_esc(', '.join(t.keywords[:5]))}</td>"
            f"<td>{example}</td><td>{actions}</td></tr>"
        )
    told = sum(int(a.get("customers_told") or 0) for t in data.themes for a in t.actions)
    shipped = sum(a.get("status") == "shipped" for t in data.themes for a in t.actions)
    return (
        f"<h2>Feedback themes and actions</h2><p class='note'>Grouped from "
        f"{_esc(data.themes_source)} (TF-IDF over words and the detector's stakes, k-means, k by "
        f'silhouette). Actions shipped: {shipped}; customers told "you said, we did": {told}.'
        f"{waiting}</p>"
        "<table><tr><th>theme</th><th>items</th><th>negative</th><th>terms</th><th>example</th>"
        f"<th>actions</th></tr>{''.join(rows)}</table>"
    )


def _outreach_html(data: ReportData) -> str:
    if not data.outreach:
        return ""
    body = "".join(
        f"<tr><td>{_esc(o['rule'])}</td><td>{_esc(o['kind'])}</td><td>{_esc(o['status'])}</td>"
        f"<td>{_esc(str(o.get('result') or '').replace('_', ' '))}</td>"
        f"<td class=n>{o['count']:,}</td></tr>"
        for o in data.outreach
    )
    return (
        "<h2>Outreach and its results</h2><p class='note'>Tasks the rules made, and how the "
        "calls and messages went once done.</p><table><tr><th>rule</th><th>kind</th>"
        f"<th>status</th><th>result</th><th>tasks</th></tr>{body}</table>"
    )
