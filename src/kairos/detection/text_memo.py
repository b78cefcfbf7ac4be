"""Bounded memos of pure functions of what someone said, which an erasure can empty.

A text read once (the semantic tier's logits of a turn, the coaching of an agent's words) is
remembered so that reading it again (the outcomes review's replay) costs a lookup. Such a memo
holds the words themselves as its keys, and nothing in it says whose they are: when a customer
is erased every memo of the process is emptied whole (:func:`forget_every_text`; erasures are
rare, and a memo refills as turns are read). A reading that was under way when the memo was
emptied is not stored, so a text read before the erasure cannot come back into the memo after it.

>>> calls = []
>>> memo = TextMemo(lambda text: calls.append(text) or len(text), maxsize=2)
>>> [memo.get("ok"), memo.get("ok"), len(calls), len(memo)]
[2, 2, 1, 1]
>>> forget_every_text(); [len(memo), memo.get("ok"), len(calls)]
[0, 2, 2]
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

_every: weakref.WeakSet[TextMemo[object]] = weakref.WeakSet()
_every_lock = threading.Lock()


class TextMemo(Generic[T]):
    """``compute(*key)`` remembered for the ``maxsize`` keys used last; :meth:`clear` empties it."""

    def __init__(self, compute: Callable[..., T], *, maxsize: int) -> None:
        self.compute = compute
        self.maxsize = maxsize
        self._held: OrderedDict[tuple[Hashable, ...], T] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # counts the clears: a reading begun before one is not kept
        with _every_lock:
            _every.add(self)  # type: ignore[arg-type]  # every memo holds some T

    def get(self, *key: Hashable) -> T:
        """``compute(*key)``, computed once while remembered."""
        with self._lock:
            if key in self._held:
                self._held.move_to_end(key)
                return self._held[key]
            generation = self._generation
        value = self.compute(*key)
        with self._lock:
            if generation == self._generation:
                self._held[key] = value
                while len(self._held) > self.maxsize:
                    self._held.popitem(last=False)
        return value

    def __contains__(self, key: tuple[Hashable, ...]) -> bool:
        with self._lock:
            return key in self._held

    def __len__(self) -> int:
        return len(self._held)

    def clear(self) -> None:
        """Forget every text (and any reading under way)."""
        with self._lock:
            self._held.clear()
            self._generation += 1


def forget_every_text() -> None:
    """Empty every memo of the process (a customer was erased, or may have been)."""
    with _every_lock:
        memos = list(_every)
    for memo in memos:
        memo.clear()
