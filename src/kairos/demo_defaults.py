"""The demo's defaults that ``kairos demo`` shows as its options' defaults (``--per-day``,
``--start-timeout``) and :mod:`kairos.demo` uses when called without them: written once, here.

A module of constants that imports nothing, so that the command line reads them without loading
the demo (``import kairos.demo`` takes over a second: the sign-ins' password hashing, the event
models), and ``kairos --help`` stays as quick as the other commands keep it.
"""

from __future__ import annotations

#: Contacts on a day of weight 1 at pace 1: the history for three weeks of it takes minutes to
#: seed (the server assesses every contact), so the live floor runs at the same rate.
PER_DAY = 800.0

#: How long the demo waits for its server to come up, by default (``--start-timeout``): a first
#: start on the shared 2-core machine (Numba compiling the voice analysis, load 15) took 109 s,
#: where the demo gave up at 60 s before; later starts take 25 to 40 s there.
START_TIMEOUT_S = 300.0
