"""Each channel staffed as its own pool, against its own service target.

Calls are answered live: Erlang C and Erlang A. Chats and SMS are answered live too, but an agent
works several at once: Erlang C and A count slots (a contact in progress holds one for its
handle time, measured from the history), and an agent holds ``concurrency`` of them. Email and
social posts are a backlog (``ServiceTarget.backlog``): their items wait in a list, answered
within hours, so no queueing formula applies; :func:`~kairos.planning.staffing.backlog` plans
whole heads where the work falls due, to do it within the answer time. A backlog item's work
is the channel's default handle time (:data:`~kairos.planning.forecast.DEFAULT_AHT_SECONDS`),
not the history's: a thread's time from assignment to close is mostly the customer's, not the
agent's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kairos.planning import forecast as fc
from kairos.planning.schemas import ChannelInterval
from kairos.planning.staffing import (
    MOT_TARGET,
    ServiceTarget,
    Staffing,
    backlog,
    erlang_a,
    erlang_c,
    per_agent,
)

#: Each channel's target unless the settings say otherwise (``KAIROS_SERVICE_TARGETS``).
DEFAULT_TARGETS: dict[str, ServiceTarget] = {
    "call": ServiceTarget(service_level=0.8, answer_seconds=20.0),
    "chat": ServiceTarget(service_level=0.8, answer_seconds=60.0, concurrency=3),
    "sms": ServiceTarget(service_level=0.8, answer_seconds=600.0, concurrency=3),
    "email": ServiceTarget(service_level=0.9, answer_seconds=86_400.0, backlog=True),
    "social": ServiceTarget(service_level=0.9, answer_seconds=3600.0, backlog=True),
}


def channel_targets(
    overrides: Mapping[str, Mapping[str, Any]] | None = None, **every: Any
) -> dict[str, ServiceTarget]:
    """The defaults with each channel's ``overrides`` (unset: None), then ``every`` channel's.

    Raises ValueError for a target that cannot be (a service level of 1.5).
    """
    targets = {}
    for channel, default in DEFAULT_TARGETS.items():
        given = {k: v for k, v in (overrides or {}).get(channel, {}).items() if v is not None}
        given |= {k: v for k, v in every.items() if v is not None}
        targets[channel] = dataclasses.replace(default, **given)
    return targets


def _mix(contacts: fc.F64, aht: fc.F64, default: float) -> list[float]:
    """Handle time per interval weighted by the forecast mix of cells; ``default`` when quiet."""
    total = contacts.sum(axis=0)
    workload = (contacts * aht[:, None]).sum(axis=0)
    mixed = np.where(total > 0, workload / np.where(total > 0, total, 1.0), default)
    return [float(x) for x in mixed]


def _shares(work: fc.F64, index: dict[str, list[int]], agents: int) -> dict[str, float]:
    """``agents`` shared among the cube cells in proportion to each cell's ``work``."""
    total = float(work.sum())
    if agents == 0 or total <= 0:
        return dict.fromkeys(index, 0.0)
    return {cube: round(agents * float(work[js].sum()) / total, 3) for cube, js in index.items()}


def _live(
    contacts: float, seconds: float, minutes: int, target: ServiceTarget, patience: float
) -> tuple[Staffing, Staffing]:
    """Erlang C and Erlang A for one interval, in agents of ``target.concurrency`` slots."""
    c = erlang_c(contacts=contacts, aht_seconds=seconds, interval_minutes=minutes, target=target)
    a = erlang_a(
        contacts=contacts,
        aht_seconds=seconds,
        interval_minutes=minutes,
        target=target,
        patience_seconds=patience,
    )
    return (
        per_agent(c, target.concurrency, target.shrinkage),
        per_agent(a, target.concurrency, target.shrinkage),
    )


def channel_intervals(
    volume: fc.VolumeForecast,
    channel: str,
    aht: dict[tuple[str, str], float],
    cubes: Sequence[str],
    *,
    target: ServiceTarget,
    mot_target: ServiceTarget = MOT_TARGET,
    patience_seconds: float = 180.0,
) -> list[ChannelInterval]:
    """One channel's contacts per interval, per cube cell, and the agents they need.

    A channel without history is there too, every interval at zero: a WFM import wants the grid.
    """
    keys = [k for k in volume.contacts if k[0] == channel]
    width = len(volume.starts)
    contacts = np.array([volume.contacts[k] for k in keys]).reshape(len(keys), width)
    mot = np.array([volume.mot_contacts[k] for k in keys]).reshape(len(keys), width)
    default = fc.default_handle_seconds(channel)
    cell_aht = np.array([default if target.backlog else aht[k] for k in keys])
    aht_all, aht_mot = _mix(contacts, cell_aht, default), _mix(mot, cell_aht, default)
    totals, mot_totals = contacts.sum(axis=0), mot.sum(axis=0)
    minutes = volume.interval_minutes
    # Moments of truth: the tighter answer time on live channels; a backlog keeps its own.
    mot_live = ServiceTarget(
        service_level=mot_target.service_level,
        answer_seconds=mot_target.answer_seconds,
        shrinkage=mot_target.shrinkage,
        max_occupancy=mot_target.max_occupancy,
        concurrency=target.concurrency,
    )
    if target.backlog:
        work = [float(n) * s for n, s in zip(totals, aht_all, strict=True)]
        mot_work = [float(n) * s for n, s in zip(mot_totals, aht_mot, strict=True)]
        staffed = backlog(workload_seconds=work, interval_minutes=minutes, target=target)
        certified = backlog(workload_seconds=mot_work, interval_minutes=minutes, target=target)
        pairs = [(s, s, m) for s, m in zip(staffed, certified, strict=True)]
    else:
        pairs = []
        for i in range(width):
            c, a = _live(float(totals[i]), aht_all[i], minutes, target, patience_seconds)
            m = erlang_c(
                contacts=float(mot_totals[i]),
                aht_seconds=aht_mot[i],
                interval_minutes=minutes,
                target=mot_live,
            )
            pairs.append((c, a, per_agent(m, target.concurrency, mot_live.shrinkage)))
    index = {cube: [j for j, k in enumerate(keys) if k[1] == cube] for cube in cubes}
    cell_work = contacts * cell_aht[:, None]
    # A backlog's heads work what fell due, not what arrived: share them by the day's work.
    day_work = cell_work.sum(axis=1)
    rows = []
    for i, (c, a, m) in enumerate(pairs):
        work = day_work if target.backlog else cell_work[:, i]
        shares = _shares(work, index, c.agents)
        rows.append(
            ChannelInterval(
                channel=channel,
                contacts=round(float(totals[i]), 3),
                mot_contacts=round(float(mot_totals[i]), 3),
                aht_seconds=round(aht_all[i], 1),
                mot_aht_seconds=round(aht_mot[i], 1),
                cells={cube: round(float(contacts[js, i].sum()), 3) for cube, js in index.items()},
                cell_agents=shares,
                erlang_c=c,
                erlang_a=a,
                certified=m,
            )
        )
    return rows
