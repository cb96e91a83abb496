"""The EventStreams SSE wire format: frame splitting, timestamp ids, ``since``, frame encoding,
and the payload rewriting of loop replays (times shifted, a distinct ``meta.id`` per loop)."""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

BOM = b"\xef\xbb\xbf"
_EOL = re.compile(rb"\r\n|\r|\n")
_ID_TEMPLATE = (
    '[{"topic":"eqiad.mediawiki.recentchange","partition":0,"timestamp":%d},'
    '{"topic":"codfw.mediawiki.recentchange","partition":0,"offset":-1}]'
)
_SENTINEL = re.compile(rb'"__wsreplay_(id|dt|ts)__"')
_LOOP_NS = uuid.UUID("6f1d7c2e-9a57-5b0e-8f43-3c1e2b9d0a11")  # namespace of per-loop meta.ids


@dataclass(frozen=True, slots=True)
class SSEFrame:
    """One frame as received: its raw bytes (terminator included) and its parsed fields."""

    raw: bytes
    event: str | None = None
    id: str | None = None
    data: bytes | None = None  # None when the frame had no data line (comment, blank, retry)


class SSEFrameSplitter:
    """Incremental SSE parser (WHATWG rules) that keeps each frame's raw bytes."""

    def __init__(self) -> None:
        self._buf = b""
        self._raw = bytearray()
        self._lines: list[bytes] = []
        self._started = False

    def feed(self, chunk: bytes) -> list[SSEFrame]:
        """Add bytes; return the frames completed by a blank line."""
        buf = self._buf + chunk
        if not self._started:
            if len(buf) < len(BOM) and BOM.startswith(buf):
                self._buf = buf
                return []
            self._started = True
            if buf.startswith(BOM):
                self._raw += BOM
                buf = buf[len(BOM) :]
        out: list[SSEFrame] = []
        pos = 0
        for m in _EOL.finditer(buf):
            if m.end() == len(buf) and m.group() == b"\r":
                break  # maybe the first half of a CRLF split across chunks
            line = buf[pos : m.start()]
            self._raw += buf[pos : m.end()]
            pos = m.end()
            if line:
                self._lines.append(line)
            else:
                out.append(self._dispatch())
        self._buf = buf[pos:]
        return out

    def finish(self) -> SSEFrame | None:
        """End of input: the last frame if it lacked its blank line (None if nothing pending)."""
        rest, self._buf = self._buf, b""
        for line in _EOL.split(rest):
            if line:
                self._lines.append(line)
        self._raw += rest
        if not self._raw:
            return None
        return self._dispatch()

    def _dispatch(self) -> SSEFrame:
        event = event_id = None
        data: list[bytes] = []
        for line in self._lines:
            if line.startswith(b":"):
                continue
            name, _, value = line.partition(b":")
            if value.startswith(b" "):
                value = value[1:]
            if name == b"data":
                data.append(value)
            elif name == b"event":
                event = value.decode("utf-8", "replace")
            elif name == b"id" and b"\0" not in value:
                event_id = value.decode("utf-8", "replace")
        frame = SSEFrame(bytes(self._raw), event, event_id, b"\n".join(data) if data else None)
        self._raw = bytearray()
        self._lines = []
        return frame


def format_event_id(timestamp_ms: int) -> bytes:
    """An EventStreams-style timestamp id (both data centres, like the live service)."""
    return (_ID_TEMPLATE % timestamp_ms).encode()


def parse_event_id(value: str) -> int:
    """The max ``timestamp`` (ms) in a Last-Event-ID JSON array; ValueError if there is none."""
    try:
        parts = orjson.loads(value)
    except orjson.JSONDecodeError:
        raise ValueError(f"Last-Event-ID is not a JSON array: {value[:200]!r}") from None
    stamps = [
        p["timestamp"]
        for p in (parts if isinstance(parts, list) else [])
        if isinstance(p, dict) and type(p.get("timestamp")) is int
    ]
    if not stamps:
        raise ValueError(f"Last-Event-ID has no timestamp entry: {value[:200]!r}")
    return max(stamps)


