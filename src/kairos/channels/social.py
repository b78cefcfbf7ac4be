"""Social media: a generic JSON format for public posts and direct messages.

A social listening tool or a small bridge posts one post or message per request::

    {
      "platform": "x", "kind": "public", "post_id": "1790001",
      "thread_id": "1789000", "in_reply_to": "1789000",
      "handle": "@jane_doe", "author_role": "customer",
      "text": "@AcmeAir cancelled again?! My daughter's recital is tonight",
      "posted_at": "2026-11-22T14:00:00Z", "url": "https://x.com/jane_doe/status/1790001"
    }

``kind`` is ``public`` (a post or a public reply) or ``direct`` (a direct message).
``author_role`` is ``customer`` (the default) or ``agent`` (the brand's own reply, with an
optional ``agent_id``). The thread is ``thread_id`` (the root post, or the DM conversation id)
when given, else ``in_reply_to``, else the post itself; the interaction id is
``social:<platform>:<thread>`` (``social-dm:`` for direct messages), and each post's event id
is derived from ``post_id``, so a redelivery is acknowledged once. The author's
``platform:handle`` is the ``social`` identity. When the brand's reply arrived first (the
interaction started with no identity), the customer's later post brings it as a
``customer.identified``: in a direct conversation any customer message, in a public thread only
the thread's root post (another user replying in a public thread is not the thread's customer).

Under the brand's own post (the thread's root was stored as the brand's, ``author_role``
``agent``), each customer who replies is a conversation of their own,
``social:<platform>:<thread>:<handle>``, started with their identity; the brand's reply joins
the conversation of the post it answers (``in_reply_to``), or the root's when that is unknown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from kairos.channels.base import (
    ChannelAdapter,
    InteractionLookup,
    NoInteractions,
    clip,
    parse_json,
    stable_id,
    started_event_id,
    validate,
)
from kairos.events import (
    CustomerIdentified,
    Event,
    Identity,
    InteractionStarted,
    Timestamp,
    Utterance,
)
from kairos.redaction.inbound import Inbound

_SourceId = Annotated[str, Field(min_length=1, max_length=150, pattern=r"^[^\s]+$")]


class SocialPost(Inbound):
    """The body of ``POST /v1/channels/social``."""

    model_config = ConfigDict(extra="ignore")
    verbatim = frozenset(
        {
            "platform",
            "kind",
            "post_id",
            "thread_id",
            "in_reply_to",
            "handle",
            "author_role",
            "agent_id",
            "url",
        }
    )

    platform: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
    kind: Literal["public", "direct"] = "public"
    post_id: _SourceId
    thread_id: _SourceId | None = None
    in_reply_to: _SourceId | None = None
    handle: Annotated[str, Field(min_length=1, max_length=200)]
    author_role: Literal["customer", "agent"] = "customer"
    agent_id: Annotated[str | None, Field(max_length=200, pattern=r"^[^\s]+$")] = None
    text: Annotated[str, Field(min_length=1)]
    posted_at: Timestamp | None = None
    url: Annotated[str | None, Field(max_length=2000)] = None


def _interaction(
    post: SocialPost, platform: str, thread: str, handle: str, lookup: InteractionLookup
) -> str:
    """The post's interaction: its thread's, or under the brand's own post, its customer's."""
    prefix = "social-dm" if post.kind == "direct" else "social"
    iid = stable_id(prefix, platform, thread)
    if post.kind == "direct" or post.post_id == thread:
        return iid
    root = lookup.said(stable_id("social", platform, thread))
    if root is None or root.speaker != "agent" or root.interaction_id != iid:
        return iid
    # Under the brand's own post every customer who replies is a conversation of their own;
    # the brand's answer joins the conversation of the post it answers.
    if post.author_role == "customer":
        return stable_id("social", platform, thread, handle)
    parent = lookup.said(stable_id("social", platform, post.in_reply_to or thread))
    return parent.interaction_id if parent is not None else iid


class SocialAdapter(ChannelAdapter):
    """Public threads and direct-message conversations, one interaction each."""

    name = "social"
    channel = "social"

    def to_events(
        self,
        payload: bytes,
        *,
        received_at: datetime,
        lookup: InteractionLookup | None = None,
    ) -> list[Event]:
        """The events of one post or message."""
        post = validate(SocialPost, parse_json(payload))
        lookup = lookup or NoInteractions()
        platform = post.platform.lower()
        thread = post.thread_id or post.in_reply_to or post.post_id
        prefix = "social-dm" if post.kind == "direct" else "social"
        when = post.posted_at or received_at
        is_agent = post.author_role == "agent"
        events: list[Event] = []
        handle = post.handle.strip().lstrip("@")
        identities = [] if is_agent else [Identity(kind="social", value=f"{platform}:{handle}")]
        iid = _interaction(post, platform, thread, handle, lookup)
        if lookup.exists(iid):
            if identities and (post.kind == "direct" or post.post_id == thread):
                # Ingest stores it only if the handle is new to the interaction's customer.
                events.append(
                    CustomerIdentified(
                        event_id=stable_id(prefix, platform, thread, "identified", handle),
                        interaction_id=iid,
                        occurred_at=when,
                        identities=identities,
                    )
                )
        else:
            events.append(
                InteractionStarted(
                    event_id=started_event_id(iid),
                    interaction_id=iid,
                    occurred_at=when,
                    channel="social",
                    identities=identities,
                    subject=f"{platform} {post.kind} message",
                )
            )
        events.append(
            Utterance(
                event_id=stable_id(prefix, platform, post.post_id),
                interaction_id=iid,
                occurred_at=when,
                speaker="agent" if is_agent else "customer",
                text=clip(post.text),
                agent_id=post.agent_id if is_agent else None,
            )
        )
        return events
