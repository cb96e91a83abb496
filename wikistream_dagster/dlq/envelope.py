"""One dead letter as read back from ``dlq-events``, whichever writer made it.

The producer's envelope (``producer_service.events.dead_letter``) and bronze's
(``spark_jobs.transforms.bronze.dead_letters``) share ``reason``, ``detail``, ``event_id``,
``received_at``, ``source``, ``producer`` and the raw payload fields; only the producer has
``sse_id``/``sse_event``, only bronze has ``kafka_*`` and ``batch_id``. Spark's ``to_json``
leaves out null fields, so every field is optional here.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

# the envelope's ``producer`` field -> the writer's short name
WRITERS = {"wikistream-producer": "producer", "wikistream-bronze": "bronze"}
UNREADABLE = "unreadable_envelope"  # the reason shown for a record that is not an envelope
# Why a payload cannot be re-driven: cut at the DLQ sample limit or by the stream, or not decodable
TRUNCATED, UNDECODABLE = "truncated", "undecodable"
# What ``show`` lists for one record, in this order: where it is, who wrote it and why.
SUMMARY_FIELDS = tuple("partition offset key writer reason detail source received_at".split())


@dataclass(frozen=True)
class DeadLetter:
    """The fields of one envelope that inspection and re-drive need, plus its DLQ position."""

    partition: int
    offset: int
    timestamp_ms: int
    key: str
    writer: str
    reason: str
    detail: str = ""
    event_id: str | None = None
    source: str = ""
    received_at: str = ""
    sse_event: str = "message"
    raw: str | None = None
    raw_encoding: str = ""
    raw_bytes: int | None = None
    raw_truncated: bool = False

    def received(self) -> datetime:
        """When the writer dead-lettered it (``received_at``; else the Kafka record time)."""
        try:
            when = datetime.fromisoformat(self.received_at)
            return when if when.tzinfo else when.replace(tzinfo=UTC)
        except ValueError:
            return datetime.fromtimestamp(max(self.timestamp_ms, 0) / 1000, UTC)

    def payload(self) -> tuple[bytes | None, str]:
        """The original bytes and ``""``, or None and why they are not complete.

        A sample cut at the DLQ limit, a frame the stream cut (``truncated_frame``) or a size
        that disagrees with ``raw_bytes`` is incomplete: re-driving it would publish a part.
        """
        if self.raw_truncated or self.reason == "truncated_frame":
            return None, TRUNCATED
        if not isinstance(self.raw, str):
            return None, UNDECODABLE
        try:
            if self.raw_encoding == "utf-8":
                data = self.raw.encode("utf-8")
            elif self.raw_encoding == "base64":
                data = base64.b64decode(self.raw, validate=True)
            else:
                return None, UNDECODABLE
        except (UnicodeEncodeError, binascii.Error):
            return None, UNDECODABLE
        if self.raw_bytes is not None and self.raw_bytes != len(data):
            return None, TRUNCATED
        return data, ""

    def summary(self) -> dict:
        """What ``show`` lists for one record (no payload)."""
        return {name: getattr(self, name) for name in SUMMARY_FIELDS}


def _text(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def parse_record(
    key: bytes | None, value: bytes | None, partition: int, offset: int, timestamp_ms: int
) -> DeadLetter:
    """Read one ``dlq-events`` record; a value that is no envelope becomes ``unreadable``."""
    where = {
        "partition": partition,
        "offset": offset,
        "timestamp_ms": timestamp_ms,
        "key": (key or b"").decode("utf-8", "replace"),
    }
    try:
        env = orjson.loads(value or b"")
    except orjson.JSONDecodeError as exc:
        return DeadLetter(**where, writer="unknown", reason=UNREADABLE, detail=str(exc)[:200])
    if not isinstance(env, dict) or not isinstance(env.get("reason"), str):
        return DeadLetter(
            **where, writer="unknown", reason=UNREADABLE, detail="not a JSON object with a reason"
        )
    writer = _text(env.get("producer"), "unknown")
    size = env.get("raw_bytes")
    return DeadLetter(
        **where,
        writer=WRITERS.get(writer, writer),
        reason=env["reason"],
        detail=_text(env.get("detail")),
        event_id=env.get("event_id") if isinstance(env.get("event_id"), str) else None,
        source=_text(env.get("source")),
        received_at=_text(env.get("received_at")),
        sse_event=_text(env.get("sse_event"), "message") or "message",
        raw=env.get("raw") if isinstance(env.get("raw"), str) else None,
        raw_encoding=_text(env.get("raw_encoding")),
        raw_bytes=size if isinstance(size, int) and not isinstance(size, bool) else None,
        raw_truncated=env.get("raw_truncated") is True,
    )


@dataclass(frozen=True)
class Selection:
    """Which dead letters a command acts on: empty sets and None select everything."""

    reasons: frozenset[str] = frozenset()
    writers: frozenset[str] = frozenset()
    since: datetime | None = None

    def matches(self, letter: DeadLetter) -> bool:
        return (
            (not self.reasons or letter.reason in self.reasons)
            and (not self.writers or letter.writer in self.writers)
            and (self.since is None or letter.received() >= self.since)
        )

    def describe(self) -> dict:
        return {
            "reasons": sorted(self.reasons),
            "writers": sorted(self.writers),
            "since": self.since.isoformat() if self.since else None,
        }


def parse_since(text: str) -> datetime:
    """``--since``: ISO-8601, UTC when no zone is given; a clear error otherwise."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            f"--since {text!r} is not ISO-8601: use e.g. 2026-12-01T20:00:00Z"
        ) from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)
