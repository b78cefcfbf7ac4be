"""Forecast contacts per interval, cube cell and channel for one day, from stored history.

A pure library over plain :class:`ContactRecord` rows (no database, no web).

Method: a seasonal profile by weekday and time of day, exponentially weighted over recent weeks.
Each (channel, cube cell) series is counted per interval of the day (local time in the given
zone) on every day of history. The forecast for interval *i* of target day *D* is

    F(D, i) = Σ_k w_k · C(D_k, i) / Σ_k w_k,   w_k = (1 − α)^(k−1)

over D_k, the k-th most recent same weekday in the ``weeks`` weeks before D that the history
holds: the most recent week weighs most, and α sets how fast older weeks are forgotten (α = 1 is
the seasonal-naive "same day last week"). When the
history holds no same weekday yet, the recent days of any weekday are used the same way, weighted
by how many days back they are. The weighted mean is linear, so cube cells and the MoT share add
up exactly to the channel's total: sparse cells need no separate reconciliation. Moments of
truth are rare, so they are forecast as each series' contacts times its MoT share, pooled over
the whole history. Between the first and the newest day with any contact, a day with none
counts as zero contacts (the centre was closed or quiet); days after the newest contact are
unknown and never used. Days the clocks change are read through :mod:`kairos.planning.clock`:
a wall-clock slot counts per occurrence (a repeated hour holds two), a slot the clocks skipped is
no quiet slot, and the forecast day has its real intervals (23, 24 or 25 hours).

:func:`backtest` holds out the last full week of history, forecasts each held-out day from the
weeks before it only, and reports WAPE (Σ|F − A| / ΣA, robust to quiet intervals) and MAPE (mean
|F − A| / A over intervals with contacts), for channel totals and per cube cell, beside the
seasonal-naive peer measured on the same week.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

import numpy as np
import numpy.typing as npt

from kairos.planning.clock import day_intervals, slot_occurrences, slot_of, slots_per_day

F64 = npt.NDArray[np.float64]

#: Cube value for interactions the detector never assessed (no customer words yet).
UNASSESSED = "unassessed"

#: Handle time assumed for a channel with no history, in seconds.
DEFAULT_AHT_SECONDS: dict[str, float] = {
    "call": 360.0,
    "chat": 480.0,
    "email": 600.0,
    "sms": 300.0,
    "social": 300.0,
}
FALLBACK_AHT_SECONDS = 360.0

#: How many observations of its own a cell needs to weigh as much as its channel's mean.
AHT_PRIOR_WEIGHT = 5.0


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """One interaction as planning sees it."""

    started_at: datetime
    channel: str
    cube: str
    moment_of_truth: bool
    handle_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class VolumeForecast:
    """Forecast contacts for one day: per (channel, cube cell), one value per interval."""

    day: date
    interval_minutes: int
    starts: tuple[datetime, ...]
    contacts: dict[tuple[str, str], tuple[float, ...]]
    mot_contacts: dict[tuple[str, str], tuple[float, ...]]
    method: str
    history_days: int

    @property
    def channels(self) -> list[str]:
        """Channels with a forecast, sorted."""
        return sorted({channel for channel, _ in self.contacts})

    @property
    def cubes(self) -> list[str]:
        """Cube cells with a forecast, sorted."""
        return sorted({cube for _, cube in self.contacts})

    def total(
        self, *, channel: str | None = None, cube: str | None = None, mot: bool = False
    ) -> F64:
        """Contacts per interval summed over the matching series (MoT contacts with ``mot``)."""
        source = self.mot_contacts if mot else self.contacts
        out = np.zeros(len(self.starts))
        for (ch, cb), values in source.items():
            if (channel is None or ch == channel) and (cube is None or cb == cube):
                out += np.asarray(values)
        return out


@dataclass(frozen=True, slots=True)
class Backtest:
    """Forecast error on the held-out last week of history, beside the seasonal-naive peer."""

    first_day: date
    last_day: date
    intervals: int
    actual_contacts: float
    forecast_contacts: float
    wape: float
    mape: float | None
    wape_cells: float
    naive_wape: float
    naive_wape_cells: float


@dataclass(slots=True)
class _History:
    """Counts per day, series and interval of the day."""

    first_day: date
    days: int
    keys: list[tuple[str, str]]
    contacts: F64  # (days, keys, slots)
    mot: F64
    occurrences: F64  # (days, slots): how often each wall-clock slot happened that day
    by_key: dict[tuple[str, str], int] = field(default_factory=dict)


def interval_starts(day: date, interval_minutes: int, tz: tzinfo) -> tuple[datetime, ...]:
    """The local start of every real interval of ``day`` (46, 48 or 50 half hours)."""
    return tuple(start for start, _ in day_intervals(day, interval_minutes, tz))


def _history(
    records: Iterable[ContactRecord], *, before: date, interval_minutes: int, tz: tzinfo
) -> _History | None:
    slots = slots_per_day(interval_minutes)
    rows: list[tuple[date, int, tuple[str, str], bool]] = []
    for record in records:
        local = record.started_at.astimezone(tz)
        if local.date() >= before:
            continue
        slot = slot_of(local, interval_minutes)
        rows.append((local.date(), slot, (record.channel, record.cube), record.moment_of_truth))
    if not rows:
        return None
    first = min(day for day, _, _, _ in rows)
    keys = sorted({key for _, _, key, _ in rows})
    by_key = {key: i for i, key in enumerate(keys)}
    # Days after the newest contact are unknown (not loaded yet), not quiet.
    days = (max(day for day, _, _, _ in rows) - first).days + 1
    contacts = np.zeros((days, len(keys), slots))
    mot = np.zeros_like(contacts)
    for day, slot, key, is_mot in rows:
        index = ((day - first).days, by_key[key], slot)
        contacts[index] += 1.0
        if is_mot:
            mot[index] += 1.0
    occurrences = np.stack(
        [slot_occurrences(first + timedelta(days=d), interval_minutes, tz) for d in range(days)]
    )
    return _History(first, days, keys, contacts, mot, occurrences, by_key)


def _weights(history: _History, day: date, *, alpha: float, weeks: int) -> tuple[F64, str] | None:
    """Weights (days, slots) over history for ``day``: same weekday first, else recent days.

    None without history to use. Per wall-clock slot, the k-th most recent day used that had the
    slot weighs (1 − α)^(k−1): a week missing from the history, or a slot the clocks skipped that
    day, leaves the older weeks their order, not a gap.
    """
    same = [(day - timedelta(days=7 * k) - history.first_day).days for k in range(1, weeks + 1)]
    method = "same weekday, {used} week(s), α={alpha:g}"
    present = [i for i in same if 0 <= i < history.days]
    if not present:
        recent = [(day - timedelta(days=j) - history.first_day).days for j in range(1, 8)]
        present = [i for i in recent if 0 <= i < history.days]
        method = "any weekday (under a week of history), {used} day(s), α={alpha:g}"
    if not present:
        return None
    had = history.occurrences[present] > 0  # (used days, slots), most recent first
    # A slot the clocks skipped on the newest day ranks -1 there; its weight is 0 anyway, and
    # clipping keeps 0 ** -1 (α = 1) from being computed at all.
    rank = np.maximum(np.cumsum(had, axis=0) - 1, 0)
    weights = np.zeros((history.days, history.occurrences.shape[1]))
    weights[present] = np.where(had, (1.0 - alpha) ** rank, 0.0)
    total = weights.sum(axis=0)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    used = int(np.count_nonzero(weights.any(axis=1)))
    return weights, method.format(used=used, alpha=alpha)


def forecast_day(
    records: Sequence[ContactRecord],
    *,
    day: date,
    interval_minutes: int = 30,
    tz: tzinfo = UTC,
    alpha: float = 0.4,
    weeks: int = 6,
    history_before: date | None = None,
) -> VolumeForecast | None:
    """Contacts per interval, channel and cube cell on ``day``; None without usable history.

    Only days before ``day`` (and before ``history_before`` when given: an incomplete today, or a
    backtest's cut) are history; the newest used is at most ``weeks`` weeks before ``day``.
    """
    if not 0.0 < alpha <= 1.0:
        raise ValueError("alpha must be in (0, 1]")
    cut = min(day, history_before) if history_before else day
    history = _history(records, before=cut, interval_minutes=interval_minutes, tz=tz)
    if history is None:
        return None
    return _forecast(
        history, day, interval_minutes=interval_minutes, tz=tz, alpha=alpha, weeks=weeks
    )


def _per_slot(history: _History, day: date, *, alpha: float, weeks: int) -> tuple[F64, str] | None:
    """Contacts (keys, slots) per occurrence of each wall-clock slot on ``day``, and the method.

    A slot that happened twice (the clocks went back) counts half its contacts per occurrence.
    """
    weighted = _weights(history, day, alpha=alpha, weeks=weeks)
    if weighted is None:
        return None
    weights, method = weighted
    occurrences = history.occurrences
    per_occurrence = np.divide(
        history.contacts,
        occurrences[:, None, :],
        out=np.zeros_like(history.contacts),
        where=occurrences[:, None, :] > 0,
    )
    return np.einsum("ds,dks->ks", weights, per_occurrence), method


def _forecast(
    history: _History, day: date, *, interval_minutes: int, tz: tzinfo, alpha: float, weeks: int
) -> VolumeForecast | None:
    found = _per_slot(history, day, alpha=alpha, weeks=weeks)
    if found is None:
        return None
    slotted, method = found
    intervals = day_intervals(day, interval_minutes, tz)
    # A column per real interval of the day: a repeated wall-clock slot twice, a skipped one never.
    contacts = slotted[:, [slot for _, slot in intervals]]
    # Moments of truth are rare: a slot's own MoT count is mostly noise (zero, then one), so each
    # series' MoT share is pooled over every interval and day of the history.
    seen = history.contacts.sum(axis=(0, 2))
    share = np.divide(history.mot.sum(axis=(0, 2)), seen, out=np.zeros_like(seen), where=seen > 0)
    mot = contacts * share[:, None]
    return VolumeForecast(
        day=day,
        interval_minutes=interval_minutes,
        starts=tuple(start for start, _ in intervals),
        contacts={key: tuple(contacts[i].tolist()) for i, key in enumerate(history.keys)},
        mot_contacts={key: tuple(mot[i].tolist()) for i, key in enumerate(history.keys)},
        method=method,
        history_days=history.days,
    )


@dataclass(frozen=True, slots=True)
class _Errors:
    wape: float
    mape: float | None
    wape_cells: float
    actual: float
    forecast: float


def _errors(forecasts: list[F64], actuals: list[F64], channel_of: list[int]) -> _Errors:
    """Errors over days of (keys, slots) arrays: per channel total, and per (channel, cell)."""
    forecast, actual = np.stack(forecasts), np.stack(actuals)  # (days, keys, slots)
    cell_abs = float(np.abs(forecast - actual).sum())
    groups = np.asarray(channel_of)
    channels = sorted(set(channel_of))
    f = np.stack([forecast[:, groups == c].sum(axis=1) for c in channels])
    a = np.stack([actual[:, groups == c].sum(axis=1) for c in channels])
    total = float(a.sum())
    busy = a > 0
    mape = float(np.mean(np.abs(f - a)[busy] / a[busy])) if busy.any() else None
    if total == 0:
        return _Errors(math.nan, mape, math.nan, total, float(f.sum()))
    return _Errors(
        float(np.abs(f - a).sum()) / total, mape, cell_abs / total, total, float(f.sum())
    )


def backtest(
    records: Sequence[ContactRecord],
    *,
    last_day: date,
    interval_minutes: int = 30,
    tz: tzinfo = UTC,
    alpha: float = 0.4,
    weeks: int = 6,
) -> Backtest | None:
    """Hold out the week ending ``last_day``, forecast it from the weeks before; None if too short.

    Needs at least one full week of history before the held-out week.
    """
    first_held = last_day - timedelta(days=6)
    after = last_day + timedelta(days=1)
    whole = _history(records, before=after, interval_minutes=interval_minutes, tz=tz)
    if whole is None or whole.first_day > first_held - timedelta(days=7):
        return None
    held = (first_held - whole.first_day).days
    # The same counts, cut before the held-out week: the forecasts see nothing of it.
    known = min(held, whole.days)
    past = _History(
        whole.first_day,
        known,
        whole.keys,
        whole.contacts[:known],
        whole.mot[:known],
        whole.occurrences[:known],
        whole.by_key,
    )
    days = [first_held + timedelta(days=i) for i in range(7)]
    # Per wall-clock slot, as the actual counts are: a slot the clocks repeated holds two.
    occurrences = [slot_occurrences(day, interval_minutes, tz) for day in days]
    quiet = np.zeros_like(whole.contacts[0])
    actuals = [whole.contacts[held + i] if held + i < whole.days else quiet for i in range(7)]
    channel_names = sorted({channel for channel, _ in whole.keys})
    channel_of = [channel_names.index(channel) for channel, _ in whole.keys]

    def score(alpha: float, weeks: int) -> _Errors:
        forecasts = []
        for day, occurred in zip(days, occurrences, strict=True):
            found = _per_slot(past, day, alpha=alpha, weeks=weeks)
            assert found is not None  # a week of history before it was checked above
            forecasts.append(found[0] * occurred[None, :])
        return _errors(forecasts, actuals, channel_of)

    ours, naive = score(alpha, weeks), score(1.0, 1)
    return Backtest(
        first_day=first_held,
        last_day=last_day,
        intervals=round(sum(float(o.sum()) for o in occurrences)),
        actual_contacts=ours.actual,
        forecast_contacts=ours.forecast,
        wape=ours.wape,
        mape=ours.mape,
        wape_cells=ours.wape_cells,
        naive_wape=naive.wape,
        naive_wape_cells=naive.wape_cells,
    )


def handle_times(
    records: Iterable[ContactRecord], *, defaults: dict[str, float] | None = None
) -> dict[tuple[str, str], float]:
    """Average handle seconds per (channel, cube cell), shrunk toward the channel's mean.

    A cell with n handled contacts weighs its own mean n : ``AHT_PRIOR_WEIGHT`` against its
    channel's, and the channel's mean likewise against the default for the channel, so a cell
    seen twice does not swing the staffing.
    """
    defaults = DEFAULT_AHT_SECONDS if defaults is None else defaults
    cell_sum: dict[tuple[str, str], float] = defaultdict(float)
    cell_n: dict[tuple[str, str], int] = defaultdict(int)
    seen: set[tuple[str, str]] = set()
    for record in records:
        key = (record.channel, record.cube)
        seen.add(key)
        if record.handle_seconds is not None and record.handle_seconds > 0:
            cell_sum[key] += record.handle_seconds
            cell_n[key] += 1
    out: dict[tuple[str, str], float] = {}
    for channel in {ch for ch, _ in seen}:
        keys = [key for key in seen if key[0] == channel]
        n = sum(cell_n[key] for key in keys)
        total = sum(cell_sum[key] for key in keys)
        default = defaults.get(channel, FALLBACK_AHT_SECONDS)
        channel_mean = (total + AHT_PRIOR_WEIGHT * default) / (n + AHT_PRIOR_WEIGHT)
        for key in keys:
            out[key] = (cell_sum[key] + AHT_PRIOR_WEIGHT * channel_mean) / (
                cell_n[key] + AHT_PRIOR_WEIGHT
            )
    return out


def default_handle_seconds(channel: str) -> float:
    """The handle time assumed for ``channel`` when its history has none."""
    return DEFAULT_AHT_SECONDS.get(channel, FALLBACK_AHT_SECONDS)
