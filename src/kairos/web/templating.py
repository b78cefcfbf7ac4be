"""The Jinja2 environment for the pages, with the helpers templates use."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from kairos.auth.csrf import FIELD, csrf_token
from kairos.routing.explain import duration
from kairos.routing.policies import MomentsPolicy

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def level(value: float | None, high: float = 0.5) -> str:
    """A text label for a score, so colour is never the only signal."""
    if value is None:
        return "UNKNOWN"
    if value >= 0.8:
        return "VERY HIGH"
    if value >= high:
        return "HIGH"
    if value >= 0.3:
        return "MEDIUM"
    return "LOW"


def words(value: str | None) -> str:
    """``travel_disruption`` as ``travel disruption``."""
    return (value or "").replace("_", " ")


def since(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in plain words: ``4 min``."""
    if value is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - value).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def countdown(deadline: datetime, now: datetime | None = None) -> str:
    """A deadline counted from now, as the page's clock ticks it: ``in 3 h 50 min``, or
    ``PASSED 12 min ago`` (never the last assessment's minutes, which stand still)."""
    left = (deadline - (now or datetime.now(UTC))).total_seconds()
    return f"in {duration(left)}" if left >= 0 else f"PASSED {duration(left)} ago"


#: A deadline this close (minutes) raises an alert on the wallboard and colours its countdown.
DEADLINE_ALERT_MINUTES = 30.0


def deadline_window() -> dict[str, int]:
    """The seconds that colour a deadline's countdown, from the routing policy: under
    ``near_s`` ahead it is near (the wallboard's "deadline under 30 minutes" alert), inside
    ``horizon_s`` it adds priority, and passed less than ``grace_s`` ago it still presses."""
    policy = MomentsPolicy()
    return {
        "near_s": round(DEADLINE_ALERT_MINUTES * 60),
        "horizon_s": round(policy.deadline_horizon_minutes * 60),
        "grace_s": round(policy.deadline_grace_minutes * 60),
    }


def hhmm(value: datetime | str | None) -> str:
    """A time as ``14:02 UTC``."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value.astimezone(UTC):%H:%M} UTC"


def local_hhmm(value: datetime | str | None) -> str:
    """A customer's deadline as they said it, with its offset: ``19:00 (UTC+01:00)``.

    The detector resolves a deadline in the customer's zone and keeps its offset; converting it
    to UTC would show a time the customer never said.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    offset = value.utcoffset()
    if offset is None:
        return hhmm(value)
    if not offset:
        return f"{value:%H:%M} (UTC)"
    sign = "-" if offset.total_seconds() < 0 else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{value:%H:%M} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def clock(value: datetime | str | None, zone: str | None) -> str:
    """A time as read on a clock in ``zone``: ``09:17``.

    >>> clock("2026-11-22T14:17:00+00:00", "America/New_York")
    '09:17'
    """
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value.astimezone(_zone(zone)):%H:%M}"


def centre_clock(value: datetime | str | None, zone: str | None, fmt: str = "%H:%M") -> Any:
    """A time on the centre's clock, labelled with its zone: the abbreviation shown, the zone's
    name in the title and in ``datetime`` the instant, so 09:00 is never the browser's or UTC's.

    >>> html = str(centre_clock("2026-11-22T14:17:00+00:00", "America/Chicago"))
    >>> html.split(">")[1], html.split('"')[3:6]
    ('08:17 CST</time', ['2026-11-22T14:17:00+00:00', ' title=', 'centre time: America/Chicago'])
    >>> str(centre_clock("2026-11-22T14:17:00+00:00", "Asia/Kolkata")).split(">")[1]
    '19:47 IST</time'
    """
    from markupsafe import Markup

    if value is None:
        return Markup("")
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return Markup('<time class="clock" datetime="{}" title="centre time: {}">{} {}</time>').format(
        value.astimezone(UTC).isoformat(), zone or "UTC", *zoned(value, zone, fmt)
    )


