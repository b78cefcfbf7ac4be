"""Sends the "you said, we did" messages the feedback actions queue (outreach tasks of kind
``you_said``): by email over SMTP when the customer has an email address and
``KAIROS_SMTP_HOST`` is set, else by SMS through Twilio's REST API (``Messages.json``) when they
have a phone number and ``KAIROS_TWILIO_ACCOUNT_SID`` is set.

Each task is claimed (``queued`` to ``sending``) in one statement before it is sent, so two
senders never send it twice; a sent task is ``done`` with its result ``sent_email`` or
``sent_sms``; one with no way to reach the customer stays queued (result ``no_channel``) and one
whose send failed goes back to queued (result ``send_failed``) for the next run. A channel the
customer opted out of is not used; one whose every address is opted out of (they opted out
after it was queued) is ``suppressed``, in the consent ledger, counted in
``kairos_outreach_suppressed_total`` (by the process that held it back), and never sent.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage

import httpx
from sqlalchemy import select

from kairos.config import Settings
from kairos.customers import consent
from kairos.customers.models import CustomerIdentity
from kairos.db import Database
from kairos.metrics import Registry
from kairos.outcomes import outreach
from kairos.outcomes.models import OutreachTask
from kairos.periodic import Periodic

log = logging.getLogger(__name__)
KIND = "you_said"


@dataclass
class SendReport:
    """What one run sent."""

    email: list[int] = field(default_factory=list)
    sms: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)
    suppressed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _addresses(db: Database, customer_id: int | None) -> tuple[str | None, str | None, str | None]:
    """The customer's email and phone the message may go to, and why none may (an opt-out
    since the message was queued: all proactive contact, or both channels)."""
    if customer_id is None:
        return None, None, None
    with db.session() as session:
        rows = session.execute(
            select(CustomerIdentity.kind, CustomerIdentity.value)
            .where(CustomerIdentity.customer_id == customer_id, CustomerIdentity.valid)
            .order_by(CustomerIdentity.id)
        ).all()
        preference = consent.read(session, customer_id)
    email = next((v for k, v in rows if k == "email"), None)
    phone = next((v for k, v in rows if k == "phone"), None)
    why = preference.blocks("email") if email else None
    why = (preference.blocks("sms") if phone else None) or why
    email = None if preference.blocks("email") else email
    phone = None if preference.blocks("sms") else phone
    return email, phone, (why if email is None and phone is None else None)


def send_email(settings: Settings, to: str, body: str) -> None:
    """One email through the configured SMTP server."""
    assert settings.smtp_host is not None
    message = EmailMessage()
    message["From"], message["To"] = settings.smtp_from, to
    message["Subject"] = "You told us, and we acted on it"
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def send_sms(settings: Settings, to: str, body: str) -> None:
    """One SMS through Twilio's Messages API (form fields To, From, Body; basic auth)."""
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token or ""
    url = f"{settings.twilio_api_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    response = httpx.post(
        url,
        data={"To": to, "From": settings.twilio_from or "", "Body": body},
        auth=(sid or "", token),
        timeout=10,
    )
    response.raise_for_status()


def send_queued(
    *,
    db: Database,
    settings: Settings,
    limit: int = 500,
    retry_unreachable: bool = True,
    metrics: Registry | None = None,
) -> SendReport:
    """Send every queued "you said, we did" message (at most ``limit``), each once.

    ``retry_unreachable=False`` (the background sender) skips messages already found to have no
    channel, so they never hold up the rest; ``kairos send-outreach`` tries them again.
    ``metrics``: the running Kairos's, where a message held back is counted.
    """
    report = SendReport()
    query = select(OutreachTask.id, OutreachTask.customer_id, OutreachTask.message).where(
        OutreachTask.kind == KIND, OutreachTask.status == "queued"
    )
    if not retry_unreachable:
        query = query.where(OutreachTask.result.is_distinct_from("no_channel"))
    with db.session() as session:
        tasks = session.execute(query.order_by(OutreachTask.id).limit(limit)).all()
    for task_id, customer_id, body in tasks:
        email, phone, held = _addresses(db, customer_id)
        if held is not None and customer_id is not None:
            if outreach.suppress_message(db, task_id, customer_id=customer_id, reason=held):
                report.suppressed.append(task_id)
                if metrics is not None:
                    metrics.outreach_suppressed.inc(kind=KIND, reason=held)
            continue
        channel = (
            "email" if email and settings.smtp_host
            else "sms" if phone and settings.twilio_account_sid
            else None
        )  # fmt: skip
        if channel is None:
            outreach.finish_sending(db, task_id, status="queued", result="no_channel")
            report.unreachable.append(task_id)
            continue
        if not outreach.claim_for_sending(db, task_id):
            continue  # another sender has it
        try:
            if channel == "email":
                send_email(settings, str(email), body)
            else:
                send_sms(settings, str(phone), body)
        except (OSError, smtplib.SMTPException, httpx.HTTPError) as exc:
            # The error's text may name the address or number refused: its kind only.
            log.warning("outreach task %s: %s failed (%s)", task_id, channel, type(exc).__name__)
            outreach.finish_sending(db, task_id, status="queued", result="send_failed")
            report.failed.append(task_id)
            continue
        outreach.finish_sending(db, task_id, status="done", result=f"sent_{channel}")
        (report.email if channel == "email" else report.sms).append(task_id)
    return report


def outreach_sender(
    db: Database, settings: Settings, *, interval_s: float, metrics: Registry | None = None
) -> Periodic:
    """Sends the queued messages every ``interval_s`` on a background thread, until closed.

    Several processes may run one each: a message is claimed before it is sent, so it goes once.
    """
    return Periodic(
        lambda: send_queued(db=db, settings=settings, retry_unreachable=False, metrics=metrics),
        interval_s=interval_s,
        name="outreach sending",
    )
