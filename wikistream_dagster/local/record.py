"""Recordings of Wikimedia EventStreams: loading them and capturing a live stream to one
(the stream a recording is served as is ``timeline.Timeline``).

A recording is NDJSON (one SSE ``data`` payload per line) or a raw SSE capture (``event:``/
``id:``/``data:`` lines, frames separated by blank lines, any line ending). The recorder
(``./wikistream record``) writes raw captures exactly as received, ids included, and only
complete frames, so an interrupted recording (Ctrl-C, kill) is still a valid one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

from wikistream_dagster.local.sse_frames import (
    BOM,
    InvalidAssignmentError,
    SSEFrameSplitter,
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
    """The Kafka time of a captured frame: its id's largest ``timestamp`` entry minus the 1 ms
    KafkaSSE adds (so a capture replays with the ids it was recorded with)."""
    try:
        entries = parse_event_id(event_id) if event_id else []
    except InvalidAssignmentError:
        return None
    stamps = [e.timestamp for e in entries if e.timestamp is not None]
    return max(stamps) - 1 if stamps else None


def load_recording(path: Path) -> list[Recorded]:
    """Load an NDJSON file or a raw SSE capture (told apart by content).

    An event's time is its capture id's Kafka time (timestamp - 1), else ``meta.dt``/``timestamp``.
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
