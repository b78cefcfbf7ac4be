"""``kairos score``: the JSON-lines contract used by outside evaluation."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kairos.cli import app

CONTRACT = {
    "id",
    "mot_score",
    "emotion",
    "urgency",
    "complexity",
    "churn_risk",
    "stakes",
    "deadline",
    "cube",
    "reasons",
}


def run(lines: list[str], tmp_path: Path) -> list[dict[str, object]]:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["score", str(source)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_one_output_line_per_input_line_with_the_contract_fields(tmp_path: Path) -> None:
    out = run(
        [
            json.dumps(
                {
                    "id": "a",
                    "text": "My flight just got cancelled and I have to be at my "
                    "daughter's recital by 7 tonight",
                    "occurred_at": "2026-11-22T09:00:00-05:00",
                }
            ),
            json.dumps({"id": 2, "text": "what's my balance", "channel": "chat"}),
        ],
        tmp_path,
    )
    assert [o["id"] for o in out] == ["a", 2]
    for o in out:
        assert set(o) >= CONTRACT
        assert 0.0 <= o["mot_score"] <= 1.0  # type: ignore[operator]
    assert out[0]["deadline"] == "2026-11-22T19:00:00-05:00"
    assert out[0]["mot_score"] > 0.7  # type: ignore[operator]
    assert out[1]["mot_score"] < 0.2  # type: ignore[operator]
    assert out[1]["deadline"] is None
    reason = out[0]["reasons"][0]  # type: ignore[index]
    assert {"kind", "label", "weight"} <= set(reason)


def test_lines_sharing_an_interaction_are_one_conversation(tmp_path: Path) -> None:
    convo = [
        {
            "id": 1,
            "interaction_id": "c",
            "text": "my laptop is locked",
            "occurred_at": "2026-11-22T09:00:00+00:00",
        },
        {"id": 2, "interaction_id": "other", "text": "what are your opening hours?"},
        {
            "id": 3,
            "interaction_id": "c",
            "speaker": "customer",
            "text": "I have a client presentation in two hours",
            "occurred_at": "2026-11-22T09:01:00Z",
        },
    ]
    out = run([json.dumps(c) for c in convo], tmp_path)
    assert [o["id"] for o in out] == [1, 2, 3]
    assert out[2]["deadline"] == "2026-11-22T11:01:00+00:00"
    assert "business_deadline" in out[2]["stakes"]  # type: ignore[operator]
    assert out[2]["mot_score"] > out[0]["mot_score"]  # type: ignore[operator]
    alone = run([json.dumps({**convo[2], "interaction_id": "fresh"})], tmp_path)
    assert alone[0]["mot_score"] != out[2]["mot_score"] or alone[0]["reasons"] != out[2]["reasons"]


def test_bad_lines_get_an_error_line_and_scoring_goes_on(tmp_path: Path) -> None:
    out = run(
        [
            "not json",
            json.dumps({"id": "no-text"}),
            json.dumps({"id": "bad-time", "text": "hi", "occurred_at": "yesterday"}),
            json.dumps({"id": "naive", "text": "hi", "occurred_at": "2026-11-22T10:00:00"}),
            json.dumps({"id": "robot", "text": "hi", "speaker": "robot"}),
            json.dumps([1, 2]),
            json.dumps({"id": "ok", "text": "hello"}),
        ],
        tmp_path,
    )
    assert [(o["id"], "error" in o) for o in out] == [
        (None, True),
        ("no-text", True),
        ("bad-time", True),
        ("naive", True),
        ("robot", True),
        (None, True),
        ("ok", False),
    ]
    assert out[0]["line"] == 1


def test_a_line_without_an_id_or_with_an_unknown_channel_is_an_error_line(tmp_path: Path) -> None:
    out = run(
        [
            json.dumps({"text": "my card was declined"}),
            json.dumps({"id": None, "text": "my card was declined"}),
            json.dumps({"id": [1], "text": "my card was declined"}),
            json.dumps({"id": "fax", "text": "hello", "channel": "fax"}),
            json.dumps({"id": 0, "text": "hello", "channel": "email"}),
            json.dumps({"id": "", "text": "hello", "channel": None}),
        ],
        tmp_path,
    )
    assert [("error" in o) for o in out] == [True, True, True, True, False, False]
    assert '"id"' in out[0]["error"] and '"id"' in out[2]["error"]  # type: ignore[operator]
    assert '"channel"' in out[3]["error"] and "fax" in out[3]["error"]  # type: ignore[operator]
    assert [o["id"] for o in out] == [None, None, None, "fax", 0, ""]


def test_reads_standard_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["score", "-"], input='{"id": 7, "text": "hello"}\n')
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["id"] == 7


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["score", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
