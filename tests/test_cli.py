"""The ``kairos`` command: its help loads no heavy library, its defaults are the code's."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kairos.cli import app, audio, train


def test_help_imports_no_numpy_no_database_no_web() -> None:
    code = (
        "import sys\n"
        "from kairos.cli import app\n"
        "heavy = ('numpy', 'simpy', 'plotly', 'sqlalchemy', 'fastapi', 'pydantic')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_model_paths_are_the_models_own() -> None:
    from kairos.detection.model import DEFAULT_PATH as TEXT_MODEL
    from kairos.detection.voice.model import DEFAULT_PATH as VOICE_MODEL

    assert train.DEFAULT_PATH == TEXT_MODEL
    assert audio.DEFAULT_PATH == VOICE_MODEL


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["demo", "--port", "99999"], "--port"),
        (["serve", "--port", "0"], "--port"),
        (["demo", "--threads", "-1"], "--threads"),
    ],
)
def test_a_port_or_count_out_of_range_is_refused_before_anything_starts(
    args: list[str], said: str
) -> None:
    """A port past 65535 ended the demo in an OverflowError traceback; --threads -1 started
    it and stopped at once."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert said in result.output and "Traceback" not in result.output
