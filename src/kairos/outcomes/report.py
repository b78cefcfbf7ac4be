"""The after-the-contact report: figures from reviewed interactions, as one self-contained HTML.

Charts are inline SVG drawn here (no script, no network), so the file opens anywhere. The same
report comes from the database (``kairos report``) and from an archive (``kairos analyze``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kairos.outcomes.archive import Row
from kairos.outcomes.report_html import (
    _CSS,
    _agents_html,
    _drivers_html,
    _esc,
    _mean,
    _moment_html,
    _num,
    _outreach_html,
    _pct,
    _recovery_bins,
    _repeats_html,
    _share,
    _status_series,
    _themes_html,
    _tile,
    svg_bars,
)
from kairos.outcomes.review import MOMENTS

if TYPE_CHECKING:  # the drivers read the database; the report itself does not
    from kairos.outcomes.drivers import Driver

BEHAVIOURS = ("empathy", "ownership", "blame", "deflection", "premature_close", "reask")


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
    timezone: str = "UTC"
    drivers: list[Driver] = field(default_factory=list)
    #: List the moments to review as the morning list does (`/v1/outcomes/missed`, the missed
    #: page): won moments handled as routine too. An archive, never routed, lists those not won.
    morning_list: bool = False


def local_period(since: datetime, until: datetime, timezone: str) -> str:
    """A period in the centre's zone, with UTC when the zone is another.

    >>> from datetime import UTC
    >>> since, until = datetime(2026, 11, 1, 5, tzinfo=UTC), datetime(2026, 11, 8, 5, tzinfo=UTC)
    >>> local_period(since, until, "America/New_York")[:53]
    '2026-11-01 01:00 to 2026-11-08 00:00 America/New_York'
    """
    tz = ZoneInfo(timezone)
    utc = f"{since.astimezone(UTC):%Y-%m-%d %H:%M} to {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if timezone == "UTC":
        return utc
    local = f"{since.astimezone(tz):%Y-%m-%d %H:%M} to {until.astimezone(tz):%Y-%m-%d %H:%M}"
    return f"{local} {timezone} ({utc})"


def _generated(data: ReportData) -> str:
    at = data.generated_at
    utc = f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if data.timezone == "UTC":
        return f"generated {utc}"
    return (
        f"generated {at.astimezone(ZoneInfo(data.timezone)):%Y-%m-%d %H:%M} {data.timezone} ({utc})"
    )


def figures(rows: Sequence[Row]) -> dict[str, Any]:
    """The headline figures of a set of reviewed interactions."""
    mot = [r for r in rows if r.status in MOMENTS]
    status = Counter(r.status for r in mot)
    known = [r.resolved for r in rows if r.resolved is not None]
    agent_turns = sum(r.agent_turns for r in rows)
    kinds: Counter[str] = Counter()
    mot_kinds: Counter[str] = Counter()
    for r in rows:
        for b in r.behaviours:
            kinds[b["kind"]] += 1
            if r.status in MOMENTS:
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
        if r.status not in MOMENTS:
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
    # In the morning list's order: a customer of unknown value counts 0.5, as there.
    listed = sum(r.missed and (data.morning_list or r.status != "won") for r in rows)
    missed_rows = sorted(
        (r for r in rows if r.missed and (data.morning_list or r.status != "won")),
        key=lambda r: (
            -(0.5 if r.customer_value is None else r.customer_value),
            -r.hindsight_score,
            r.id,
        ),
    )[:missed_shown]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_esc(data.title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_esc(data.title)}</h1>",
        f"<p class='sub'>{_esc(data.source)} · {_esc(data.period)} · {_esc(_generated(data))}</p>",
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
        _drivers_html(data),
        _themes_html(data),
        _outreach_html(data),
        f"<h2>Missed moments: the {len(missed_rows)} to review first, of {listed:,}</h2>",
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
