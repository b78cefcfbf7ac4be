"""Voice and IVR: a generic JSON webhook a telephony platform (or a small bridge) posts to.

One request carries one or more things that happened on one call, in order::

    {
      "call_id": "CA-7731",
      "events": [
        {"id": "1", "type": "call.started", "at": "2026-11-22T14:00:00Z",
         "from": "+14155550100", "to": "+18005550199",
         "queue": "claims", "language": "en", "timezone": "America/Chicago"},
        {"id": "2", "type": "ivr.selection", "at": "...", "menu": "main", "option": "2",
         "label": "claims"},
        {"id": "3", "type": "ivr.input", "at": "...", "name": "policy_number",
         "value": "PX-99812", "verified": true},
        {"id": "4", "type": "transfer", "at": "...", "to_queue": "claims-tier2",
         "to_agent": "a-17", "reason": "complex claim"},
        {"id": "5", "type": "transcript", "at": "...", "segment_id": "seg-0001",
         "speaker": "customer", "text": "My car was towed ..."},
        {"id": "6", "type": "call.ended", "at": "...", "resolved": true,
         "disposition": "claim opened"}
      ]
    }

``id`` is the item's id, unique within the call (a transcript may use ``segment_id``
instead); the Kairos ``event_id`` is derived from ``call_id`` and it, so a redelivery is
acknowledged once. A transcript sent again under its id with other words (a partial's words
corrected in its final) is a revision: an edit of the words first stored under that id
(``kairos.channels.revisions``), which the assessment reads in their place. The interaction
id is ``call:<call_id>``. ``speaker`` is ``customer``, ``agent`` or ``bot`` (``caller`` is read
as ``customer``). IVR inputs named like an account or policy number (``account``,
``account_number``, ``policy``, ``policy_number``) also become the call's identities when they
arrive with ``call.started``. Unknown fields are ignored.

With an IVR menu (:mod:`kairos.channels.ivr`), an ``ivr.selection`` of that menu whose
``option`` is an option's digits (or its reason, from a speech IVR) carries the option's reason,
label and ``mot_prone`` flag: the interaction takes the reason, the detector reads the label, and
the assessment routing reads is made at once, before anyone speaks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from kairos.channels.base import (
    ChannelAdapter,
    InteractionLookup,
    NoInteractions,
    clip,
    parse_json,
    stable_id,
    started_event_id,
    unstamped_at,
    validate,
)
from kairos.channels.ivr import IvrMenu
from kairos.channels.revisions import BatchSaid
from kairos.events import (
    Event,
    Identity,
    IdentityKind,
    InteractionEnded,
    InteractionStarted,
    IvrInput,
    IvrSelection,
    Outcome,
    Timestamp,
    Transfer,
    Utterance,
)
from kairos.limits import LanguageTag, Zone
from kairos.redaction.inbound import Inbound

_SourceId = Annotated[str, Field(min_length=1, max_length=200)]
_IDENTITY_INPUTS: dict[str, IdentityKind] = {
    "account": "account",
    "account_number": "account",
    "policy": "policy",
    "policy_number": "policy",
}


class _Item(Inbound):
    model_config = ConfigDict(extra="ignore")
    verbatim = frozenset(
        {
            "id",
            "type",
            "from_",
            "to",
            "queue",
            "language",
            "timezone",
            "menu",
            "option",
            "name",
            "value",
            "to_queue",
            "to_agent",
            "segment_id",
            "speaker",
            "agent_id",
        }
    )

    id: _SourceId | None = None
    at: Timestamp | None = None


class CallStarted(_Item):
    """The call reached the platform."""

    type: Literal["call.started"]
    from_: Annotated[str | None, Field(alias="from", max_length=64)] = None
    to: Annotated[str | None, Field(max_length=64)] = None
    queue: Annotated[str | None, Field(max_length=100)] = None
    reason: Annotated[str | None, Field(max_length=200)] = None
    language: LanguageTag | None = None
    timezone: Zone | None = None


class IvrSelectionItem(_Item):
    """A menu choice."""

    type: Literal["ivr.selection"]
    menu: Annotated[str, Field(min_length=1, max_length=100)]
    option: Annotated[str, Field(min_length=1, max_length=100)]
    label: Annotated[str | None, Field(max_length=200)] = None


class IvrInputItem(_Item):
    """A keyed or spoken value: account or policy number, service tag, date of birth."""

    type: Literal["ivr.input"]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    value: Annotated[str, Field(min_length=1, max_length=500)]
    verified: bool = False


class TransferItem(_Item):
    """The call moved to another queue or agent."""

    type: Literal["transfer"]
    to_queue: Annotated[str | None, Field(max_length=100)] = None
    to_agent: Annotated[str | None, Field(max_length=200, pattern=r"^[^\s]+$")] = None
    reason: Annotated[str | None, Field(max_length=500)] = None


class TranscriptItem(_Item):
    """One transcribed segment of speech."""

    type: Literal["transcript"]
    segment_id: _SourceId | None = None
    speaker: Literal["customer", "caller", "agent", "bot"]
    text: Annotated[str, Field(min_length=1)]
    agent_id: Annotated[str | None, Field(max_length=200, pattern=r"^[^\s]+$")] = None


class CallEnded(_Item):
    """The call is over."""

    type: Literal["call.ended"]
    resolved: bool | None = None
    disposition: Annotated[str | None, Field(max_length=100)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None


CallItem = Annotated[
    CallStarted | IvrSelectionItem | IvrInputItem | TransferItem | TranscriptItem | CallEnded,
    Field(discriminator="type"),
]


class VoiceWebhook(Inbound):
    """The body of ``POST /v1/channels/voice``."""

    model_config = ConfigDict(extra="ignore")
    verbatim = frozenset({"call_id", "events"})

    call_id: Annotated[str, Field(min_length=1, max_length=150)]
    events: Annotated[list[CallItem], Field(min_length=1, max_length=1000)]


class VoiceAdapter(ChannelAdapter):
    """Calls: start, IVR, transfers, transcript segments, end."""

    name = "voice"
    channel = "call"

    def __init__(self, *, menu: IvrMenu | None = None) -> None:
        self.menu = menu

    def _selection(self, item: IvrSelectionItem, **ids: Any) -> IvrSelection:
        option = None
        if self.menu is not None and item.menu.strip().lower() == self.menu.menu.lower():
            option = self.menu.option_for(item.option)
        if option is None:
            return IvrSelection(menu=item.menu, option=item.option, label=item.label, **ids)
        return IvrSelection(
            menu=item.menu,
            option=item.option,
            label=option.label,
            reason=option.reason,
            mot_prone=option.mot_prone,
            **ids,
        )

    def to_events(
        self,
        payload: bytes,
        *,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The call's events, in the order the platform sent them."""
        body = validate(VoiceWebhook, parse_json(payload))
        lookup = BatchSaid(lookup or NoInteractions())
        interaction_id = stable_id("call", body.call_id)
        known = lookup.exists(interaction_id)
        identity_inputs = [
            Identity(kind=_IDENTITY_INPUTS[i.name.lower()], value=i.value)
            for i in body.events
            if isinstance(i, IvrInputItem) and i.name.lower() in _IDENTITY_INPUTS
        ]
        ended_at = next((i.at for i in body.events if isinstance(i, CallEnded) and i.at), None)
        unstamped = unstamped_at(received_at, ended_at)
        events: list[Event] = []
        for index, item in enumerate(body.events):
            source_id = item.id or (item.segment_id if isinstance(item, TranscriptItem) else None)
            eid = stable_id("call", body.call_id, source_id or f"{item.type}-{index}")
            iid = interaction_id
            when = item.at or unstamped
            if isinstance(item, CallStarted):
                # A start sent again is acknowledged as a duplicate of the stored one.
                start_id = lookup.start_of(iid) if known else started_event_id(iid)
                if start_id is None:
                    continue  # started earlier in this body, or stored without its start
                known = True
                identities = [Identity(kind="phone", value=item.from_)] if item.from_ else []
                events.append(
                    InteractionStarted(
                        event_id=start_id,
                        interaction_id=iid,
                        occurred_at=when,
                        channel="call",
                        identities=identities + identity_inputs,
                        reason=item.reason,
                        queue=item.queue,
                        language=item.language,
                        timezone=item.timezone,
                    )
                )
            else:
                event = self._event(item, event_id=eid, interaction_id=iid, occurred_at=when)
                if isinstance(event, Utterance):
                    event = lookup.revised(event, at=item.at or received_at)
                events.append(event)
        return events

    def _event(
        self,
        item: IvrSelectionItem | IvrInputItem | TransferItem | TranscriptItem | CallEnded,
        *,
        event_id: str,
        interaction_id: str,
        occurred_at: datetime,
    ) -> Event:
        """The event for one webhook item after the call started."""
        ids = {"event_id": event_id, "interaction_id": interaction_id, "occurred_at": occurred_at}
        if isinstance(item, IvrSelectionItem):
            return self._selection(item, **ids)
        if isinstance(item, IvrInputItem):
            return IvrInput(**ids, name=item.name, value=item.value, verified=item.verified)
        if isinstance(item, TransferItem):
            return Transfer(
                **ids, to_queue=item.to_queue, to_agent=item.to_agent, reason=item.reason
            )
        if isinstance(item, TranscriptItem):
            return Utterance(
                **ids,
                speaker="customer" if item.speaker == "caller" else item.speaker,
                text=clip(item.text),
                agent_id=item.agent_id,
            )
        outcome = Outcome(resolved=item.resolved, disposition=item.disposition, note=item.note)
        return InteractionEnded(**ids, outcome=outcome)
