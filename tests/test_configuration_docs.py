"""docs/configuration.md's table says each setting's default beside what it means: the default is
written in kairos.config and again there, so a change to one must reach the other. Every
variable the table names is a setting, and every default it writes as a value (a number, or a
word in backquotes) is the one the settings have."""

from __future__ import annotations

import re
from pathlib import Path

from kairos.config import Settings
from kairos.detection.semantic import DEFAULT_BASE_RATE

TABLE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
ROW = re.compile(r"^\| (`KAIROS_[^|]*) \| ([^|]*) \|", re.MULTILINE)
VALUE = re.compile(r"`?(?P<number>-?[0-9][0-9_]*(?:\.[0-9]+)?)`?|`(?P<word>[^`]+)`")
#: Defaults the model leaves unset or writes in full: what the table says instead.
WORKED_OUT = {
    "mot_base_rate": DEFAULT_BASE_RATE,  # unset: the semantic tier's prior
    "secret_key_file": "~/"
    + str(Settings.model_fields["secret_key_file"].default.relative_to(Path.home())),
}
#: Unset, looked for where it is read (``Settings.shared_data_dir``): not a value to compare.
NOT_A_VALUE = {"data_dir"}


def _documented() -> dict[str, str]:
    """Each variable the table names (lower case, without ``KAIROS_``) and its default cell."""
    found: dict[str, str] = {}
    for names, defaults in ROW.findall(TABLE.read_text(encoding="utf-8")):
        variables = re.findall(r"`KAIROS_([A-Z0-9_]+)`", names)
        cells = [c.strip() for c in defaults.split(",")] if len(variables) > 1 else [defaults]
        found |= {v.lower(): cell.strip() for v, cell in zip(variables, cells, strict=False)}
    return found


def test_every_variable_in_the_table_is_a_setting() -> None:
    documented = _documented()
    assert len(documented) > 40
    assert sorted(set(documented) - set(Settings.model_fields)) == []


def test_the_defaults_the_table_writes_are_the_settings_defaults() -> None:
    wrong = {}
    for name, cell in _documented().items():
        value = VALUE.fullmatch(cell)
        if value is None or name in NOT_A_VALUE:  # "unset", or a default said in words
            continue
        default = WORKED_OUT.get(name, Settings.model_fields[name].default)
        if value["number"] is not None:
            same = isinstance(default, int | float) and float(default) == float(value["number"])
        else:
            same = str(default) == value["word"]
        if not same:
            wrong[name] = (cell, default)
    assert wrong == {}
