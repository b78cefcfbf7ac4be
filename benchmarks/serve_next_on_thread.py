"""``kairos serve`` with ``next`` on PostgreSQL decided on a worker thread, as before 2026-12-05
(``kairos.routing.next_loop.ON_LOOP`` off): the peer ``routing_http.py`` times over uvicorn
beside the default, in alternating server runs on the same database.

Usage: python benchmarks/serve_next_on_thread.py serve [kairos serve's options]
"""

from kairos.cli import app
from kairos.routing import next_loop

next_loop.ON_LOOP = False
app()
