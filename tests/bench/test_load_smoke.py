"""``benchmarks/load.py`` in a tiny configuration against real PostgreSQL, Redis and the API.

Checks behaviour, not speed: every event the generator sent was applied, every utterance's
assessment came back over Redis pub/sub, the stack is torn down and its database dropped.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kairos.events import InteractionEnded, InteractionStarted, Utterance, event_adapter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import load  # noqa: E402
import loadgen  # noqa: E402

POSTGRES_URL = os.environ.get("KAIROS_TEST_POSTGRES_URL")
no_stack = pytest.mark.skipif(
    shutil.which("redis-server") is None or not POSTGRES_URL,
    reason="needs redis-server and KAIROS_TEST_POSTGRES_URL",
)


def test_conversation_is_a_whole_interaction_in_order() -> None:
    texts = loadgen.load_texts(limit=200)
    rng = random.Random(3)
    for n in range(50):
        bodies = loadgen.conversation(texts, interaction_id=f"i{n}", rng=rng)
        events = [event_adapter.validate_python(body) for body in bodies]
        assert isinstance(events[0], InteractionStarted)
        assert events[0].channel in ("chat", "call", "email") and events[0].identities
        assert events[0].reason
        assert isinstance(events[-1], InteractionEnded)
        turns = events[1:-1]
        assert 10 <= len(turns) <= 40
        assert all(isinstance(t, Utterance) for t in turns)
        speakers = [t.speaker for t in turns if isinstance(t, Utterance)]
        assert speakers[::2] == ["customer"] * len(speakers[::2])
        assert speakers[1::2] == ["agent"] * len(speakers[1::2])
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
        assert len({e.event_id for e in events}) == len(events)


def test_generator_refuses_anything_but_loopback() -> None:
    loadgen.require_loopback("http://127.0.0.1:8000")
    with pytest.raises(ValueError, match="loopback"):
        loadgen.require_loopback("http://10.0.0.5:8000")


def test_quantile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert loadgen.quantile(values, 0.5) == 50.0
    assert loadgen.quantile(values, 0.99) == 99.0
    assert loadgen.quantile([], 0.5) != loadgen.quantile([], 0.5)  # NaN


def _load_databases(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'kairos_load_%'")
            )
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def _run(tmp_path: Path, *options: str) -> dict[str, object]:
    assert POSTGRES_URL
    before = _load_databases(POSTGRES_URL)
    out = tmp_path / "load.json"
    markdown = tmp_path / "load.md"
    command = [
        sys.executable, str(ROOT / "benchmarks" / "load.py"), "--duration", "2",
        "--concurrency", "3", "--batch", "1,5", "--drain", "30", "--threads", "200",
        "--postgres-url", POSTGRES_URL, "--json", str(out), "--markdown", str(markdown), *options,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert _load_databases(POSTGRES_URL) <= before  # the throwaway database is gone
    assert "| configuration |" in markdown.read_text()
    result: dict[str, object] = json.loads(out.read_text())
    return result


def _check(measure: dict[str, object], configuration: str) -> None:
    assert measure["configuration"] == configuration
    applied, expected, seen = measure["applied"], measure["expected"], measure["seen"]
    assert isinstance(applied, int) and isinstance(expected, int)
    assert applied > 0 and applied == measure["attempted"]
    assert measure["errors"] == 0 and measure["duplicates"] == 0
    # Every utterance the server applied was assessed and the assessment arrived.
    assert 0 < expected == seen
    p50, p99 = measure["i2a_p50_ms"], measure["i2a_p99_ms"]
    assert isinstance(p50, float) and isinstance(p99, float)
    assert 0 < p50 <= p99


@pytest.mark.postgres
@no_stack
def test_inline_configuration_loses_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, "--no-workers")
    measures = result["measures"]
    assert isinstance(measures, list)
    assert [m["batch"] for m in measures] == [1, 5]
    for measure in measures:
        _check(measure, "inline")


@pytest.mark.postgres
@no_stack
@pytest.mark.skipif(load.workers_available() is not None, reason="no `kairos worker` yet")
def test_workers_configuration_loses_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, "--no-inline", "--workers", "1", "--batch", "5")
    measures = result["measures"]
    assert isinstance(measures, list) and len(measures) == 1
    _check(measures[0], "workers=1")
