"""A base rate applied since start-up reads back from ``.env`` as waiting for a restart; the
rate the process runs at, an override in the environment, or no number, as nothing waiting."""

from __future__ import annotations

from pathlib import Path

import pytest

from kairos.outcomes import base_rate


def test_an_applied_rate_waits_for_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(base_rate.SETTING, raising=False)
    env = tmp_path / ".env"
    assert base_rate.applied(0.03, env) is None  # no .env
    env.write_text("KAIROS_CENTRE_TIMEZONE=Europe/Paris\nKAIROS_MOT_BASE_RATE=0.03\n")
    assert base_rate.applied(0.03, env) is None  # the running rate
    base_rate.write_setting(env, 0.052)
    assert base_rate.stored(env) == 0.052
    assert base_rate.applied(0.03, env) == 0.052
    env.write_text("export KAIROS_MOT_BASE_RATE = '0.04'  # quoted\n")
    assert base_rate.applied(0.03, env) == 0.04
    env.write_text("KAIROS_MOT_BASE_RATE=soon\n")
    assert base_rate.applied(0.03, env) is None
    # The environment wins over .env: what is written there will not take effect.
    env.write_text("KAIROS_MOT_BASE_RATE=0.052\n")
    monkeypatch.setenv(base_rate.SETTING, "0.03")
    assert base_rate.applied(0.03, env) is None
