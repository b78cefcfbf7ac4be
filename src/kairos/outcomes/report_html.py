"""The report's HTML pieces: escaping and numbers, inline SVG bar charts, the tiles, the missed
moments with their marked evidence, and the sections on repeats, agents, themes and outreach."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kairos.outcomes.archive import Row
from kairos.outcomes.review import MOMENTS

if TYPE_CHECKING:
    from kairos.outcomes.report import ReportData

STATUS_COLOURS = {"won": "#2e8b57", "lost": "#d9822b", "missed": "#c0392b"}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


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
        if r.status not in MOMENTS or r.recovery is None:
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
        mot = [r for r in items if r.status in MOMENTS]
        won = sum(r.status == "won" for r in mot)
        known = [r.resolved for r in items if r.resolved is not None]
        csat = [r.csat for r in items if r.csat is not None]
        kinds = Counter(b["kind"] for r in items for b in r.behaviours)
        # A 0-second handle time counts, as in the API's scorecards; None (still going on) does not.
        routine_ht = [
            r.handle_seconds
            for r in items
            if r.status == "routine" and r.handle_seconds is not None
        ]
        mot_ht = [r.handle_seconds for r in items
                  if r.status != "routine" and r.handle_seconds is not None]  # fmt: skip
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
        f" Free-text answers received in the period waiting to be grouped: "
        f"{data.ungrouped_feedback:,} "
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


def _drivers_html(data: ReportData) -> str:
    if not data.drivers:
        return ""
    rows = "".join(
        f"<tr><td><b>{_esc(d.name)}</b><br><span class='note'>{_esc(', '.join(d.phrases))}"
        f"</span></td><td class=n>{d.volume:,}</td><td class=n>{_pct(d.mot_share)}</td>"
        f"<td>{_esc(d.trend)} <span class='note'>({' '.join(str(n) for n in d.per_day)})</span>"
        f"</td><td>{_esc(d.examples[0][:160]) if d.examples else ''}</td></tr>"
        for d in data.drivers[:15]
    )
    return (
        "<h2>Contact drivers</h2><p class='note'>What customers contact about, from their own "
        "first words in every channel (TF-IDF and k-means; each named by the phrase its contacts "
        "share most); share of moments of truth; trend: the period's second half against its "
        "first, contacts per day in brackets.</p><table><tr><th>driver</th><th>contacts</th>"
        f"<th>moments</th><th>trend</th><th>example</th></tr>{rows}</table>"
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
