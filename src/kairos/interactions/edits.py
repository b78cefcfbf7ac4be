"""An edited message read once: its last edit in its first version's place.

The event log keeps every version of a chat message (an edit is an ``utterance`` whose
``edit_of`` names the event it supersedes); whoever reads a contact's words in a batch (the
review, the drivers, the report, the summary) reads each message once, with its last text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

Said = TypeVar("Said")


def in_place(
    items: Iterable[Said],
    *,
    event_id: Callable[[Said], str],
    edit_of: Callable[[Said], object],
) -> list[Said]:
    """``items`` in order, an edit standing where the message it edits stood (the last wins).

    An edit of an edit takes the same place; an edit whose message is not among ``items``
    stands where it comes.

    >>> rows = [("m1", None), ("m2", None), ("m1-e", "m1"), ("m1-e2", "m1-e")]
    >>> in_place(rows, event_id=lambda r: r[0], edit_of=lambda r: r[1])
    [('m1-e2', 'm1-e'), ('m2', None)]
    """
    slots: dict[str, int] = {}
    out: list[Said] = []
    for item in items:
        original = edit_of(item)
        slot = slots.get(original) if isinstance(original, str) else None
        if slot is None:
            slot = len(out)
            out.append(item)
        else:
            out[slot] = item
        slots[event_id(item)] = slot
    return out
