"""The wall clock in tests that post contacts "now" and then read a day back.

A run that posts just before midnight and reads just after finds its contacts on yesterday's page
and today's empty (or one more day of history than it counted): such a test calls
:func:`clear_of_midnight` first, which waits for the new day when it is too close.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo


def clear_of_midnight(run_s: float, zone: tzinfo = UTC) -> None:
    """Return at once unless midnight on ``zone``'s clock is less than ``run_s`` seconds away
    (the most a run needs from posting to reading); then sleep until just after it."""
    now = datetime.now(zone)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), zone)
    left = (midnight - now).total_seconds()
    if left < run_s:
        time.sleep(left + 1)
