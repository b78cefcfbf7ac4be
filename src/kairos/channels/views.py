"""Webhooks: each channel's own format in, Kairos events ingested all-or-nothing.

The formats are described in each adapter's module. Every endpoint answers like
``POST /v1/events`` (which events were applied, which were repeats), except SMS, which answers
Twilio with empty TwiML.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from kairos.access import current_actor
from kairos.channels import service
from kairos.channels.base import ChannelAdapter
from kairos.channels.chat import ChatAdapter
from kairos.channels.contact_lens import ContactLensAdapter
from kairos.channels.email import EmailAdapter
from kairos.channels.ivr import IvrMenu, IvrMenuError, IvrOption, load_menu
from kairos.channels.sms import EMPTY_TWIML, SmsAdapter, check_signature
from kairos.channels.sms import phone_of as sms_phone
from kairos.channels.sms_keywords import Keyword, keyword, twiml
from kairos.channels.social import SocialAdapter
from kairos.channels.voice import VoiceAdapter
from kairos.customers import consent
from kairos.customers import service as customer_service
from kairos.deps import RuntimeDep, SettingsDep
from kairos.errors import ClientError, UnsupportedMediaType
from kairos.events import Identity
from kairos.interactions.schemas import IngestResponse
from kairos.services import Services

router = APIRouter(prefix="/v1/channels", tags=["channels"])
log = logging.getLogger(__name__)


class IvrMenuOut(BaseModel):
    """The IVR menu in the order its options are offered."""

    menu: str
    prompt: str | None
    options: list[IvrOption]


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body cannot be read"},
    202: {"model": IngestResponse, "description": "some events wait for their start"},
    404: {"description": "an event names a call never started, and parking is off or full"},
    422: {"description": "invalid fields, each named"},
}
_EMAIL_TYPES = ("", "message/rfc822", "text/plain", "application/octet-stream")


def _json_body(model: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "title": model}}},
        }
    }


async def _receive(
    request: Request,
    runtime: Services,
    adapter: ChannelAdapter,
    payload: bytes,
    response: Response | None = None,
) -> IngestResponse:
    actor = current_actor(request)  # an event source's token: its source scopes the payload
    try:
        answer = await run_in_threadpool(
            service.receive,
            runtime=runtime,
            adapter=adapter,
            payload=payload,
            received_at=datetime.now(UTC),
            source=actor.source if actor is not None else None,
        )
    except ClientError as exc:
        runtime.metrics.events_rejected.inc(reason=exc.code)
        raise
    if answer.parked and response is not None:
        response.status_code = 202  # some events wait for their interaction's start
    return answer


@router.post(
    "/voice",
    response_model=IngestResponse,
    responses=_ERRORS,
    openapi_extra=_json_body("VoiceWebhook"),
)
async def voice_webhook(
    request: Request, response: Response, runtime: RuntimeDep
) -> IngestResponse:
    """A call's start, IVR selections and inputs, transfers, transcript segments and end."""
    try:
        menu: IvrMenu | None = load_menu(runtime.settings.ivr_menu_path)
    except IvrMenuError as exc:
        # Calls keep flowing with a broken menu file; selections are stored as the IVR sent them.
        log.error("IVR selections are not mapped to reasons: %s", exc)
        menu = None
    adapter = VoiceAdapter(menu=menu)
    return await _receive(request, runtime, adapter, await request.body(), response)


@router.post(
    "/contact-lens",
    response_model=IngestResponse,
    responses=_ERRORS,
    openapi_extra=_json_body("ContactLensRecords"),
)
async def contact_lens_webhook(
    request: Request, response: Response, runtime: RuntimeDep
) -> IngestResponse:
    """Amazon Connect Contact Lens real-time events: one, a list, or Kinesis ``Records``."""
    body = await request.body()
    return await _receive(request, runtime, ContactLensAdapter(), body, response)


