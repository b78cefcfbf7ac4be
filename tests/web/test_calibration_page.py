"""The calibration page in headless Chromium against a real server: a supervisor reads the flag's
precision and recall, why there is no recommendation while too few contacts are reviewed, and the
recommended base rate once there are; only an admin applies it (CSRF-checked, audited, written
to the ``.env`` in the server's working folder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from tests.factories import ended, started, utterance
from tests.outcomes.conftest import recent
from tests.outcomes.support import TEXTS
from tests.web.browser import CHROMIUM, serving, signed_in
from tests.web.figures import FIGURES

from kairos.db import Database
from kairos.interactions.models import Interaction
from kairos.security.models import AuditEntry

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The server's working folder: the ``.env`` it reads, and the one an admin's rate goes to."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / ".env").write_text("KAIROS_CENTRE_TIMEZONE=Europe/Paris\n")
    return folder


@pytest.fixture
def server(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("KAIROS_MOT_BASE_RATE", raising=False)
    with serving(tmp_path, cwd=home, warm=False) as base:
        yield base


def _contacts(base: str) -> None:
    """20 furious calls, 10 recital calls (both flagged) and 30 routine questions, started now."""
    phones = iter(range(3000, 4000))
    for kind, count in (("furious", 20), ("recital", 10), ("routine", 30)):
        for n in range(count):
            cid = f"{kind}-{n}"
            start = started(cid, phone=f"+1415555{next(phones)}")
            events = recent([start, utterance(cid, TEXTS[kind], seconds=5), ended(cid)])
            response = httpx.post(f"{base}/v1/events", json=events, timeout=30)
            assert response.status_code == 200, response.text


def _verdicts(base: str) -> None:
    """Every flag reviewed: the recital calls were not moments of truth."""
    for kind, count in (("furious", 20), ("recital", 10)):
        verdict = "not_moment" if kind == "recital" else "moment"
        for n in range(count):
            said = httpx.post(f"{base}/v1/interactions/{kind}-{n}/verdicts",
                              json={"verdict": verdict}, timeout=10)  # fmt: skip
            assert said.status_code == 201, said.text


def _post(page: Page, path: str, token: str | None) -> int:
    """A form post from the signed-in page's browser context, as a crafted form would."""
    form = {} if token is None else {"csrf_token": token}
    return page.request.post(path, form=form, max_redirects=0).status


