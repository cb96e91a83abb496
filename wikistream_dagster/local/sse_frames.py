"""The EventStreams SSE wire format: frame splitting, ``since``, frame encoding.

Ids (:func:`parse_event_id`, :func:`format_event_id`) live in ``event_ids`` and the payload
rewriting of loop replays in ``loop_payload``; the id functions are re-exported here."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from wikistream_dagster.local.event_ids import (  # noqa: F401 - re-exported
    CODFW,
    EQIAD,
    IdEntry,
    InvalidAssignmentError,
    format_event_id,
    parse_event_id,
)

BOM = b"\xef\xbb\xbf"
_EOL = re.compile(rb"\r\n|\r|\n")


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
