"""Token buckets: per token, per client address without one; a JSON 429 with Retry-After."""

from __future__ import annotations

import math
import time

from tests.security.conftest import AppFactory, bearer

from kairos.security.ratelimit import RateLimiter, retry_after


def test_a_bucket_allows_its_burst_then_refills_at_the_rate() -> None:
    limiter = RateLimiter(per_s=10, burst=3)
    assert [limiter.check("k", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.check("k", now=100.0)
    assert abs(wait - 0.1) < 1e-9
    assert limiter.check("other", now=100.0) == 0.0  # buckets are per key
    assert limiter.check("k", now=100.15) == 0.0  # refilled 1.5, took 1
    assert limiter.check("k", now=100.15) > 0
    assert limiter.check("k", now=200.0) == 0.0  # full again, never more than the burst
    assert [limiter.check("k", now=200.0) for _ in range(3)][-1] > 0
    assert retry_after(0.01) == "1" and retry_after(2.2) == "3"


def test_a_rate_of_zero_is_off_and_keys_stay_bounded() -> None:
    off = RateLimiter(per_s=0, burst=1)
    assert not off.enabled
    assert all(off.check("k") == 0.0 for _ in range(1000))
    bounded = RateLimiter(per_s=1, burst=1, max_keys=100)
    for n in range(1000):
        bounded.check(f"addr-{n}", now=float(n))
    assert len(bounded._buckets) <= 100


def test_the_api_answers_429_with_retry_after_per_token(
    app_client: AppFactory, tokens: dict[str, str]
) -> None:
    # A slow refill (one request per 20 s) keeps the test's own pace out of the answer: however
    # slow the machine, the bucket cannot refill between the requests below.
    with app_client(rate_limit_per_s=0.05, rate_limit_burst=2) as client:
        ava, sue = bearer(tokens["ava"]), bearer(tokens["sue"])
        started = time.monotonic()
        assert client.get("/v1/messages", headers=ava).status_code == 200
        assert client.get("/v1/messages", headers=ava).status_code == 200
        limited = client.get("/v1/messages", headers=ava)
        elapsed = time.monotonic() - started
        assert limited.status_code == 429
        assert limited.json()["error"] == "rate_limited"
        # The wait is 20 s less what refilled while the requests ran, in whole seconds.
        assert math.ceil(20 - elapsed) <= int(limited.headers["Retry-After"]) <= 20
        # Another token has its own bucket; health and metrics are never limited.
        assert client.get("/v1/messages", headers=sue).status_code == 200
        assert all(client.get("/healthz").status_code == 200 for _ in range(5))
        # Without a token, the client's address is the key.
        assert client.get("/v1/messages").status_code == 200
        assert client.get("/v1/messages").status_code == 200
        assert client.get("/v1/messages").status_code == 429


def test_the_default_limits_let_a_batched_load_through(app_client: AppFactory) -> None:
    with app_client() as client:
        security = client.app.state.security  # type: ignore[attr-defined]
        # 10,000 events/s in batches of 10 is 1,000 requests/s: under the default rate.
        assert security.limiter.per_s >= 1000 and security.limiter.burst >= 2000
        assert all(security.limiter.check("token:1", now=0.0) == 0.0 for _ in range(2000))