@router.post(
    "/contact-lens/firehose",
    responses={200: {"description": "`{requestId, timestamp}`, as Firehose expects"}},
    openapi_extra=_json_body("FirehoseDelivery"),
)
async def contact_lens_firehose(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Contact Lens records delivered by Amazon Data Firehose to an HTTP endpoint, answered as
    Firehose expects (it retries a delivery until its ``requestId`` comes back with a 200)."""
    body = await request.body()
    request_id = request.headers.get("x-amz-firehose-request-id") or _body_request_id(body)
    request_id = request_id[:200]
    try:
        await _receive(request, runtime, ContactLensAdapter(), body)
    except ClientError as exc:
        return _firehose_answer(exc.status_code, request_id, exc.message)
    return _firehose_answer(200, request_id, None)  # also when some records wait for a start


def _body_request_id(body: bytes) -> str:
    """The delivery's own ``requestId``, for a request that came without Firehose's header (a
    proxy that drops it, a test sending the documented body): the answer must echo it."""
    try:
        delivery = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    found = delivery.get("requestId") if isinstance(delivery, dict) else None
    return found if isinstance(found, str) else ""


def _firehose_answer(status: int, request_id: str, error: str | None) -> JSONResponse:
    body: dict[str, Any] = {"requestId": request_id, "timestamp": int(time.time() * 1000)}
    if error is not None:
        body["errorMessage"] = error
    return JSONResponse(body, status_code=status)


@router.get(
    "/voice/ivr-menu",
    response_model=IvrMenuOut,
    responses={503: {"description": "the configured menu file is missing or invalid"}},
)
def ivr_menu(settings: SettingsDep) -> IvrMenuOut | JSONResponse:
    """The IVR menu as offered: reasons prone to moments of truth first."""
    try:
        menu = load_menu(settings.ivr_menu_path)
    except IvrMenuError as exc:
        return JSONResponse({"error": "ivr_menu_invalid", "message": str(exc)}, status_code=503)
    return IvrMenuOut(menu=menu.menu, prompt=menu.prompt, options=menu.ordered())


@router.post(
    "/chat",
    response_model=IngestResponse,
    responses=_ERRORS,
    openapi_extra=_json_body("ChatWebhook"),
)
async def chat_webhook(request: Request, runtime: RuntimeDep) -> IngestResponse:
    """New messages of a chat conversation."""
    return await _receive(request, runtime, ChatAdapter(), await request.body())


@router.post(
    "/email",
    response_model=IngestResponse,
    responses={**_ERRORS, 415: {"description": "not a raw message"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "message/rfc822": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
)
async def email_webhook(request: Request, runtime: RuntimeDep) -> IngestResponse:
    """One raw RFC 5322 message, threaded into its conversation."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _EMAIL_TYPES:
        raise UnsupportedMediaType(
            f"expected a raw message as message/rfc822 or text/plain, not {media_type}",
            errors=[{"field": "content-type", "message": "use message/rfc822 or text/plain"}],
        )
    adapter = EmailAdapter(agent_domains=runtime.settings.email_agent_domains)
    return await _receive(request, runtime, adapter, await request.body())


@router.post(
    "/sms",
    response_class=Response,
    responses={
        200: {"content": {"text/xml": {}}, "description": "empty TwiML"},
        403: {"description": "missing or wrong X-Twilio-Signature"},
        **_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}},
        }
    },
)
async def sms_webhook(request: Request, runtime: RuntimeDep) -> Response:
    """Twilio's inbound message webhook; signed requests only when an auth token is set."""
    settings = runtime.settings
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type.endswith(("/json", "+json")) or media_type.startswith("multipart/"):
        raise UnsupportedMediaType(  # read as a form, it would be one field of nonsense
            f"expected Twilio's form as application/x-www-form-urlencoded, not {media_type}",
            errors=[{"field": "content-type", "message": "use application/x-www-form-urlencoded"}],
        )
    payload = await request.body()
    # One adapter for this request: it parses the form once, for the signature and the events.
    adapter = SmsAdapter(idle_gap=timedelta(minutes=settings.sms_idle_gap_minutes))
    try:
        if settings.twilio_auth_token:
            check_signature(
                auth_token=settings.twilio_auth_token,
                url=settings.twilio_webhook_url or str(request.url),
                params=adapter.form(payload),
                signature=request.headers.get("X-Twilio-Signature"),
            )
    except ClientError as exc:
        runtime.metrics.events_rejected.inc(reason=exc.code)
        raise
    await _receive(request, runtime, adapter, payload)
    fields = dict(adapter.form(payload))
    said = keyword(fields.get("Body", ""), opt_out_type=fields.get("OptOutType", ""))
    if said is None:
        return Response(EMPTY_TWIML, media_type="text/xml")
    await run_in_threadpool(_keep_word, runtime, fields, said)
    return Response(twiml(said.confirmation), media_type="text/xml")


def _customer_of(runtime: Services, phone: Identity) -> int | None:
    """The customer who owns the number, made now when nobody does: an opt-out from a number
    Kairos has no customer for is kept on the customer any later contact from it resolves to."""
    region = runtime.settings.default_phone_region
    with runtime.db.session() as session:
        customer = customer_service.get_by_identity(session=session, identity=phone, region=region)
        if customer is not None:
            return customer.id
    with runtime.db.write_lock(), runtime.db.session() as session:
        customer = customer_service.resolve(session=session, identities=[phone], region=region)
        session.commit()
        return customer.id if customer is not None else None


def _keep_word(runtime: Services, fields: dict[str, str], said: Keyword) -> None:
    """Turn the sender's proactive SMS off (or on again), as the keyword they texted asks."""
    phone = Identity(kind="phone", value=sms_phone(fields.get("From", "").strip()))
    customer_id = _customer_of(runtime, phone)
    if customer_id is None:  # a sender that names nobody (no number): nothing to keep it on
        log.warning("sms keyword from a sender that is no phone number; not kept")
        return
    consent.set_channel(
        db=runtime.db,
        bus=runtime.bus,
        customer_id=customer_id,
        channel="sms",
        off=said.action == "opt_out",
        source="sms keyword",
        actor="customer",
        detail=f"texted {fields.get('Body', '').strip()[:60]!r} ({said.language})",
    )


@router.post(
    "/social",
    response_model=IngestResponse,
    responses=_ERRORS,
    openapi_extra=_json_body("SocialPost"),
)
async def social_webhook(request: Request, runtime: RuntimeDep) -> IngestResponse:
    """One public post or direct message."""
    return await _receive(request, runtime, SocialAdapter(), await request.body())