def test_the_calibration_page_refuses_then_recommends_and_only_an_admin_applies(
    server: str,
    home: Path,
    tmp_path: Path,
    browser: Browser,
) -> None:
    sue = signed_in(browser, server, "sue", "/wallboard")
    sue.get_by_role("link", name="Calibration").click()
    expect(sue).to_have_url(f"{server}/wallboard/calibration")
    expect(sue.get_by_test_id("refused")).to_contain_text("no assessed contact started")

    _contacts(server)
    sue.reload()
    refused = sue.get_by_test_id("refused")
    expect(refused).to_contain_text("too few reviewed contacts: 0 of 30 flagged")
    expect(refused).to_contain_text("30 more reviewed contacts needed")
    assert refused.inner_text().count("more") == 1, refused.inner_text()  # said once
    expect(sue.get_by_test_id("flagged")).to_contain_text("30 of 60 contacts (50.0%)")
    # Centre-wide, as the API: a north supervisor counts contacts no team of theirs handled.
    expect(sue.get_by_test_id("scope")).to_contain_text("Centre-wide")
    assert httpx.get(f"{server}/v1/outcomes/calibration", timeout=10).json()["contacts"] == 60

    _verdicts(server)
    sue.reload()
    precision = sue.get_by_test_id("precision")
    expect(precision).to_contain_text("0.67 (95% interval 0.49–0.81; 20 of 30)")
    expect(sue.get_by_test_id("recall")).to_contain_text("1.00")
    expect(sue.get_by_test_id("usable")).to_contain_text("60 of 60 contacts")
    api = httpx.get(f"{server}/v1/outcomes/calibration", timeout=10).json()
    rate = api["recommended"]["base_rate"]
    expect(sue.get_by_test_id("recommended")).to_contain_text(f"Recommended: {rate}")
    expect(sue.get_by_test_id("true-share")).to_contain_text("(33.3%)")
    expect(sue.locator("#chart-calibration .main-svg").first).to_be_visible(timeout=15_000)
    # A supervisor sees the recommendation, not the button; a crafted post is refused.
    expect(sue.get_by_test_id("admins-apply")).to_be_visible()
    expect(sue.get_by_role("button", name=f"Apply {rate}")).to_have_count(0)
    token = sue.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert _post(sue, f"/wallboard/calibration/base-rate/{rate}", token) == 403
    assert "KAIROS_MOT_BASE_RATE" not in (home / ".env").read_text()

    root = signed_in(browser, server, "root", "/wallboard")
    root.goto("/wallboard/calibration")
    # Without the session's CSRF token, or with a rate out of range: refused, nothing written.
    assert _post(root, f"/wallboard/calibration/base-rate/{rate}", None) == 403
    admin_token = root.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert _post(root, "/wallboard/calibration/base-rate/0.9", admin_token) == 422
    assert "KAIROS_MOT_BASE_RATE" not in (home / ".env").read_text()
    root.screenshot(path=str(FIGURES / "calibration.png"), full_page=True)
    root.get_by_role("button", name=f"Apply {rate}").click()
    expect(root.locator("#notices")).to_contain_text(
        f"Wrote KAIROS_MOT_BASE_RATE={rate} to .env; it takes effect when the server and workers"
    )
    assert (home / ".env").read_text().splitlines() == [
        "KAIROS_CENTRE_TIMEZONE=Europe/Paris", f"KAIROS_MOT_BASE_RATE={rate}"]  # fmt: skip
    # Until a restart the page and the API say it is applied and the old rate still runs (the
    # page kept offering the same rate and naming the old one as set, as if nothing happened).
    root.reload()
    running = api["current_base_rate"]
    expect(root.get_by_test_id("applied")).to_contain_text(
        f"Applied {rate} (in .env): it takes effect when the server and workers restart; "
        f"until then they flag at {running}"
    )
    expect(root.get_by_role("button", name=f"Apply {rate}")).to_have_count(0)
    sue.reload()
    expect(sue.get_by_test_id("applied")).to_contain_text(f"Applied {rate}")
    after = httpx.get(f"{server}/v1/outcomes/calibration", timeout=10).json()
    assert after["applied_base_rate"] == rate and after["current_base_rate"] == running
    # The audit log (read from the server's database: GET /v1/audit wants a supervisor's token).
    db = Database(f"sqlite:///{tmp_path / 'kairos.db'}")
    try:
        with db.session() as session:
            rows = session.execute(
                select(AuditEntry.actor, AuditEntry.resource_id, AuditEntry.status).where(
                    AuditEntry.resource_kind == "base_rate"
                )
            ).all()
    finally:
        db.dispose()
    rows = [tuple(r) for r in rows]
    assert ("root", str(rate), 303) in rows and ("sue", str(rate), 403) in rows
    assert ("root", "0.9", 422) in rows

    # The routine contacts, as Kairos stored assessments before it kept mot_logit: the page says
    # how many of the window it could re-threshold.
    db = Database(f"sqlite:///{tmp_path / 'kairos.db'}")
    try:
        with db.session() as session, session.begin():
            for interaction in session.scalars(
                select(Interaction).where(Interaction.external_id.startswith("routine-"))
            ):
                interaction.assessment = {
                    k: v for k, v in (interaction.assessment or {}).items() if k != "mot_logit"
                }
    finally:
        db.dispose()
    root.reload()
    expect(root.get_by_test_id("usable")).to_contain_text(
        "30 of 60 contacts; 30 assessed before Kairos kept each score's log odds (2026-12-06) "
        "keep their stored flag at any rate"
    )
