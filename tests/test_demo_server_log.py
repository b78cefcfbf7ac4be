"""The demo's server writes to a log file, not into the demo's status line, and a server that
fails to start is explained with the end of that log."""

from __future__ import annotations

import pytest
from tests.servers import free_port

from kairos.demo import DEMO_QUEUE_MAP
from kairos.demo.server import DemoError, log_file, start_server, stop_server, wait_healthy


def test_a_server_that_cannot_start_is_explained_from_its_log(
    capfd: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    server = start_server("127.0.0.1", port, "nosuchdriver://nowhere/k", DEMO_QUEUE_MAP)
    try:
        with pytest.raises(DemoError) as raised:
            wait_healthy(server, f"http://127.0.0.1:{port}", timeout_s=120)
    finally:
        stop_server(server, "127.0.0.1", port)
    message = str(raised.value)
    assert "exited" in message and str(log_file("127.0.0.1", port)) in message
    assert "nosuchdriver" in message  # the server's own words, from its log
    out, err = capfd.readouterr()
    assert "nosuchdriver" not in out + err  # nothing written over the demo's status line
    assert "nosuchdriver" in log_file("127.0.0.1", port).read_text()
