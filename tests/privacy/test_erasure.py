"""A customer's erasure on request: one transaction, nothing of them left in any table, what
survives (a skeleton of each contact, the erasure's record, a keyed hash of each identity with
the opt-out it carried), and the refusals."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.privacy.conftest import ERASED, KEPT, customer_of, every_text, needles
from tests.security.conftest import bearer

from kairos.customers.models import ConsentEntry, Erasure
from kairos.interactions.models import Interaction
from kairos.runtime import Runtime
from kairos.security.models import AuditEntry


def erase(client: TestClient, token: str, customer_id: int, **body: object):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/customers/{customer_id}/erasure", json=body or None, headers=bearer(token)
    )


def test_after_erasure_no_table_holds_the_customer(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, two_customers: int
) -> None:
    rebuilt = secured.post("/v1/feedback/themes/rebuild", headers=bearer(tokens["sue"]))
    assert rebuilt.status_code == 200, rebuilt.text
    before = every_text(runtime.db)
    for needle in needles(ERASED):  # the search finds them where they are
        assert any(needle in value for _, _, value in before), needle

    response = erase(secured, tokens["root"], two_customers, reference="DSR-2026/118")
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["erased_by"] == "root" and receipt["reference"] == "DSR-2026/118"
    counts = receipt["counts"]
    assert counts["customers"] == 1 and counts["customer_identities"] == 2
    assert counts["interactions"] == 1 and counts["events"] >= 3
    assert counts["wrap_ups"] == counts["survey_answers"] == counts["moment_verdicts"] == 1
    assert counts["routing_decisions"] == 1 and counts["facts"] >= 1
    assert counts["audit_log"] >= 2 and receipt["identities_kept_as_hashes"] == 2
    assert receipt["stream_entries"] is None  # the in-process bus keeps nothing

    after = every_text(runtime.db)
    left = [(t, c, v) for t, c, v in after for n in needles(ERASED) if n in v]
    assert left == []
    for needle in needles(KEPT):  # the other customer is untouched
        assert any(needle in value for _, _, value in after), needle

    with runtime.db.session() as session:
        skeleton = session.scalars(select(Interaction).where(Interaction.customer_id.is_(None)))
        kept = [(i.channel, i.state, i.external_id.startswith("erased-")) for i in skeleton]
        assert kept == [("chat", "ended", True)]  # the figures still count the contact
        erasure = session.scalars(select(Erasure)).one()
        assert erasure.customer_id == two_customers and erasure.counts == counts
        own = session.scalars(
            select(AuditEntry).where(AuditEntry.path == f"/v1/customers/{two_customers}/erasure")
        ).all()
        assert [(a.actor, a.status) for a in own] == [("root", 200)]
        earlier = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.path.like(f"/v1/customers/{two_customers}%"),
                AuditEntry.path != f"/v1/customers/{two_customers}/erasure",
            )
        )
        assert earlier == 0  # the reads before it now say /v1/customers/erased


def test_refusals_leave_everything_as_it_was(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, two_customers: int
) -> None:
    before = every_text(runtime.db)
    for token in ("sue", "ava"):  # supervisors and agents may not
        assert erase(secured, tokens[token], two_customers).status_code == 403
    assert erase(secured, tokens["pbx"], two_customers).status_code == 403
    assert secured.post(f"/v1/customers/{two_customers}/erasure").status_code == 401
    bad = erase(secured, tokens["root"], two_customers, reference="Ada Quixote's request")
    assert bad.status_code == 422 and "reference" in bad.text
    assert erase(secured, tokens["root"], two_customers, note="x").status_code == 422
    assert (
        secured.post("/v1/customers/abc/erasure", headers=bearer(tokens["root"])).status_code == 422
    )
    assert erase(secured, tokens["root"], 987654).status_code == 404
    unchanged = sorted(row for row in every_text(runtime.db) if row[0] != "audit_log")
    assert unchanged == sorted(row for row in before if row[0] != "audit_log")

    assert erase(secured, tokens["root"], two_customers).status_code == 200
    again = erase(secured, tokens["root"], two_customers)
    assert again.status_code == 409 and again.json()["error"] == "already_erased"


def test_a_contact_in_progress_is_refused(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, two_customers: int
) -> None:
    started = {
        "type": "interaction.started",
        "event_id": "live-1-start",
        "interaction_id": "live-1",
        "occurred_at": "2026-11-22T15:00:00+00:00",
        "channel": "call",
        "identities": [{"kind": "phone", "value": ERASED["phone"]}],
    }
    assert (
        secured.post("/v1/events", json=[started], headers=bearer(tokens["pbx"])).status_code == 200
    )
    response = erase(secured, tokens["root"], two_customers)
    assert response.status_code == 409 and response.json()["error"] == "contact_in_progress"
    assert "live-1" in response.json()["message"]


def test_a_returning_number_is_a_new_customer_who_keeps_the_opt_out(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, two_customers: int
) -> None:
    assert erase(secured, tokens["root"], two_customers).status_code == 200
    back = {
        "type": "interaction.started",
        "event_id": "back-1-start",
        "interaction_id": "back-1",
        "occurred_at": "2026-11-23T09:00:00+00:00",
        "channel": "sms",
        "identities": [{"kind": "phone", "value": ERASED["phone"]}],
    }
    assert secured.post("/v1/events", json=[back], headers=bearer(tokens["pbx"])).status_code == 200
    returning = customer_of(runtime.db, ERASED["phone"])
    assert returning != two_customers
    shown = secured.get(f"/v1/customers/{returning}", headers=bearer(tokens["sue"])).json()
    assert [i["id"] for i in shown["journey"]] == ["back-1"]  # nothing old re-linked
    pref = secured.get(
        f"/v1/customers/{returning}/contact-preference", headers=bearer(tokens["sue"])
    ).json()
    assert pref["proactive"] is False
    with runtime.db.session() as session:
        ledger = session.scalars(
            select(ConsentEntry).where(ConsentEntry.customer_id == returning)
        ).all()
        assert [(e.action, e.source) for e in ledger] == [("carried", "erasure")]
    # The other customer's number carries nothing: they never opted out.
    other = customer_of(runtime.db, KEPT["phone"])
    pref = secured.get(
        f"/v1/customers/{other}/contact-preference", headers=bearer(tokens["sue"])
    ).json()
    assert pref["proactive"] is True


def test_what_reads_contacts_still_answers_after_an_erasure(
    secured: TestClient, tokens: dict[str, str], runtime: Runtime, two_customers: int
) -> None:
    assert erase(secured, tokens["root"], two_customers).status_code == 200
    sue = bearer(tokens["sue"])
    listed = secured.get("/v1/interactions", headers=sue)
    assert listed.status_code == 200, listed.text
    skeleton = next(i["id"] for i in listed.json()["items"] if i["id"].startswith("erased-"))
    for path in (
        f"/v1/interactions/{skeleton}",
        f"/v1/interactions/{skeleton}/assessments",
        f"/v1/interactions/{skeleton}/surveys",
        "/v1/outcomes/today?day=2026-11-22",
        "/v1/outcomes/missed",
        "/v1/outcomes/agents",
        "/v1/feedback/themes",
        "/v1/outreach/tasks",
        "/v1/customers",
    ):
        response = secured.get(path, headers=sue)
        assert response.status_code == 200, (path, response.text)
        assert ERASED["phone"] not in response.text and ERASED["email"] not in response.text
