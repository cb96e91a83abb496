"""A byte-level Server-Sent Events parser that survives real-world input.

Handles LF, CRLF and CR line endings (also split across chunks), a UTF-8 BOM, comment lines,
``retry:`` fields, ids containing NUL (ignored, per the spec), frames larger than the limit
(reported as oversized instead of buffered without bound), and a stream that ends inside a
frame. As the WHATWG rule says, a frame is complete only at its blank line: an ``id:`` line
takes effect (``last_id``) only then, so a connection cut after the id line or inside the data
never moves the resume position past an event that did not arrive. The cut frame is returned
by :meth:`SSEParser.close` marked ``truncated`` (with no id) so that it can be counted.
Payloads stay bytes: decoding is the validator's job, so invalid UTF-8 is dead-lettered
rather than crashing the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
SAMPLE_BYTES = 64 * 1024  # what an oversized frame keeps for its dead letter


@dataclass(frozen=True, slots=True)
class Frame:
    """One dispatched SSE event."""

    event: str  # "message" unless the frame said otherwise
    data: bytes
    id: str | None  # the last event id as of this frame (persists across frames); None if cut
    size: int  # bytes of data received (> len(data) when oversized)
    oversized: bool = False
    truncated: bool = False  # the stream ended inside this frame: incomplete, never dispatched


class SSEParser:
    """Feed bytes, get frames. One parser per connection (``last_id`` may be carried over)."""

    def __init__(self, max_event_bytes: int = 1_000_000, last_id: str | None = None) -> None:
        self.max_event_bytes = max_event_bytes
        self.last_id = last_id  # changes only when a frame completes (blank line)
        self._id_buf = last_id  # the last ``id:`` field seen, pending until the blank line
        self.retry_ms: int | None = None
        self.comments = 0
        self._buf = b""
        self._skip_lf = False
        self._first = True
        self._discarding = False
        self._reset_frame()

    def _reset_frame(self) -> None:
        self._event = b""
        self._data: list[bytes] = []
        self._size = 0
        self._oversized = False

    def feed(self, chunk: bytes) -> list[Frame]:
        """Parse ``chunk``; return the frames it completed."""
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = False
        data = self._buf + chunk if self._buf else chunk
        if self._first and data:
            if len(data) < 3 and BOM.startswith(data):
                self._buf = data
                return []
            if data.startswith(BOM):
                data = data[3:]
            self._first = False
        if b"\r" in data:
            self._skip_lf = data.endswith(b"\r")
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = data.split(b"\n")
        self._buf = lines.pop()
        if self._discarding and lines:  # the end of a line already counted as oversized
            self._size += len(lines.pop(0))
            self._discarding = False
        if len(self._buf) > self.max_event_bytes + 1024:
            self._overflow()
        out: list[Frame] = []
        for line in lines:
            if line:
                self._line(line)
            else:
                frame = self._dispatch(truncated=False)
                if frame is not None:
                    out.append(frame)
        return out

    def _overflow(self) -> None:
        """An endless line: keep a sample, count the rest, never buffer it all."""
        if not self._oversized:
            sample = self._buf[:SAMPLE_BYTES]
            self._data.append(sample[6:] if sample.startswith(b"data: ") else sample)
        self._size += len(self._buf)
        self._oversized = True
        self._discarding = True
        self._buf = b""

    def _line(self, line: bytes) -> None:
        if line[0] == 58:  # b":" comment
            self.comments += 1
            return
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._size += len(value) + (1 if self._data else 0)
            if self._size > self.max_event_bytes:
                if not self._oversized:
                    joined = b"\n".join([*self._data, value])
                    self._data = [joined[:SAMPLE_BYTES]]
                self._oversized = True
            else:
                self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id":
            if b"\x00" not in value:
                self._id_buf = value.decode("utf-8", "replace")
        elif name == b"retry":
            if value.isdigit():
                self.retry_ms = int(value)
        # unknown field names are ignored, as the SSE spec says

    def _dispatch(self, truncated: bool) -> Frame | None:
        if not truncated:
            self.last_id = self._id_buf  # WHATWG: the id takes effect when the frame completes
        if not self._data and not self._oversized:
            self._reset_frame()
            return None
        event = self._event.decode("utf-8", "replace") or "message"
        data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        frame_id = None if truncated else self.last_id
        frame = Frame(event, data, frame_id, self._size, self._oversized, truncated)
        self._reset_frame()
        return frame

    def close(self) -> Frame | None:
        """End of stream: a frame without its blank line is incomplete (WHATWG: not dispatched).

        Returned marked ``truncated`` and without an id, so the caller can count it; ``last_id``
        stays at the last complete frame. A cut id/event line alone is not an event at all.
        """
        if self._buf.startswith(b"data"):
            self._line(self._buf)
        self._buf = b""
        self._id_buf = self.last_id
        return self._dispatch(truncated=True)
