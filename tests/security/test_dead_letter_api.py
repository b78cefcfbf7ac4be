"""The dead letters through the API, an admin's: listed paged, replayed to their group, dropped;
on a real, throwaway ``redis-server`` where a listener group really gave up on them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.security.conftest import AppFactory, bearer
from tests.servers import REDIS_SERVER

from kairos.bus import BusMessage, RedisBus
from kairos.config import Settings
from kairos.runtime import Runtime

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="no redis-server binary (apt-get install redis-server)"
)


class Failing:
    """A listener that cannot handle the messages named ``poison-*`` while ``broken``."""

    def __init__(self) -> None:
        self.broken = True
        self.handled: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, topic: str, message: BusMessage) -> None:
        if self.broken and str(message["n"]).startswith("poison"):
            raise ValueError("cannot read it")
        with self.lock:
            self.handled.append(str(message["n"]))


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def settings(migrated_url: str, redis_url: str) -> Settings:
    """The API's settings name the Redis that keeps the dead letters."""
    return Settings(database_url=migrated_url, redis_url=redis_url)


@pytest.fixture
def admin_api(app_client: AppFactory) -> Iterator[TestClient]:
    with app_client(require_tokens=True) as client:
        yield client


def test_an_admin_lists_replays_and_drops_dead_letters(
    admin_api: TestClient, tokens: dict[str, str], redis_url: str
) -> None:
    bus = RedisBus(redis_url, block_ms=100, claim_idle_ms=200, max_attempts=2)
    listener = Failing()
    root = bearer(tokens["root"])
    try:
        bus.listen(listener, "outcomes", group="reviews-under-test")
        for n in ("poison-1", "fine", "poison-2", "poison-3"):
            bus.publish("outcomes", {"type": "test.message", "n": n})

        def total() -> int:
            answer = admin_api.get("/v1/bus/dead-letters", headers=root)
            assert answer.status_code == 200, answer.text
            return int(answer.json()["total"])

        wait_for(lambda: total() == 3)
        first = admin_api.get("/v1/bus/dead-letters", params={"limit": 2}, headers=root).json()
        assert first["total"] == 3 and len(first["items"]) == 2
        letter = first["items"][0]
        assert letter["topic"] == "outcomes" and letter["group"] == "reviews-under-test"
        assert letter["attempts"] >= 2 and letter["error"].startswith("ValueError at ")
        assert '"poison-1"' in letter["message"]
        rest = admin_api.get(
            "/v1/bus/dead-letters", params={"limit": 2, "offset": 2, "topic": "outcomes"},
            headers=root,
        ).json()  # fmt: skip
        assert rest["total"] == 3 and len(rest["items"]) == 1
        assert rest["items"][0]["id"] not in [i["id"] for i in first["items"]]
        other = admin_api.get("/v1/bus/dead-letters", params={"topic": "assist"}, headers=root)
        assert other.json() == {"total": 0, "items": []}

        listener.broken = False  # the cause is fixed: give poison-1 to its group again
        at = f"/v1/bus/dead-letters/outcomes/{letter['id']}"
        replayed = admin_api.post(f"{at}/replay", headers=root)
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["id"] == letter["id"]
        wait_for(lambda: "poison-1" in listener.handled)
        assert total() == 2
        assert admin_api.post(f"{at}/replay", headers=root).status_code == 404  # gone now
        dropped = first["items"][1]["id"]
        assert (
            admin_api.delete(f"/v1/bus/dead-letters/outcomes/{dropped}", headers=root).status_code
            == 204
        )
        assert total() == 1
        assert listener.handled.count("poison-1") == 1 and "poison-2" not in listener.handled
    finally:
        bus.close()


def test_only_an_admin_may_and_bad_ids_are_refused(
    admin_api: TestClient, tokens: dict[str, str]
) -> None:
    assert admin_api.get("/v1/bus/dead-letters").status_code == 401
    for name in ("sue", "ava", "pbx"):
        for method, path in (("GET", "/v1/bus/dead-letters"),
                             ("POST", "/v1/bus/dead-letters/outcomes/1-0/replay"),
                             ("DELETE", "/v1/bus/dead-letters/outcomes/1-0")):  # fmt: skip
            refused = admin_api.request(method, path, headers=bearer(tokens[name]))
            assert refused.status_code == 403, (name, path, refused.text)
            assert refused.json()["error"] == "forbidden"
    root = bearer(tokens["root"])
    assert (
        admin_api.post("/v1/bus/dead-letters/outcomes/1-0/replay", headers=root).status_code == 404
    )
    assert admin_api.delete("/v1/bus/dead-letters/outcomes/1-0", headers=root).status_code == 404
    for bad in ("outcomes/abc", "Out*comes/1-0", "outcomes/1-0-0"):
        answer = admin_api.post(f"/v1/bus/dead-letters/{bad}/replay", headers=root)
        assert answer.status_code == 422, bad
    assert (
        admin_api.get("/v1/bus/dead-letters", params={"limit": 0}, headers=root).status_code == 422
    )
    assert (
        admin_api.get("/v1/bus/dead-letters", params={"topic": "a b"}, headers=root).status_code
        == 422
    )


def test_redis_away_is_a_503_not_a_500(
    admin_api: TestClient, tokens: dict[str, str], runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(runtime.settings, "redis_url", "redis://127.0.0.1:1/0")  # no one there
    root = bearer(tokens["root"])
    for method, path in (("GET", "/v1/bus/dead-letters"),
                         ("POST", "/v1/bus/dead-letters/outcomes/1-0/replay"),
                         ("DELETE", "/v1/bus/dead-letters/outcomes/1-0")):  # fmt: skip
        answer = admin_api.request(method, path, headers=root)
        assert answer.status_code == 503, (path, answer.text)
        assert answer.json()["error"] == "unavailable" and answer.headers["retry-after"] == "2"
