"""``kairos serve`` on a port another process listens on: one line naming the port and what to
do, exit status 1, and nothing migrated. Before, it migrated the database and started the app,
then failed with uvicorn's bind error (exit status 3 and a traceback). A real process, a real
taken port, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.servers import free_port

from kairos import migrations


def test_a_taken_port_is_said_first_and_nothing_is_migrated(database_url: str) -> None:
    port = free_port()
    with socket.socket() as taken:  # what another server (or another kairos serve) does
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", port))
        taken.listen()
        env = {**os.environ, "KAIROS_DATABASE_URL": database_url, "COLUMNS": "400"}
        env.pop("KAIROS_REDIS_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "kairos.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "Traceback" not in said, said
    lines = [x for x in said.splitlines() if x.strip()]
    assert len(lines) == 1, said
    assert lines[0].startswith(f"kairos: port {port} on 127.0.0.1 is taken"), lines[0]
    assert "--port" in lines[0] and "KAIROS_PORT" in lines[0], lines[0]
    if database_url.startswith("sqlite"):
        assert not Path(database_url.removeprefix("sqlite:///")).exists()  # not even created
    else:
        assert migrations.current(database_url) is None
