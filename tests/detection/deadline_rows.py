"""The deadline table's row type: a phrasing, its language, when it was said and its deadline.

``deadline_table`` (the rows Kairos was developed and held out on) and ``deadline_table_more``
(the phrasings added per language later) build their rows with :func:`_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

ZONES: dict[str, str] = {
    "en": "America/New_York",
    "es": "Europe/Madrid",
    "de": "Europe/Berlin",
    "fr": "Europe/Paris",
    "pt": "America/Sao_Paulo",
    "it": "Europe/Rome",
}
LANGUAGES: tuple[str, ...] = tuple(ZONES)


@dataclass(frozen=True, slots=True)
class DeadlineCase:
    """One phrasing, its language and the deadline it resolves to (None: no deadline)."""

    text: str
    lang: str
    expected: datetime | None
    day_only: bool = False
    held_out: bool = False

    @property
    def tz(self) -> str:
        """The customer's zone for this row."""
        return ZONES[self.lang]

    @property
    def now(self) -> datetime:
        """When the phrase was said: Wednesday 18 November 2026, 10:00 local."""
        return datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo(self.tz))


_Row = tuple[str, tuple[int, int, int] | None] | tuple[str, tuple[int, int, int], bool]


def _rows(lang: str, rows: list[_Row], *, held_out: bool = False) -> list[DeadlineCase]:
    zone = ZoneInfo(ZONES[lang])
    out = []
    for row in rows:
        when = row[1]
        at = None if when is None else datetime(2026, 11, *when, tzinfo=zone)
        out.append(DeadlineCase(row[0], lang, at, day_only=len(row) > 2, held_out=held_out))
    return out
