"""What the pipeline relies on in an event: validation, keying, dead-letter envelopes.

Guided by Wikimedia's recentchange schema (1.0.x and the 2018 envelope): only ``meta`` is
required there; we also require what bronze needs to key, time and partition an event.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from producer_service import event_limits as L
from producer_service.sse_parser import Frame

KNOWN_TYPES = frozenset(L.EVENT_TYPES)
DLQ_SAMPLE_BYTES = 64 * 1024

# optional field -> accepted types (bool is checked apart, since bool is an int in Python)
_INT, _STR, _BOOL, _OBJ = (int,), (str,), (bool,), (dict,)
_OPTIONAL = {
    "namespace": _INT,
    "title": _STR,
    "user": _STR,
    "bot": _BOOL,
    "minor": _BOOL,
    "patrolled": _BOOL,
    "timestamp": _INT,
    "comment": _STR,
    "server_name": _STR,
    "length": _OBJ,
    "revision": _OBJ,
    "log_type": _STR,
    "log_action": _STR,
}
_NULLABLE_INT = ("id", "log_id")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one frame: ``raw`` (produce), ``dlq`` (dead-letter) or ``filter``."""

    action: str
    reason: str = ""
    key: bytes | None = None
    event_id: str | None = None
    dt: str | None = None
    detail: str = ""


def _bad(reason: str, detail: str = "", key: str | None = None) -> Verdict:
    return Verdict("dlq", reason, key.encode() if key else None, key, None, detail)


def _type_ok(value, types: tuple) -> bool:
    if types is _BOOL:
        return isinstance(value, bool)
    if types is _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, types)


def _check_pair(event: dict, name: str) -> str | None:
    obj = event.get(name)
    if obj is None:
        return None
    for side in ("old", "new"):
        v = obj.get(side)
        if v is not None and not _type_ok(v, _INT):
            return f"{name}.{side}"
    return None


def _int_range(event: dict) -> str | None:
    """Why an integer bronze types would not fit its column or makes no sense (None if fine)."""
    for name in ("id", "log_id", "timestamp", "namespace"):
        value = event.get(name)
        low, high, bits = (
            (L.INT32_MIN, L.INT32_MAX, 32)
            if name == "namespace"
            else (L.INT64_MIN, L.INT64_MAX, 64)
        )
        if value is not None and not low <= value <= high:
            return f"{name} is outside the {bits}-bit integer range"
    for pair in ("length", "revision"):
        for side in ("old", "new"):
            value = (event.get(pair) or {}).get(side)
            if value is not None and not 0 <= value <= L.INT64_MAX:
                return f"{pair}.{side}={value} is negative or outside the 64-bit integer range"
    return None


def _time_range(event: dict, dt: datetime, now: float) -> str | None:
    """Why the event time is implausible (None if fine): both meta.dt and timestamp are checked."""
    if not L.in_window(dt.timestamp(), now):
        return f"meta.dt={event['meta']['dt'][:40]} is outside {L.WINDOW_TEXT}"
    ts = event.get("timestamp")
    if ts is not None and not L.in_window(ts, now):
        return f"timestamp={ts} is outside {L.WINDOW_TEXT}"
    return None


def classify(
    frame: Frame, max_event_bytes: int, now: float | None = None
) -> tuple[Verdict, dict | None]:
    """Decide the fate of a frame; returns the verdict and the parsed event (if any).

    ``now`` (Unix seconds, default the clock) bounds the plausible event time.
    """
    if frame.event != "message":
        return _bad("unexpected_event_type", f"SSE event type {frame.event!r}"), None
    if frame.oversized or frame.size > max_event_bytes:
        return _bad("oversized", f"{frame.size} bytes > limit {max_event_bytes}"), None
    try:
        event = orjson.loads(frame.data)
    except orjson.JSONDecodeError as exc:
        if frame.truncated:
            return _bad("truncated_frame", "stream ended inside this frame"), None
        try:
            frame.data.decode("utf-8")
        except UnicodeDecodeError:
            return _bad("invalid_utf8", str(exc)), None
        return _bad("invalid_json", str(exc)), None
    if not isinstance(event, dict):
        return _bad("not_an_object", f"JSON {type(event).__name__}"), None
    # What Spark's JSON reader rejects (and orjson reads) would fail bronze's parse
    if L.json_depth_exceeds(event):
        return _bad("invalid_json", f"nested deeper than {L.MAX_JSON_DEPTH} levels"), None
    if L.has_overlong_number(frame.data):
        return _bad("invalid_json", f"a number longer than {L.MAX_NUMBER_CHARS} characters"), None
    meta = event.get("meta")
    if not isinstance(meta, dict):
        return _bad("missing_field", "meta"), event
    eid = meta.get("id")
    if not isinstance(eid, str) or not eid:
        return _bad("missing_field" if eid is None else "wrong_type", "meta.id"), event
    domain = meta.get("domain")
    if domain == "canary":
        return Verdict("filter", "canary", None, eid, meta.get("dt")), event
    dt = meta.get("dt")
    if not isinstance(dt, str):
        return _bad("missing_field" if dt is None else "wrong_type", "meta.dt", eid), event
    parsed_dt = L.parse_dt(dt)
    if parsed_dt is None:
        return _bad("invalid_value", f"meta.dt={dt[:40]!r} is not RFC 3339", eid), event
    if not isinstance(domain, str):
        return _bad("missing_field" if domain is None else "wrong_type", "meta.domain", eid), event
    etype = event.get("type")
    if not isinstance(etype, str):
        return _bad("missing_field" if etype is None else "wrong_type", "type", eid), event
    if etype not in KNOWN_TYPES:
        return _bad("invalid_value", f"type={etype[:40]!r}", eid), event
    wiki = event.get("wiki")
    if not isinstance(wiki, str) or not wiki:
        return _bad("missing_field" if wiki is None else "wrong_type", "wiki", eid), event
    for name, types in _OPTIONAL.items():
        value = event.get(name)
        if value is not None and not _type_ok(value, types):
            return _bad("wrong_type", name, eid), event
    for name in _NULLABLE_INT:
        value = event.get(name)
        if value is not None and not _type_ok(value, _INT):
            return _bad("wrong_type", name, eid), event
    for name in ("length", "revision"):
        field = _check_pair(event, name)
        if field:
            return _bad("wrong_type", field, eid), event
    problem = _int_range(event) or _time_range(
        event, parsed_dt, time.time() if now is None else now
    )
    if problem:
        return _bad("invalid_value", problem, eid), event
    return Verdict("raw", "", eid.encode(), eid, dt), event


def dead_letter(frame: Frame, verdict: Verdict, *, source: str, received_at: float) -> bytes:
    """The DLQ envelope: why, where from, when, and the raw bytes (base64 if not UTF-8)."""
    raw = frame.data[:DLQ_SAMPLE_BYTES]
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(raw).decode(), "base64"
    return orjson.dumps(
        {
            "reason": verdict.reason,
            "detail": verdict.detail,
            "event_id": verdict.event_id,
            "sse_id": frame.id,
            "sse_event": frame.event,
            "received_at": datetime.fromtimestamp(received_at, UTC).isoformat(),
            "source": source,
            "producer": "wikistream-producer",
            "raw": text,
            "raw_encoding": encoding,
            "raw_bytes": frame.size,
            "raw_truncated": frame.size > len(raw),
        }
    )
