"""The base rate's setting has one name and one ``.env`` reading: those of the settings.

``kairos.outcomes.base_rate`` names the variable for ``kairos calibrate`` (whose help must not
import the settings), and reads and writes its ``.env`` line with one pattern; both are held
here to what ``Settings`` itself reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kairos.cli import app
from kairos.config import Settings
from kairos.outcomes.base_rate import SETTING, stored, write_setting


def test_the_setting_is_the_one_the_settings_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SETTING, "0.0375")
    assert Settings(_env_file=None).mot_base_rate == 0.0375  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "line",
    [
        "{setting}=0.031",
        "export {setting}=0.031",
        "{setting} = '0.031'",
        '{setting}="0.031"  # from kairos calibrate',
    ],
)
def test_a_dotenv_line_reads_as_the_settings_read_it(tmp_path: Path, line: str) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"KAIROS_ENVIRONMENT=test\n{line.format(setting=SETTING)}\n")
    assert Settings(_env_file=env_file).mot_base_rate == 0.031  # type: ignore[call-arg]
    assert stored(env_file) == 0.031
    write_setting(env_file, 0.044)  # replaces that line, keeps the others
    assert env_file.read_text().splitlines() == ["KAIROS_ENVIRONMENT=test", f"{SETTING}=0.044"]
    assert Settings(_env_file=env_file).mot_base_rate == 0.044  # type: ignore[call-arg]


def test_calibrate_names_the_setting_in_its_help() -> None:
    result = CliRunner().invoke(app, ["calibrate", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert SETTING in result.output
