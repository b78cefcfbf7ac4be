"""How an AudioHook session id's first ``PT0S`` connection began (a digest of the caller's audio,
stored so every process tells a restarted audio clock from a resend) goes with the contact's
segments: a customer's erasure deletes it, and so does the retention purge of their events."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.channels.audiohook_client import EXTERNAL_PCMU, AudioHookClient, signed_headers
from tests.channels.audiohook_support import API_KEY, FRAME, PATH, SECRET
from tests.channels.media_support import speech_8k
from tests.security.conftest import bearer

from kairos.channels.audiohook_views import baselines
from kairos.channels.models import AudioHookBeginning
from kairos.config import Settings
from kairos.db import utcnow
from kairos.interactions.models import Interaction
from kairos.privacy.retention import purge
from kairos.runtime import Runtime


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    """AudioHook sessions signed with this integration's key and secret."""
    return Settings(
        database_url=migrated_url, audiohook_api_key=API_KEY, audiohook_client_secret=SECRET
    )


def _call(client: TestClient, ani: str) -> tuple[str, str]:
    """A caller from ``ani`` speaks on a connection at ``PT0S``: (session id, interaction id)."""
    session_id, conversation = str(uuid.uuid4()), str(uuid.uuid4())
    headers = signed_headers(
        target=PATH, host="testserver", api_key=API_KEY, secret_b64=SECRET, session_id=session_id
    )
    speech = speech_8k("Angry")
    with client.websocket_connect(PATH, headers=headers) as ws:
        hook = AudioHookClient(ws, session_id)
        hook.open(conversation, [EXTERNAL_PCMU], ani=ani)
        for i in range(len(speech) // FRAME):
            hook.audio(speech[i * FRAME : (i + 1) * FRAME])
        hook.send("close", {"reason": "end"})
        hook.expect("closed")
    return session_id, f"genesys:{conversation}"


def _end(client: TestClient, tokens: dict[str, str], interaction_id: str) -> None:
    """The platform says the call ended."""
    end = {
        "type": "interaction.ended",
        "event_id": f"{interaction_id}-end",
        "interaction_id": interaction_id,
        "occurred_at": utcnow().isoformat(),
    }
    response = client.post("/v1/events", json=[end], headers=bearer(tokens["pbx"]))
    assert response.status_code == 200, response.text


def _beginnings(runtime: Runtime) -> set[str]:
    """The session ids whose beginning is stored."""
    with runtime.db.session() as session:
        return set(session.scalars(select(AudioHookBeginning.session_id)))


def _row_id(runtime: Runtime, interaction_id: str) -> tuple[int, int | None]:
    """An interaction's row id and its customer's."""
    with runtime.db.session() as session:
        found = session.scalars(
            select(Interaction).where(Interaction.external_id == interaction_id)
        ).one()
        return found.id, found.customer_id


def test_an_erasure_deletes_the_customers_audio_beginnings_and_keeps_the_others(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    erased_session, erased_call = _call(secured, "tel:+14155550101")
    kept_session, _ = _call(secured, "tel:+14155550102")
    assert _beginnings(runtime) == {erased_session, kept_session}
    _end(secured, tokens, erased_call)
    _, customer_id = _row_id(runtime, erased_call)
    assert customer_id is not None
    response = secured.post(f"/v1/customers/{customer_id}/erasure", headers=bearer(tokens["root"]))
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["audiohook_beginnings"] == 1
    assert _beginnings(runtime) == {kept_session}


def test_an_erasure_drops_the_callers_baseline_and_beginning_held_in_memory(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    """The serving process keeps an ended session's voice baseline for the session that may
    continue it, and how its audio began: the erased caller's go, the other caller's stay."""
    erased_session, erased_call = _call(secured, "tel:+14155550105")
    kept_session, _ = _call(secured, "tel:+14155550106")
    held = baselines(secured.app)  # type: ignore[arg-type]  # the app behind the client
    assert held.began(erased_session) is not None and held.began(kept_session) is not None
    _end(secured, tokens, erased_call)
    _, customer_id = _row_id(runtime, erased_call)
    response = secured.post(f"/v1/customers/{customer_id}/erasure", headers=bearer(tokens["root"]))
    assert response.status_code == 200, response.text
    assert held.began(erased_session) is None and held.take([erased_session]) is None
    assert held.began(kept_session) is not None and held.take([kept_session]) is not None


def test_the_events_purge_deletes_an_ended_calls_audio_beginning(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    ended_session, ended_call = _call(secured, "tel:+14155550103")
    open_session, _ = _call(secured, "tel:+14155550104")
    _end(secured, tokens, ended_call)
    settings = runtime.settings.model_copy(update={"retention_events_days": 7})
    later = utcnow() + timedelta(days=8)  # the ended call is past its retention then
    dry = purge(db=runtime.db, settings=settings, now=later, dry_run=True)
    assert dry.counts["events"] >= 1 and _beginnings(runtime) == {ended_session, open_session}
    purge(db=runtime.db, settings=settings, now=later)
    assert _beginnings(runtime) == {open_session}  # the open call's is kept
