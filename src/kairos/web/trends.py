"""The wallboard's trends over the day, hour by hour in the centre's zone: moments of truth
arriving among all contacts, the service level of moments against routine contacts, and moments
won, lost and missed as their reviews come in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kairos.interactions.contacts import took_place
from kairos.interactions.models import Interaction
from kairos.outcomes.models import InteractionReview
from kairos.planning.staffing import MOT_TARGET, ServiceTarget
from kairos.routing.models import Assignment
from kairos.routing.policies import MOT_THRESHOLD

#: Answered within this many seconds counts as in service level (routine; moments: MOT_TARGET).
ROUTINE_ANSWER_S = ServiceTarget().answer_seconds
MOT_ANSWER_S = MOT_TARGET.answer_seconds


@dataclass
class DayTrends:
    """Per hour of today (local), from midnight to the current hour."""

    hours: list[str]
    contacts: list[int]
    moments: list[int]
    sl_moments: list[float | None]
    sl_routine: list[float | None]
    won: list[int]
    lost: list[int]
    missed: list[int]
    timezone: str
    totals: dict[str, int] = field(default_factory=dict)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _share(hits: list[int], counts: list[int]) -> list[float | None]:
    return [round(h / n, 3) if n else None for h, n in zip(hits, counts, strict=True)]


def day_trends(*, session: Session, now: datetime, timezone: str) -> DayTrends:
    """Today's trends, read from interactions, their first assignments and their reviews."""
    tz = ZoneInfo(timezone)
    local_now = now.astimezone(tz)
    midnight = datetime.combine(local_now.date(), time(0), tzinfo=tz)
    slots = local_now.hour + 1

    def slot(at: datetime) -> int | None:
        index = int((_aware(at).astimezone(tz) - midnight) / timedelta(hours=1))
        return index if 0 <= index < slots else None

    contacts, moments = [0] * slots, [0] * slots
    answered = {True: [0] * slots, False: [0] * slots}
    in_time = {True: [0] * slots, False: [0] * slots}
    first = (
        select(Assignment.interaction_id, func.min(Assignment.assigned_at).label("at"))
        .group_by(Assignment.interaction_id)
        .subquery()
    )
    since = midnight.astimezone(UTC)
    rows = session.execute(
        select(Interaction.started_at, Interaction.mot_score, first.c.at)
        .outerjoin(first, first.c.interaction_id == Interaction.id)
        .where(Interaction.started_at >= since, took_place())
    )
    for started_at, score, assigned_at in rows:
        i = slot(started_at)
        if i is None:
            continue
        moment = score is not None and score >= MOT_THRESHOLD
        contacts[i] += 1
        moments[i] += moment
        if assigned_at is not None:
            wait = (_aware(assigned_at) - _aware(started_at)).total_seconds()
            answered[moment][i] += 1
            in_time[moment][i] += wait <= (MOT_ANSWER_S if moment else ROUTINE_ANSWER_S)
    won, lost, missed = [0] * slots, [0] * slots, [0] * slots
    # By the hour the contact started, as the strip (``/v1/outcomes/today``) and the missed
    # page count it: a moment that began at 23:50 and ended at 00:10 is yesterday's everywhere.
    reviews = session.execute(
        select(InteractionReview.started_at, InteractionReview.status).where(
            InteractionReview.started_at >= since, InteractionReview.status != "routine"
        )
    )
    for started_at, status in reviews:
        i = slot(started_at)
        if i is not None and status in ("won", "lost", "missed"):
            {"won": won, "lost": lost, "missed": missed}[status][i] += 1
    return DayTrends(
        hours=[f"{h:02d}:00" for h in range(slots)],
        contacts=contacts,
        moments=moments,
        sl_moments=_share(in_time[True], answered[True]),
        sl_routine=_share(in_time[False], answered[False]),
        won=won,
        lost=lost,
        missed=missed,
        timezone=timezone,
        totals={
            "contacts": sum(contacts),
            "moments": sum(moments),
            "won": sum(won),
            "lost": sum(lost),
            "missed": sum(missed),
        },
    )


_LAYOUT: dict[str, Any] = {
    "margin": {"l": 36, "r": 8, "t": 28, "b": 28},
    "height": 190,
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "legend": {"orientation": "h", "y": -0.22, "font": {"size": 11}},
    "font": {"size": 11},
    "xaxis": {"nticks": 8},
}
#: Won is green, lost red, missed amber: never the same colour for a win and a loss.
WON, LOST, MISSED, MOMENT, ROUTINE = "#1a6b35", "#b42318", "#b07300", "#b42318", "#545d68"


#: What a won/lost/missed chart says where no moment was judged (instead of an axis from -1 to 1).
NOTHING_JUDGED = "No moments judged in this period"


def count_axis(peak: int) -> dict[str, Any]:
    """A count axis from zero in whole numbers: on all zeros Plotly draws -1 to 1, and on a
    peak of 1 it ticks 0.2, 0.4, ..."""
    axis: dict[str, Any] = {"range": [0, max(peak, 1) * 1.08], "tick0": 0, "tickformat": "d"}
    if peak <= 5:
        axis["dtick"] = 1
    return axis


def judged_layout(peak: int, *, counts: str = "yaxis") -> dict[str, Any]:
    """The layout's axes for a won/lost/missed chart whose highest stack is ``peak``, or the
    empty state when nothing was judged."""
    if peak == 0:
        return {
            "showlegend": False,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                {"text": NOTHING_JUDGED, "showarrow": False, "xref": "paper", "yref": "paper",
                 "x": 0.5, "y": 0.5, "font": {"size": 13}}
            ],
        }  # fmt: skip
    return {counts: count_axis(peak)}


def _bars(x: list[str], y: list[int], name: str, color: str) -> dict[str, Any]:
    return {"type": "bar", "x": x, "y": y, "name": name, "marker": {"color": color}}


def _line(x: list[str], y: list[Any], name: str, color: str, dash: str = "solid") -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "x": x,
        "y": y,
        "name": name,
        "line": {"color": color, "dash": dash},
        "connectgaps": True,
    }


def charts(trends: DayTrends) -> dict[str, Any]:
    """Plotly figures (data and layout) for the wallboard's three trend charts."""
    x = trends.hours
    return {
        "chart-arrivals": {
            "data": [
                _bars(x, trends.contacts, "all contacts", "#c9d1d9"),
                _line(x, trends.moments, "moments of truth, flagged live", MOMENT),
            ],
            "layout": {**_LAYOUT, "title": {"text": f"Arriving per hour ({trends.timezone})"}},
        },
        "chart-service": {
            "data": [
                _line(x, trends.sl_moments, f"moments ≤ {MOT_ANSWER_S:g} s", MOMENT),
                _line(x, trends.sl_routine, f"routine ≤ {ROUTINE_ANSWER_S:g} s", ROUTINE, "dot"),
            ],
            "layout": {
                **_LAYOUT,
                "title": {"text": "Service level per hour"},
                "yaxis": {"range": [0, 1.05], "tickformat": ".0%"},
            },
        },
        "chart-outcomes": {
            "data": [
                _bars(x, trends.won, "won", WON),
                _bars(x, trends.lost, "lost", LOST),
                _bars(x, trends.missed, "missed", MISSED),
            ],
            "layout": {
                **_LAYOUT,
                "barmode": "stack",
                "title": {"text": "Moments won, lost, missed"},
                **judged_layout(
                    max(map(sum, zip(trends.won, trends.lost, trends.missed, strict=True)))
                ),
            },
        },
    }
