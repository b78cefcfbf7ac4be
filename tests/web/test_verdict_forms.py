"""The pages' verdict forms answer as every page action does (``web/actions.py``): the CSRF token
first, then whether the user may open the contact (a 403 page), then the verdict. Before, they
scoped inside the verdict service: an agent's verdict on another's contact went back with a
notice, and a supervisor could give one on a contact of a team they do not supervise."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.floor import chat_events, login

from kairos.outcomes.models import MomentVerdict
from kairos.runtime import Runtime


def _bens_contact(client: TestClient, interaction_id: str) -> None:
    assert client.post("/v1/events", json=chat_events(interaction_id)).status_code == 200
    token = login(client, "ben")
    taken = client.post("/desktop/next", data={"csrf_token": token}, follow_redirects=False)
    assert taken.headers["location"] == f"/interactions/{interaction_id}"
    client.post("/logout", data={"csrf_token": token})


def _verdicts(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return len(session.scalars(select(MomentVerdict)).all())


def test_verdict_forms_check_the_token_then_the_contact(
    client: TestClient, runtime: Runtime
) -> None:
    _bens_contact(client, "south-1")
    for user in ("ava", "sue"):  # another agent; a supervisor of the north team only
        token = login(client, user)
        for path in ("/interactions/south-1/verdict", "/wallboard/missed/south-1/verdict"):
            answer = client.post(path, data={"verdict": "moment", "csrf_token": token},
                                 follow_redirects=False)  # fmt: skip
            if user == "ava" and path.startswith("/wallboard"):
                assert answer.status_code == 403  # not a supervisor at all
                continue
            assert answer.status_code == 403, (user, path, answer.status_code)
            assert "south-1 is not yours" in answer.text
        missing = client.post("/wallboard/missed/nobody/verdict" if user == "sue"
                              else "/interactions/nobody/verdict",
                              data={"verdict": "moment", "csrf_token": token},
                              follow_redirects=False)  # fmt: skip
        assert missing.status_code == 404
        stale = client.post("/interactions/south-1/verdict",
                            data={"verdict": "moment", "csrf_token": "stale"},
                            follow_redirects=False)  # fmt: skip
        assert stale.status_code == 403 and "security token" in stale.text
        client.post("/logout", data={"csrf_token": token})
    assert _verdicts(runtime) == 0
    token = login(client, "root")  # an admin sees every contact: recorded
    form = {"verdict": "moment", "csrf_token": token}
    given = client.post("/wallboard/missed/south-1/verdict", data=form, follow_redirects=False)
    assert given.status_code == 303 and given.headers["location"] == "/wallboard/missed"
    assert _verdicts(runtime) == 1
    assert client.post("/wallboard/alerts/99999/verdict", data=form).status_code == 404
