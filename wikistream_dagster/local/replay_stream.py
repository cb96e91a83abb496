"""One replay connection: frames written like KafkaSSE's, paced, and closed the ways the live
service closes (or breaks) a stream.

Ids are built per connection like ``KafkaSSE._updateLatestOffsetsMap``: one entry per assigned
partition, the resolved assignment until a message of that partition is sent, then its
Kafka timestamp + 1. Consumed partitions are served merged in stream order.

Ways a stream ends (``CLOSE_MODES``): ``clean`` ends the HTTP response properly; ``drop``
aborts the TCP connection; ``after_id`` writes the next frame's ``event:`` and ``id:`` lines,
then aborts; ``in_data`` writes the next frame up to the middle of its data line, then aborts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from aiohttp import web

from wikistream_dagster.local.assign import Plan
from wikistream_dagster.local.timeline import INF, PARTITIONS, timestamp_entry

if TYPE_CHECKING:
    from wikistream_dagster.local.replay import ServerState

log = logging.getLogger(__name__)
CLOSE_MODES = ("clean", "drop", "after_id", "in_data")
BATCH_BYTES = 64 * 1024  # frames per write(): about this many bytes
DRAIN_TIMEOUT_S = 2.0


@dataclass(eq=False)
class Conn:
    """An open stream, reachable by the control endpoints (close, resume, inject wake it)."""

    wake: asyncio.Event = field(default_factory=asyncio.Event)
    close_mode: str | None = None


def _affixes(plan: Plan, part: int) -> tuple[bytes, bytes]:
    """The id bytes around a ``part`` message's timestamp: ``pre + stamp + post``."""
    order = list(plan.frags)
    i = order.index(part)
    topic, partition = PARTITIONS[part]
    pre = b"[" + b"".join(plan.frags[x] + b"," for x in order[:i])
    pre += b'{"topic":"%s","partition":%d,"timestamp":' % (topic.encode(), partition)
    post = b"}" + b"".join(b"," + plan.frags[x] for x in order[i + 1 :]) + b"]"
    return pre, post


