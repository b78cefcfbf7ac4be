"""Channel adapters: voice/IVR, chat, email, SMS and social formats turned into Kairos events."""

from kairos.channels.base import (
    BadSignature,
    ChannelAdapter,
    InteractionLookup,
    InvalidPayload,
    MalformedPayload,
    NoInteractions,
)
from kairos.channels.chat import ChatAdapter
from kairos.channels.email import EmailAdapter, events_from_mbox
from kairos.channels.sms import SmsAdapter
from kairos.channels.social import SocialAdapter
from kairos.channels.voice import VoiceAdapter

__all__ = [
    "BadSignature",
    "ChannelAdapter",
    "ChatAdapter",
    "EmailAdapter",
    "InteractionLookup",
    "InvalidPayload",
    "MalformedPayload",
    "NoInteractions",
    "SmsAdapter",
    "SocialAdapter",
    "VoiceAdapter",
    "events_from_mbox",
]
