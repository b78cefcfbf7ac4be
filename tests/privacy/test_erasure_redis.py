"""An erasure reaches the Redis bus: the stream entries about the customer's contacts are
deleted (by a scan of every stream), the other customer's stay. A real redis-server."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from tests.privacy.conftest import ERASED, KEPT, needles, redis_client, stream_texts
from tests.security.conftest import bearer

from kairos.bus.redis import RedisBus
from kairos.runtime import Runtime

pytestmark = pytest.mark.redis_bus


def test_the_streams_lose_the_erased_customers_entries(
    secured: TestClient,
    tokens: dict[str, str],
    runtime: Runtime,
    two_customers: int,
    redis_url: str,
) -> None:
    before = stream_texts(redis_url)
    about = [m for m in before if ERASED["interaction"] in m]
    assert about and any(ERASED["words"] in m for m in about)

    response = secured.post(
        f"/v1/customers/{two_customers}/erasure", headers=bearer(tokens["root"])
    )
    assert response.status_code == 200, response.text
    assert response.json()["stream_entries"] >= len(about)

    after = stream_texts(redis_url)
    assert [m for m in after for n in needles(ERASED) if n in m] == []
    assert any(KEPT["words"] in m for m in after)  # the other customer's entries stay
    # ... and the erasure's own message, which names the contacts by digest only.
    told = [m for m in after if '"customer.erased"' in m]
    assert len(told) == 1 and ERASED["interaction"] not in told[0]
    assert len(after) == len(before) - response.json()["stream_entries"] + 1


def test_a_full_stream_is_scanned_in_pages(redis_url: str) -> None:
    """The cost named in the docs: one pass over a topic at its cap of 100,000 entries."""
    with redis_client(redis_url) as client:
        pipe = client.pipeline(transaction=False)
        for n in range(100_000):
            wanted = n % 10_000 == 0
            message = {
                "type": "assessment.updated",
                "interaction_id": "gone" if wanted else f"i{n}",
            }
            pipe.xadd("kairos:stream:assessments", {"m": json.dumps(message)})
        pipe.execute()
        bus = RedisBus(redis_url)
        try:
            began = time.perf_counter()
            deleted = bus.erase_entries(
                lambda m: "drop" if m.get("interaction_id") == "gone" else "keep"
            )
            took = time.perf_counter() - began
        finally:
            bus.close()
        assert deleted == 10
        assert client.xlen("kairos:stream:assessments") == 99_990
    print(f"100,000 entries scanned, 10 deleted, in {took:.2f} s")
