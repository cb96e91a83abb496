"""The frame bytes of a Timeline: ids built per connection around each message's timestamp."""

from __future__ import annotations

import bisect
import itertools
from typing import TYPE_CHECKING

import orjson

from wikistream_dagster.local.loop_payload import loop_event_id

if TYPE_CHECKING:
    from wikistream_dagster.local.timeline import Timeline


def meta_id(data: bytes) -> str:
    """A payload's ``meta.id`` ("" when it has none)."""
    try:
        return str(orjson.loads(data)["meta"]["id"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return ""


class TimelineFrames:
    """Rendering for :class:`~wikistream_dagster.local.timeline.Timeline` (a mixin: it uses the
    timeline's times, payloads and loop offsets)."""

    def id_stamp(self: Timeline, p: int) -> bytes:
        return b"%d" % (self.kafka_ms(p) + 1)

    def _blob(self: Timeline, pre: bytes, post: bytes) -> tuple[bytes, list[int]]:
        """Every frame pre-encoded with ids ``pre + (kafka ms + 1) + post`` (finite only)."""
        key = (pre, post)
        got = self._blobs.get(key)
        if got is None:
            if len(self._blobs) >= 4:
                self._blobs.pop(next(iter(self._blobs)))
            frames = [
                b"%s%s%d%s%s" % (h, pre, k + 1, post, b)
                for h, k, b in zip(self.heads, self.kt, self.bodies, strict=True)
            ]
            got = b"".join(frames), list(itertools.accumulate(map(len, frames), initial=0))
            self._blobs[key] = got
        return got

    def render(
        self: Timeline, p: int, q_max: int, max_bytes: int, pre: bytes, post: bytes
    ) -> tuple[bytes, int]:
        """Frames p..q-1 (q <= q_max, about max_bytes, at least one) with ids pre+ts+post."""
        if not self.loop:
            blob, bounds = self._blob(pre, post)
            start = bounds[p]
            q = min(q_max, max(p + 1, bisect.bisect_right(bounds, start + max_bytes) - 1))
            return blob[start : bounds[q]], q
        out: list[bytes] = []
        size, n, heads, kt, templates, run = (
            0,
            self.n,
            self.heads,
            self.kt,
            self.templates,
            self.run,
        )
        while p < q_max and (size < max_bytes or not out):
            k, i = divmod(p, n)
            off = self.offset(k)
            stop = min(q_max, (k + 1) * n)  # the rest of this loop, at most
            while p < stop and (size < max_bytes or not out):
                data = templates[i].render(run, k, off + self.shift[i])
                if b"\n" in data:
                    data = b"\ndata: ".join(data.split(b"\n"))
                out += (heads[i], pre, b"%d" % (kt[i] + off + 1), post, b"\ndata: ", data, b"\n\n")
                size += len(data) + 200
                p += 1
                i += 1
        return b"".join(out), p

    def render_injected(self: Timeline, j: int, pre: bytes, post: bytes) -> bytes:
        inj = self.injected[j]
        body = b"\ndata: ".join(inj.data.split(b"\n"))
        return b"event: %s\nid: %s%d%s\ndata: %s\n\n" % (
            inj.event.encode(),
            pre,
            inj.kafka_ms + 1,
            post,
            body,
        )

    def meta_ids(self: Timeline, p: int, q: int) -> list[str]:
        """The ``meta.id`` of the events at positions p..q-1 (for the served log)."""
        if self._ids is None:
            self._ids = [meta_id(r.data) for r in self._records]
        if not self.loop:
            return self._ids[p:q]
        out = []
        for pos in range(p, q):
            k, i = divmod(pos, self.n)
            orig = self._ids[i]
            out.append(loop_event_id(orig, self.run, k) if orig else "")
        return out
