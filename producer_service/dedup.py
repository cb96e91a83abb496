"""Bounded windows of recent keys: a resume re-sends events on purpose; these drop them again."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable


class RecentKeys:
    """The last ``size`` keys seen, oldest evicted first; membership in O(1)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[bytes, None] = OrderedDict()

    def __contains__(self, key: bytes) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: bytes) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)

    def extend(self, keys: Iterable[bytes]) -> None:
        for k in keys:
            self.add(k)


def dlq_key(event_id: str | None, raw: bytes) -> bytes:
    """A dead letter's stable key: its meta.id when it has one, else a hash of its raw bytes.

    The same bad frame re-sent by a resume gets the same key, so it is written only once.
    """
    if event_id:
        return event_id.encode()
    return b"sha256:" + hashlib.sha256(raw).hexdigest().encode()
