"""A synthetic contact centre with a known seasonal pattern, for the planning tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import insert

from kairos.db import Database
from kairos.interactions.models import Interaction
from kairos.planning.forecast import ContactRecord

#: Monday first: busy Mondays, quiet weekends.
WEEKDAY = (1.3, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3)
CUBES = tuple(
    f"emotion:{e} urgency:{u} complexity:{c}"
    for e, u, c in itertools.product(("high", "low"), repeat=3)
)
CUBE_SHARE = np.array([0.04, 0.04, 0.06, 0.06, 0.08, 0.12, 0.2, 0.4])


def shape(interval_minutes: int = 30) -> np.ndarray:
    """Share of a day's contacts per interval: open 08:00-20:00, peaks at 10:00 and 15:00."""
    hours = (np.arange(1440 // interval_minutes) + 0.5) * interval_minutes / 60
    open_ = (hours >= 8) & (hours < 20)
    bumps = np.exp(-((hours - 10) ** 2) / 2) + 0.8 * np.exp(-((hours - 15) ** 2) / 3) + 0.2
    weights = np.where(open_, bumps, 0.0)
    out: np.ndarray = weights / weights.sum()
    return out


def expected(day: date, per_day: float, interval_minutes: int = 30) -> np.ndarray:
    """The true mean contacts per interval on ``day``."""
    out: np.ndarray = per_day * WEEKDAY[day.weekday()] * shape(interval_minutes)
    return out


def mot_probability(cube: str) -> float:
    """How likely a contact in ``cube`` is a moment of truth."""
    if "emotion:high urgency:high" in cube:
        return 0.7
    return 0.2 if "high" in cube.split(" complexity")[0] else 0.02


def history(
    *,
    start: date,
    days: int,
    per_day: float = 400.0,
    mot_scale: float = 1.0,
    seed: int = 0,
) -> list[ContactRecord]:
    """Poisson contacts per 30-minute interval following :func:`expected`, UTC."""
    rng = np.random.default_rng(seed)
    records = []
    for d in range(days):
        day = start + timedelta(days=d)
        midnight = datetime.combine(day, time(0), tzinfo=UTC)
        for slot, mean in enumerate(expected(day, per_day)):
            for _ in range(rng.poisson(mean)):
                cube = CUBES[rng.choice(8, p=CUBE_SHARE)]
                channel = "call" if rng.random() < 0.7 else "chat"
                aht = (600.0 if "complexity:high" in cube else 300.0) * (
                    1.3 if channel == "chat" else 1.0
                )
                records.append(
                    ContactRecord(
                        started_at=midnight + timedelta(minutes=30 * slot + 30 * rng.random()),
                        channel=channel,
                        cube=cube,
                        moment_of_truth=bool(rng.random() < mot_probability(cube) * mot_scale),
                        handle_seconds=float(rng.gamma(4.0, aht / 4.0)),
                    )
                )
    return records


def seed(url: str, records: list[ContactRecord]) -> None:
    """Store ``records`` as ended interactions in a migrated database."""
    rows = []
    for i, r in enumerate(records):
        ended = r.started_at + timedelta(seconds=r.handle_seconds or 300.0)
        rows.append(
            {
                "external_id": f"synthetic-{i}",
                "channel": r.channel,
                "state": "ended",
                "started_at": r.started_at,
                "ended_at": ended,
                "last_event_at": ended,
                "event_count": 3,
                "cube": r.cube,
                "mot_score": 0.9 if r.moment_of_truth else 0.1,
            }
        )
    db = Database(url)
    try:
        with db.session() as session:
            session.execute(insert(Interaction), rows)
            session.commit()
    finally:
        db.dispose()
