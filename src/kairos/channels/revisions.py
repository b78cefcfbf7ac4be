"""Words sent again under the same id: a redelivery is a repeat, a revision an edit.

A chat message edited under its id, a voice platform's transcript revised (a partial's words
corrected in its final, a recogniser's second pass) and a redelivered record all reuse the
source's id, from which the adapter derives the event id. Compared with the text stored under
that id (as stored: redacted), the same words are a redelivery, left as they are so ingest
acknowledges them once; other words are a new ``utterance`` whose ``edit_of`` names the stored
one, so whoever reads the contact's words (the detector, the review, the desktop) reads the new
text in its place (``kairos.interactions.edits``). The revision is named by its text, so its
own redelivery is a repeat too.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from kairos.channels.base import InteractionLookup, Said, stable_id
from kairos.events import Utterance
from kairos.redaction.stored import sanitise_event


def stored_text(said: Utterance) -> str:
    """``said``'s text as it would be stored (redacted)."""
    stored = sanitise_event(said)
    return stored.text if isinstance(stored, Utterance) else said.text


def revised(said: Utterance, lookup: InteractionLookup, *, at: datetime) -> Utterance:
    """``said`` as it is (new, or a redelivery), or the edit of the words stored under its id,
    ``at`` the time of the revision."""
    before = lookup.said(said.event_id)
    if before is None or before.text == stored_text(said):
        return said
    digest = hashlib.sha256(said.text.encode()).hexdigest()[:16]
    return said.model_copy(
        update={
            "event_id": stable_id(said.event_id, "edit", digest),
            "occurred_at": at,
            "edit_of": said.event_id,
        }
    )


class BatchSaid:
    """A lookup that also knows the utterances an adapter made earlier in the same body, so a
    body carrying a partial and its final under one id makes the final an edit of the partial."""

    def __init__(self, inner: InteractionLookup) -> None:
        self.inner = inner
        self._said: dict[str, Said] = {}

    def exists(self, interaction_id: str) -> bool:
        """Whatever the wrapped lookup says."""
        return self.inner.exists(interaction_id)

    def open_thread(self, prefix: str, since: datetime) -> str | None:
        """Whatever the wrapped lookup says."""
        return self.inner.open_thread(prefix, since)

    def started_at(self, interaction_id: str) -> datetime | None:
        """Whatever the wrapped lookup says."""
        return self.inner.started_at(interaction_id)

    def start_of(self, interaction_id: str) -> str | None:
        """Whatever the wrapped lookup says."""
        return self.inner.start_of(interaction_id)

    def said(self, event_id: str) -> Said | None:
        """Stored, else said first in this body."""
        return self.inner.said(event_id) or self._said.get(event_id)

    def revised(self, said: Utterance, *, at: datetime) -> Utterance:
        """:func:`revised`, remembering the first words under each id for the rest of the body."""
        out = revised(said, self, at=at)
        if said.event_id not in self._said:
            text = stored_text(said)
            self._said[said.event_id] = Said(said.interaction_id, said.speaker, text)
        return out
