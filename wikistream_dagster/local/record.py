"""Recordings of Wikimedia EventStreams: loading them, the stream they are served as (ids,
loops) and capturing a live stream to one.

A recording is NDJSON (one SSE ``data`` payload per line) or a raw SSE capture (``event:``/
``id:``/``data:`` lines, frames separated by blank lines, any line ending). The recorder
(``./wikistream record``) writes raw captures exactly as received, ids included, and only
complete frames, so an interrupted recording (Ctrl-C, kill) is still a valid one.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

from wikistream_dagster.local.sse_frames import (
    BOM,
    LoopTemplate,
    SSEFrameSplitter,
    encode_frame,
    format_event_id,
    parse_dt_ms,
    parse_event_id,
)

log = logging.getLogger(__name__)
RECORDINGS_DIR = Path(__file__).resolve().parent / "recordings"
PROGRESS_EVERY_S = 10.0


def default_recording() -> Path:
    """The bundled real recording: 3,818 Wikidata events of 2018-03-07 16:16-16:21 UTC."""
    return RECORDINGS_DIR / "one_qs_batch.ndjson"


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recorded event: its data payload, SSE event type and event time (ms, if known)."""

    data: bytes
    event: str = "message"
    time_ms: int | None = None


def payload_time_ms(data: bytes) -> int | None:
    """Event time of a payload: ``meta.dt``, else top-level ``timestamp`` (s); None if neither."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    meta = obj.get("meta")
    ms = parse_dt_ms(meta.get("dt")) if isinstance(meta, dict) else None
    ts = obj.get("timestamp")
    if ms is None and type(ts) in (int, float):
        ms = int(ts * 1000)
    return ms


def _id_time_ms(event_id: str | None) -> int | None:
    try:
        return parse_event_id(event_id) if event_id else None
    except ValueError:
        return None


def load_recording(path: Path) -> list[Recorded]:
    """Load an NDJSON file or a raw SSE capture (told apart by content).

    An event's time is its capture id's timestamp (Kafka time), else ``meta.dt``/``timestamp``.
    """
    raw = Path(path).read_bytes()
    body = raw[len(BOM) :] if raw.startswith(BOM) else raw
    if body.lstrip()[:1] in (b"{", b"["):
        fmt = "ndjson"
        records = [
            Recorded(line, "message", payload_time_ms(line))
            for line in body.splitlines()
            if line.strip()
        ]
    else:
        fmt, records = "sse", []
        splitter = SSEFrameSplitter()
        for f in [*splitter.feed(raw), splitter.finish()]:
            if f is not None and f.data is not None:
                t = _id_time_ms(f.id)
                records.append(
                    Recorded(
                        f.data,
                        f.event or "message",
                        t if t is not None else payload_time_ms(f.data),
                    )
                )
    if not records:
        raise ValueError(f"{path}: no events found (expected NDJSON or SSE frames with data)")
    log.info("recording loaded", extra={"path": str(path), "format": fmt, "events": len(records)})
    return records


def id_times(records: Sequence[Recorded]) -> list[int]:
    """Id timestamps: running max of event times (non-decreasing, like Kafka append time)."""
    current = next((r.time_ms for r in records if r.time_ms is not None), 0)
    out = []
    for r in records:
        if r.time_ms is not None and r.time_ms > current:
            current = r.time_ms
        out.append(current)
    return out


def _ceil_s(ms: int) -> int:
    return -(-ms // 1000) * 1000


class Timeline:
    """The stream a recording is served as: positions 0.. (endless when looping), each with its
    id time and frame bytes. Loop k shifts times by ``offsets[k]`` (whole seconds, fixed when
    the loop is first reached: the present, or right after loop k-1 if that is later).

    A loop replayed faster or slower than recorded (``speed`` not 0 or 1) has its times
    compressed by ``speed`` too (gaps / speed), so event times keep pace with the clock like the
    live stream's instead of running ahead of it; such a timeline is served at ``pace`` 1.
    """

    def __init__(
        self, records: Sequence[Recorded], loop: bool, run: str | None = None, speed: float = 0.0
    ) -> None:
        if not records:
            raise ValueError("a replay needs at least one recorded event")
        self.n, self.loop = len(records), loop
        self.ts = id_times(records)
        self.shift = [0] * self.n  # per event: compressed time - recorded time (loops only)
        self.scaled = loop and speed > 0 and speed != 1
        if self.scaled:
            t0 = self.ts[0]
            scaled = [t0 + round((t - t0) / speed) for t in self.ts]
            self.shift = [s - t for s, t in zip(scaled, self.ts, strict=True)]
            self.ts = scaled
        self.events = [r.event for r in records]
        if loop:  # run: part of the per-loop meta.ids (default: start time, ns)
            self.run = run or str(time.time_ns())
            self.templates = [LoopTemplate(r.data) for r in records]
            self.period = _ceil_s(self.ts[-1] - self.ts[0]) + 1000
            self.offsets: list[int] = []
            self.starts: list[int] = []
        else:  # every frame encoded once, concatenated; bounds[p] = byte offset of frame p
            frames = [
                encode_frame(r.event, format_event_id(t), r.data)
                for r, t in zip(records, self.ts, strict=True)
            ]
            self.bounds = list(itertools.accumulate(map(len, frames), initial=0))
            self.blob = b"".join(frames)

    @property
    def pace(self) -> float | None:
        """The speed to serve this timeline at when the requested one was ``speed``."""
        return 1.0 if self.scaled else None

    @property
    def end(self) -> int | None:
        return None if self.loop else self.n

    def offset(self, k: int) -> int:
        while len(self.offsets) <= k:
            off = _ceil_s(int(time.time() * 1000) - self.ts[0])
            if self.offsets:
                off = max(off, self.offsets[-1] + self.period)
            self.offsets.append(off)
            self.starts.append(self.ts[0] + off)
        return self.offsets[k]

    def time_at(self, p: int) -> int:
        if not self.loop:
            return self.ts[p]
        k, i = divmod(p, self.n)
        return self.ts[i] + self.offset(k)

    def position_for(self, t_ms: int) -> int:
        """The first position whose id time is >= ``t_ms`` (past all loops: a new loop's start)."""
        if not self.loop:
            return bisect.bisect_left(self.ts, t_ms)
        last = len(self.offsets) - 1
        if last < 0 or t_ms > self.ts[-1] + self.offsets[last]:
            last += 1
            if t_ms > self.ts[-1] + self.offset(last):
                return last * self.n
        k = bisect.bisect_right(self.starts, t_ms) - 1
        if k < 0:
            return 0
        return k * self.n + bisect.bisect_left(self.ts, t_ms - self.offsets[k])

    def render(self, p: int, q_max: int, max_bytes: int) -> tuple[bytes, int]:
        """Frames p..q-1 (q <= q_max, about max_bytes, at least one frame) and q."""
        if not self.loop:
            start = self.bounds[p]
            q = min(q_max, max(p + 1, bisect.bisect_right(self.bounds, start + max_bytes) - 1))
            return self.blob[start : self.bounds[q]], q
        out: list[bytes] = []
        size = 0
        while p < q_max and size < max_bytes:
            k, i = divmod(p, self.n)
            off = self.offset(k)
            frame = encode_frame(
                self.events[i],
                format_event_id(self.ts[i] + off),
                self.templates[i].render(self.run, k, off + self.shift[i]),
            )
            out.append(frame)
            size += len(frame)
            p += 1
        return b"".join(out), p


class RecordError(RuntimeError):
    """The stream could not be recorded (HTTP error, no User-Agent)."""


async def arecord_stream(
    url: str, out: Path, *, max_events: int | None, user_agent: str, since: str | None = None
) -> int:
    """Async :func:`record_stream`."""
    if not user_agent.strip():
        raise RecordError("a User-Agent is required (Wikimedia answers HTTP 403 without one)")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    headers = {"User-Agent": user_agent, "Accept": "text/event-stream"}
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=120)
    splitter, events, last_log = SSEFrameSplitter(), 0, time.monotonic()
    with open(out, "wb") as f:
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
            params = {"since": since} if since else None
            async with session.get(url, params=params) as resp:
                if resp.status != 200:
                    body = (await resp.text(errors="replace"))[:300]
                    raise RecordError(f"{url} answered HTTP {resp.status}: {body}")
                log.info(
                    "recording",
                    extra={"url": str(resp.url), "out": str(out), "max_events": max_events},
                )
                async for chunk in resp.content.iter_any():
                    for frame in splitter.feed(chunk):
                        f.write(frame.raw)
                        events += frame.data is not None
                        if max_events is not None and events >= max_events:
                            return events
                    f.flush()
                    if time.monotonic() - last_log >= PROGRESS_EVERY_S:
                        last_log = time.monotonic()
                        log.info("recording progress", extra={"events": events})
    # An unterminated frame at the end of the stream is incomplete: dropped, as SSE says.
    log.info("stream ended by the server", extra={"events": events})
    return events


def record_stream(
    url: str, out: Path, *, max_events: int | None, user_agent: str, since: str | None = None
) -> int:
    """Record ``url`` into ``out`` until ``max_events`` events, the stream's end or Ctrl-C.

    Returns:
        The number of events (frames with data) in ``out``.
    """
    try:
        return asyncio.run(
            arecord_stream(url, out, max_events=max_events, user_agent=user_agent, since=since)
        )
    except KeyboardInterrupt:
        splitter = SSEFrameSplitter()
        raw = Path(out).read_bytes() if Path(out).exists() else b""
        events = sum(f.data is not None for f in splitter.feed(raw))
        log.info("recording interrupted", extra={"out": str(out), "events": events})
        return events
