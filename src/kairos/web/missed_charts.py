"""The missed-moments page's charts: moments of truth won, lost and missed per day they started
(in the centre's zone) and by reason (the contact's reason, else its first stake), drawn by the same
vendored Plotly as the wallboard's trends."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.outcomes.models import InteractionReview
from kairos.web.trends import _LAYOUT, LOST, MISSED, WON, judged_layout

STATUSES = (("won", WON), ("lost", LOST), ("missed", MISSED))
#: The reasons chart shows the reasons with most moments lost or missed, at most this many.
TOP_REASONS = 8


def _cause(reason: str | None, stakes: list[Any]) -> str:
    if reason and reason.strip():
        return reason.strip().replace("_", " ").lower()
    if stakes:
        return str(stakes[0]).replace("_", " ")
    return "no reason given"


def missed_charts(
    *,
    session: Session,
    since: datetime,
    now: datetime,
    timezone: str,
    sees_agent: Callable[[str | None], bool],
) -> dict[str, Any]:
    """Plotly figures (data and layout) for the moments of truth reviewed since ``since``."""
    zone = ZoneInfo(timezone)
    first, last = since.astimezone(zone).date(), now.astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    per_day = {s: Counter[str]() for s, _ in STATUSES}
    per_reason = {s: Counter[str]() for s, _ in STATUSES}
    rows = session.execute(
        select(
            InteractionReview.status,
            InteractionReview.started_at,
            InteractionReview.reason,
            InteractionReview.stakes,
            InteractionReview.agent_id,
        ).where(
            InteractionReview.status.in_([s for s, _ in STATUSES]),
            InteractionReview.started_at >= since,
        )
    )
    for status, started_at, reason, stakes, agent_id in rows:
        if not sees_agent(agent_id):
            continue
        # The day it started, as the list beside it, the wallboard's strip and its charts count.
        at = started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC)
        per_day[status][at.astimezone(zone).date().isoformat()] += 1
        per_reason[status][_cause(reason, list(stakes or []))] += 1
    x = [d.isoformat() for d in days]
    bad = per_reason["lost"] + per_reason["missed"]
    reasons = [r for r, _ in (bad or per_reason["won"]).most_common(TOP_REASONS)]
    reasons.reverse()  # the largest at the top of a horizontal chart
    return {
        "chart-missed-days": {
            "data": [
                {
                    "type": "bar",
                    "x": x,
                    "y": [per_day[s][d] for d in x],
                    "name": s,
                    "marker": {"color": c},
                }
                for s, c in STATUSES
            ],
            "layout": {
                **_LAYOUT,
                "height": 240,
                "barmode": "stack",
                "title": {"text": f"Moments won, lost, missed per day ({timezone})"},
                **_day_axes(per_day, x),
            },
        },
        "chart-missed-reasons": _reasons_chart(per_reason, reasons),
    }


def _day_axes(per_day: dict[str, Counter[str]], days: list[str]) -> dict[str, Any]:
    """The per-day chart's axes: one category per day, counts from zero (or the empty state)."""
    layout = judged_layout(max((sum(per_day[s][d] for s, _ in STATUSES) for d in days), default=0))
    if "annotations" not in layout:  # one labelled category a day: a date axis spreads one
        labels = [date.fromisoformat(d).strftime("%a %d %b") for d in days]  # day over its hours
        layout["xaxis"] = {"type": "category", "tickvals": days, "ticktext": labels}
    return layout


def _reasons_chart(per_reason: dict[str, Counter[str]], reasons: list[str]) -> dict[str, Any]:
    """The by-reason chart: the reasons with most lost or missed, stacked by status."""
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": reasons,
                "x": [per_reason[s][r] for r in reasons],
                "name": s,
                "marker": {"color": c},
            }
            for s, c in STATUSES
        ],
        "layout": {
            **_LAYOUT,
            "height": 60 + 28 * max(len(reasons), 3),
            "barmode": "stack",
            # Plotly reverses a stacked chart's legend (missed, lost, won), which reads as a
            # vertical stack does, top down; these bars stack left to right: won, lost, missed.
            "legend": {**_LAYOUT["legend"], "traceorder": "normal"},
            "margin": {"l": 160, "r": 8, "t": 28, "b": 28},
            **judged_layout(
                max((sum(per_reason[s][r] for s, _ in STATUSES) for r in reasons), default=0),
                counts="xaxis",
            ),
            "title": {"text": "By reason (most lost or missed first)"},
        },
    }