def partial(frame: bytes, mode: str) -> bytes:
    """The bytes of ``frame`` a mid-frame cut leaves: through the id line, or half the data."""
    i = frame.index(b"\ndata: ")
    if mode == "after_id":
        return frame[: i + 1]
    start = i + len(b"\ndata: ")
    end = frame.index(b"\n", start)
    return frame[: start + (end - start) // 2]


async def _abort(request: web.Request) -> None:
    """Drop the TCP connection once what was written has left (an abort discards the buffer)."""
    transport = request.transport
    if transport is None:
        return
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while transport.get_write_buffer_size() and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    transport.abort()


class Pump:
    """Writes one connection's frames until the stream ends; returns how it ended."""

    def __init__(self, st: ServerState, resp: web.StreamResponse, conn: Conn, plan: Plan) -> None:
        self.st, self.tl, self.resp, self.conn, self.plan = st, st.timeline, resp, conn, plan
        self.segs = [
            [part, p, ji, self.tl.bounds(part)[1]] for part, (p, ji) in sorted(plan.starts.items())
        ]
        self.si = 0
        self.sent = 0
        self.affix_part = -1
        self.pre = self.post = b""

    def _affix(self, part: int) -> tuple[bytes, bytes]:
        if part != self.affix_part:
            self.pre, self.post = _affixes(self.plan, part)
            self.affix_part = part
        return self.pre, self.post

    def _next_frame(self) -> bytes | None:
        """The frame that would come next (for a mid-frame cut), ignoring pacing."""
        tl = self.tl
        for part, p, ji, hi in self.segs[self.si :]:
            if part == 0 and ji < len(tl.injected) and tl.inj_before[ji] <= p:
                return tl.render_injected(ji, *self._affix(part))
            if p < hi:
                return tl.render(p, p + 1, 0, *self._affix(part))[0]
        return None

    async def _write(self, chunk: bytes, part: int, ids: list[str], stamp: bytes) -> None:
        await self.resp.write(chunk)
        st = self.st
        st.served += len(ids)
        self.sent += len(ids)
        self.plan.frags[part] = timestamp_entry(part, stamp)
        if st.served_log is not None:
            write_ids(st.served_log, ids)

    async def _wait(self, timeout: float | None) -> None:
        conn = self.conn
        try:
            await asyncio.wait_for(conn.wake.wait(), timeout)
        except TimeoutError:
            pass
        conn.wake.clear()

    async def run(self) -> str:
        """Serve; the result is a close mode, or ``end`` (a finite recording was all served)."""
        st, tl, opts = self.st, self.tl, self.st.options
        speed = tl.pace or opts.speed
        limit = opts.disconnect_every
        clock = asyncio.get_running_loop().time
        deadline = clock() + opts.close_after_s if opts.close_after_s else None
        base: int | None = None
        t0 = 0.0
        while True:
            left = None if deadline is None else deadline - clock()
            if self.conn.close_mode:
                return self.conn.close_mode
            if st.closing.is_set() or (left is not None and left <= 0):
                return "clean"
            if limit and self.sent >= limit:
                return st.next_cut_mode()
            if st.clock.paused:
                await self._wait(left)
                continue
            if self.si >= len(self.segs):
                if not tl.loop:
                    return "end"
                await self._wait(left)  # nothing more will come: a silent stream
                continue
            seg = self.segs[self.si]
            part, p, ji, hi = seg
            if part == 0 and ji < len(tl.injected) and tl.inj_before[ji] <= p:
                inj = tl.injected[ji]
                pre, post = self._affix(part)
                await self._write(
                    tl.render_injected(ji, pre, post),
                    part,
                    [inj.meta_id],
                    b"%d" % (inj.kafka_ms + 1),
                )
                seg[2] = ji + 1
                continue
            if p >= hi:
                self.si += 1
                continue
            q_max = hi
            if part == 0 and ji < len(tl.injected):
                q_max = min(q_max, tl.inj_before[ji])
            if limit:
                q_max = min(q_max, p + limit - self.sent)
            if speed > 0:
                # Like Kafka behind KafkaSSE: what is already there (served to anyone, or due
                # by the clock in a loop, whose times follow it) goes out as fast as the client
                # reads; only what is not there yet is paced. A resumed connection catches up.
                if base is None:
                    base, t0 = tl.time_at(p), st.clock.mono()
                rate = 1.0 if tl.loop else speed
                now = st.clock.now_ms() if tl.loop else base + (st.clock.mono() - t0) * 1000 * speed
                q_due = max(tl.position_for(int(now) + 1), min(tl.frontier, hi))
                if q_due <= p:
                    delay = (tl.time_at(p) - now) / (1000 * rate)
                    await self._wait(max(delay, 0.0) if left is None else min(max(delay, 0), left))
                    continue
                q_max = min(q_max, q_due)
            pre, post = self._affix(part)
            chunk, q = tl.render(p, q_max, BATCH_BYTES, pre, post)
            ids = tl.meta_ids(p, q) if st.served_log is not None else [""] * (q - p)
            await self._write(chunk, part, ids, tl.id_stamp(q - 1))
            seg[1] = q
            if q < INF:
                tl.frontier = max(tl.frontier, q)
            await asyncio.sleep(0)  # a fast client never blocks writes: let other tasks run

    async def close(self, request: web.Request, mode: str) -> None:
        """End the response the way ``mode`` says (see the module docstring)."""
        if mode in ("clean", "end"):
            await self.resp.write_eof()
            return
        if mode in ("after_id", "in_data"):
            frame = self._next_frame()
            if frame is not None:
                await self.resp.write(partial(frame, mode))
                self.st.partial_frames += 1
        await _abort(request)


def write_ids(out: IO[str], ids: list[str]) -> None:
    """Append served meta.ids, one a line, flushed per write batch."""
    out.write("".join(i + "\n" for i in ids))
    out.flush()