def zoned(value: datetime, zone: str | None, fmt: str = "%H:%M") -> tuple[str, str]:
    """A time on ``zone``'s clock and the zone's label: ``('19:47', 'IST')``, ``('02:17',
    'UTC-12')`` for a zone with no abbreviation."""
    local = value.astimezone(_zone(zone))
    label = local.tzname() or (zone or "UTC")
    if label[:1] in "+-":  # Etc/GMT+12 names itself "-12"
        label = f"UTC{label[:3]}" + (f":{label[3:]}" if len(label) > 3 else "")
    return local.strftime(fmt), label


def clocks(value: datetime | str | None, customer_zone: str | None, centre_zone: str | None) -> Any:
    """A time on the customer's clock beside the centre's (the agent's): one when they agree.

    >>> html = str(clocks("2026-11-22T14:17:00+00:00", "America/New_York", "Europe/Paris"))
    >>> html.split(">")[1]
    '09:17 customer · 15:17 centre</span'
    >>> str(clocks("2026-11-22T14:17:00+00:00", "UTC", "UTC"))
    '<span class="clock" title="customer and centre: UTC">14:17</span>'
    """
    from markupsafe import Markup, escape

    if value is None:
        return Markup("")
    theirs, ours = clock(value, customer_zone), clock(value, centre_zone)
    customer, centre = customer_zone or "UTC", centre_zone or "UTC"
    if theirs == ours:
        return Markup('<span class="clock" title="customer and centre: {}">{}</span>').format(
            escape(centre if customer == centre else f"{customer}, {centre}"), ours
        )
    return Markup(
        '<span class="clock" title="customer: {}; centre: {}">{} customer · {} centre</span>'
    ).format(escape(customer), escape(centre), theirs, ours)


def percent(value: float | None) -> str:
    """0.734 as ``73%``."""
    return "–" if value is None else f"{round(100 * value)}%"


def by_kind(found: Iterable[Any]) -> list[tuple[str, list[str], int]]:
    """Behaviours (with ``kind`` and ``text``) as (kind, its distinct words, how many found),
    each kind once, in the order first found: "DEFLECTION ×4" once, not four tags.

    >>> from types import SimpleNamespace as B
    >>> by_kind([B(kind="empathy", text="Sorry"), B(kind="blame", text=None),
    ...          B(kind="empathy", text="sorry")])
    [('empathy', ['Sorry'], 2), ('blame', [], 1)]
    """
    groups: dict[str, tuple[list[str], list[int]]] = {}
    for b in found:
        words, count = groups.setdefault(str(b.kind), ([], [0]))
        count[0] += 1
        if b.text and str(b.text).lower() not in (w.lower() for w in words):
            words.append(str(b.text))
    return [(kind, words, count[0]) for kind, (words, count) in groups.items()]


def _csrf_input(request: Request) -> str:
    from markupsafe import Markup, escape

    token = escape(csrf_token(request))
    return Markup(f'<input type="hidden" name="{FIELD}" value="{token}">')


def base_context(request: Request) -> dict[str, Any]:
    return {"csrf_input": lambda: _csrf_input(request), "csrf_token": lambda: csrf_token(request)}


templates = Jinja2Templates(directory=TEMPLATES_DIR, context_processors=[base_context])
templates.env.filters.update(
    level=level, words=words, since=since, hhmm=hhmm, local_hhmm=local_hhmm, percent=percent
)
# A wait reads "9 min 21 s" or "3 h 05 min", as the countdowns do, never "561 s".
templates.env.filters["duration"] = duration
templates.env.filters["countdown"] = countdown
templates.env.filters["by_kind"] = by_kind


def _fill_wording(line: str, view: Any) -> str:
    from kairos.web.desktop import fill_wording

    return fill_wording(line, view)


templates.env.globals["fill_wording"] = _fill_wording
templates.env.globals["clocks"] = clocks
templates.env.globals["deadline_window"] = deadline_window()
templates.env.filters["clock"] = clock
templates.env.filters["centre_clock"] = centre_clock


def plotly_js() -> Path | None:
    """Where the installed plotly package keeps ``plotly.min.js``, if it is installed."""
    try:
        import plotly
    except ImportError:
        return None
    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    return path if path.is_file() else None
