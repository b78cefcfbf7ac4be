"""The calibration page: the MoT flag's precision and recall on the contacts people reviewed,
the flagged share against the reviewed truth, the recommended ``KAIROS_MOT_BASE_RATE`` (or why
none), and a chart of the flag against the base rate; an admin applies a rate from it
(``kairos.web.actions.apply_base_rate``). The same figures as ``kairos calibrate`` and
``GET /v1/outcomes/calibration``."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kairos.auth.deps import CurrentSupervisor
from kairos.db import utcnow
from kairos.deps import DatabaseDep
from kairos.detection.semantic import configured_base_rate
from kairos.outcomes import base_rate, calibration, verdicts
from kairos.outcomes.verdict_schemas import CalibrationOut
from kairos.web.rendering import page
from kairos.web.trends import _LAYOUT, LOST, MISSED, ROUTINE, WON

router = APIRouter(include_in_schema=False)

#: The windows the page offers, in days (the API and the CLI take any from 1 to 366).
WINDOWS = (7, 14, 30)
#: Base rates the chart is drawn at: log-spaced over the range a recommendation is searched in.
CHART_POINTS = 41


def chart_rates() -> list[float]:
    """CHART_POINTS base rates from LOWEST_RATE to HIGHEST_RATE, evenly spaced in log."""
    low, high = math.log(calibration.LOWEST_RATE), math.log(calibration.HIGHEST_RATE)
    step = (high - low) / (CHART_POINTS - 1)
    return [round(math.exp(low + n * step), 6) for n in range(CHART_POINTS)]


def _marker(x: float, name: str, color: str) -> dict[str, Any]:
    return {"type": "scatter", "mode": "lines", "x": [x, x], "y": [0, 1], "name": name,
            "line": {"color": color, "dash": "dot", "width": 1.5}}  # fmt: skip


def chart(out: CalibrationOut, points: list[dict[str, float | None]]) -> dict[str, Any]:
    """Plotly figure: precision, recall and flagged share against the base rate, with the
    running, applied (on restart) and recommended rates and the estimated true share marked."""
    x = [p["base_rate"] for p in points]

    def line(key: str, name: str, color: str) -> dict[str, Any]:
        return {"type": "scatter", "mode": "lines", "x": x, "y": [p[key] for p in points],
                "name": name, "line": {"color": color}}  # fmt: skip

    data = [
        line("precision", "precision", WON),
        line("recall", "recall", LOST),
        line("flagged_share", "flagged share", ROUTINE),
        _marker(out.current_base_rate, f"running rate {out.current_base_rate}", MISSED),
    ]
    if out.applied_base_rate is not None:
        data.append(_marker(out.applied_base_rate,
                            f"applied {out.applied_base_rate} (on restart)", LOST))  # fmt: skip
    if out.recommended is not None:
        data.append(_marker(out.recommended.base_rate,
                            f"recommended {out.recommended.base_rate}", WON))  # fmt: skip
    if out.target_share is not None:
        data.append({"type": "scatter", "mode": "lines", "x": [x[0], x[-1]],
                     "y": [out.target_share] * 2, "name": "estimated true share",
                     "line": {"color": ROUTINE, "dash": "dash", "width": 1}})  # fmt: skip
    return {
        "chart-calibration": {
            "data": data,
            "layout": {
                **_LAYOUT,
                "height": 300,
                "margin": {"l": 44, "r": 8, "t": 28, "b": 40},
                "title": {"text": "The flag against the base rate (contacts with a known truth)"},
                "xaxis": {"type": "log", "title": {"text": "base rate"}},
                "yaxis": {"range": [0, 1.02], "tickformat": ".0%"},
                "showlegend": True,
                "legend": {"orientation": "h", "y": -0.25},
            },
        }
    }


@router.get("/wallboard/calibration")
async def calibration_page(
    request: Request, db: DatabaseDep, principal: CurrentSupervisor, days: int = 7
) -> Response:
    """The flag against people's verdicts over the last ``days`` days (1 to 366)."""
    days = min(max(days, 1), 366)

    def load() -> dict[str, Any]:
        until = utcnow()
        since = until - timedelta(days=days)
        with db.session() as session:
            contacts, given = verdicts.contacts_of(session=session, since=since, until=until)
        rate = configured_base_rate()
        out = calibration.calibrate(
            contacts, since=since, until=until, current_base_rate=rate, verdicts=given
        ).model_copy(update={"applied_base_rate": base_rate.applied(rate)})
        return {"out": out, "days": days, "windows": WINDOWS,
                "charts": chart(out, calibration.curve(contacts, chart_rates())),
                "overridden": base_rate.overridden(), "setting": base_rate.SETTING}  # fmt: skip

    return page(request, "calibration.html", principal, await run_in_threadpool(load))
