"""Satisfaction cannot be inflated: a survey link takes one answer, expires, and no agent can
read it (issue 18)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from tests.security.conftest import assign, bearer

from kairos.errors import NotFound
from kairos.outcomes import survey_links
from kairos.runtime import Runtime


@pytest.fixture
def link(secured: TestClient, tokens: dict[str, str]) -> str:
    """The survey link of Ava's contact, as a supervisor reads it."""
    assign(secured, tokens, "s-ava", "agent-ava", "+14155550111")
    answer = secured.get("/v1/interactions/s-ava/survey-link", headers=bearer(tokens["sue"]))
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


def test_a_link_takes_one_answer(secured: TestClient, tokens: dict[str, str], link: str) -> None:
    first = secured.post(f"/v1/surveys/{link}", json={"csat": 5})
    assert first.status_code == 201, first.text
    for body in ({"csat": 5}, {"csat": 4, "text": "again"}):
        again = secured.post(f"/v1/surveys/{link}", json=body)
        assert again.status_code == 409, again.text
    answers = secured.get("/v1/interactions/s-ava/surveys", headers=bearer(tokens["root"]))
    assert [a["csat"] for a in answers.json()] == [5]


def test_an_agent_cannot_read_the_link_of_their_own_contact(
    secured: TestClient, tokens: dict[str, str], link: str
) -> None:
    answer = secured.get("/v1/interactions/s-ava/survey-link", headers=bearer(tokens["ava"]))
    assert answer.status_code == 403, answer.text
    assert "agents may not read it" in answer.json()["message"]
    # The platform that sends it (an event source) may.
    answer = secured.get("/v1/interactions/s-ava/survey-link", headers=bearer(tokens["pbx"]))
    assert answer.status_code == 200, answer.text


def test_a_link_expires() -> None:
    issued = int(time.time()) - 15 * 86400
    token = survey_links.survey_token("s-1", secret="k" * 32, issued=issued)
    assert survey_links.interaction_of_token(token, secret="k" * 32, max_age_s=16 * 86400) == "s-1"
    with pytest.raises(NotFound, match="expired"):
        survey_links.interaction_of_token(token, secret="k" * 32, max_age_s=14 * 86400)
    # Moving the date forward breaks the signature.
    body, _, rest = token.partition(".")
    forged = f"{body}.{int(time.time()):x}.{rest.partition('.')[2]}"
    with pytest.raises(NotFound, match="not valid"):
        survey_links.interaction_of_token(forged, secret="k" * 32, max_age_s=14 * 86400)


def test_an_expired_link_is_404_over_http(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    assign(secured, tokens, "s-old", "agent-ava", "+14155550112")
    days = runtime.settings.survey_link_days
    issued = int(time.time() - (days + 1) * 86400)
    token = survey_links.survey_token("s-old", secret=runtime.settings.secret_key, issued=issued)
    answer = secured.post(f"/v1/surveys/{token}", json={"csat": 5})
    assert answer.status_code == 404, answer.text
    assert "expired" in answer.json()["message"]
