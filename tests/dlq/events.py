"""Dead letters as both writers make them, for the dlq tests."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

from producer_service import events
from producer_service.dedup import dlq_key
from producer_service.sse_parser import Frame

BASE = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "producer" / "valid_event.json").read_text()
)
SSE_URL = "https://stream.wikimedia.org/v2/stream/recentchange"


def event_bytes(event_id: str, pad: int = 0, **changes) -> bytes:
    """A recentchange event as the stream sends it (non-ASCII kept, so bytes must survive)."""
    e = copy.deepcopy(BASE)
    e["meta"]["id"] = event_id
    e["comment"] += "x" * pad
    e.update(changes)
    return json.dumps(e, ensure_ascii=False, indent=1).encode()


def producer_letter(
    data: bytes, reason: str | None = None, detail: str = "", event: str = "message"
) -> tuple[bytes, bytes]:
    """(key, value) exactly as the producer writes them; ``reason`` overrides today's verdict
    (a record dead-lettered under an older rule)."""
    frame = Frame(event, data, '[{"timestamp":1}]', len(data))
    verdict, _ = events.classify(frame, 1_000_000)
    if reason is not None:
        verdict = events.Verdict("dlq", reason, None, verdict.event_id, None, detail)
    assert verdict.action == "dlq"
    envelope = events.dead_letter(frame, verdict, source=SSE_URL, received_at=1_764_600_000.0)
    return dlq_key(verdict.event_id, data), envelope


def bronze_letter(raw: bytes, reason: str, detail: str, offset: int) -> tuple[bytes, bytes]:
    """(key, value) shaped like ``bronze.dead_letters``: Spark's to_json omits null fields."""
    utf8 = reason != "invalid_utf8"
    envelope = {
        "reason": reason,
        "detail": detail,
        "received_at": "2025-12-01T14:40:00.123456Z",
        "source": f"kafka://raw-events/0/{offset}",
        "kafka_topic": "raw-events",
        "kafka_partition": 0,
        "kafka_offset": offset,
        "kafka_timestamp": "2025-12-01T14:39:59.000Z",
        "batch_id": 7,
        "producer": "wikistream-bronze",
        "raw": raw.decode() if utf8 else base64.b64encode(raw).decode(),
        "raw_encoding": "utf-8" if utf8 else "base64",
        "raw_bytes": len(raw),
        "raw_truncated": False,
    }
    return f"raw-events-0-{offset}".encode(), json.dumps(envelope).encode()