def parse_since(value: str) -> int:
    """``since`` as ms since the epoch: an integer of ms or an ISO-8601 date (UTC if naive)."""
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", text)  # a '+' that a query string turned into ' '
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"since={value!r} is neither milliseconds since the epoch nor an ISO-8601 date"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def parse_dt_ms(value: object) -> int | None:
    """An ISO-8601 ``meta.dt`` as ms since the epoch, or None."""
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int((dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp() * 1000)


@functools.lru_cache(maxsize=4096)  # loop replays format the same second many times
def format_dt(ms: int) -> str:
    """ms since the epoch as ``YYYY-MM-DDTHH:MM:SS[.mmm]Z`` (the live ``meta.dt`` style)."""
    dt = datetime.fromtimestamp(ms / 1000, UTC)
    frac = f".{ms % 1000:03d}" if ms % 1000 else ""
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def encode_frame(event: str, event_id: bytes, data: bytes) -> bytes:
    """One SSE frame in the EventStreams wire format (multi-line data -> several data lines)."""
    body = b"\ndata: ".join(data.split(b"\n"))
    return b"event: " + event.encode() + b"\nid: " + event_id + b"\ndata: " + body + b"\n\n"


class LoopTemplate:
    """A payload pre-split around ``meta.id``, ``meta.dt`` and ``timestamp`` for loop replays."""

    __slots__ = ("parts", "kinds", "orig_id", "dt_ms", "ts")

    def __init__(self, data: bytes) -> None:
        self.parts, self.kinds = [data], []
        self.orig_id, self.dt_ms, self.ts = "", 0, 0
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if not isinstance(obj, dict):
            return
        meta, n = obj.get("meta"), 0
        if isinstance(meta, dict):
            if isinstance(meta.get("id"), str):
                self.orig_id, meta["id"], n = meta["id"], "__wsreplay_id__", n + 1
            dt_ms = parse_dt_ms(meta.get("dt"))
            if dt_ms is not None:
                self.dt_ms, meta["dt"], n = dt_ms, "__wsreplay_dt__", n + 1
        if type(obj.get("timestamp")) is int:
            self.ts, obj["timestamp"], n = obj["timestamp"], "__wsreplay_ts__", n + 1
        try:
            pieces = _SENTINEL.split(orjson.dumps(obj))
        except orjson.JSONEncodeError:
            return
        if len(pieces) == 2 * n + 1:  # else a sentinel string was in the data: serve unchanged
            self.parts, self.kinds = pieces[0::2], pieces[1::2]

    def render(self, run: str, loop_no: int, offset_ms: int) -> bytes:
        """The payload in loop ``loop_no`` of server run ``run``: times shifted by ``offset_ms``,
        ``meta.id`` replaced by :func:`loop_event_id`."""
        if not self.kinds:
            return self.parts[0]
        out = [self.parts[0]]
        for kind, part in zip(self.kinds, self.parts[1:], strict=True):
            if kind == b"id":
                out.append(b'"%s"' % loop_event_id(self.orig_id, run, loop_no).encode())
            elif kind == b"dt":
                out.append(b'"%s"' % format_dt(self.dt_ms + offset_ms).encode())
            else:
                out.append(b"%d" % (self.ts + offset_ms // 1000))
            out.append(part)
        return b"".join(out)


def loop_event_id(orig_id: str, run: str, loop_no: int) -> str:
    """The ``meta.id`` of event ``orig_id`` in loop ``loop_no`` of server run ``run``.

    ``run`` (the server's start time) keeps ids distinct across server restarts too, so a
    pipeline that deduplicates on ``meta.id`` never drops a later run's loops. Equal to
    ``str(uuid.uuid5(_LOOP_NS, f"{orig_id}/{run}/{loop_no}"))``, computed 3x faster.
    """
    name = f"{orig_id}/{run}/{loop_no}".encode()
    h = bytearray(hashlib.sha1(_LOOP_NS.bytes + name).digest()[:16])
    h[6], h[8] = (h[6] & 0x0F) | 0x50, (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"
