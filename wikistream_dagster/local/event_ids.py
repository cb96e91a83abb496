"""KafkaSSE event ids (``Last-Event-ID``), as Wikimedia EventStreams writes and reads them.

Read from ``wikimedia/KafkaSSE`` (``lib/KafkaSSE.js``, ``lib/utils.js``). An id is a JSON array
with one entry per assigned topic-partition. Once a message of a partition was sent on the
connection its entry is ``{"topic","partition","timestamp": kafka_timestamp + 1}`` (EventStreams
sets ``useTimestampForId``); before that it is the connection's resolved assignment
``{"topic","partition","offset": N}`` (``-1`` = the end of the partition, "latest").

A ``Last-Event-ID`` is validated like ``utils.validateAssignments``: a non-empty array whose
entries are topic names (strings) or objects with a string ``topic``, an integer ``partition``
and an integer ``offset`` or ``timestamp``. Anything else is KafkaSSE's
``InvalidAssignmentError`` (HTTP 400).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

__all__ = [
    "CODFW",
    "EQIAD",
    "IdEntry",
    "InvalidAssignmentError",
    "TopicNotAvailableError",
    "entry_json",
    "format_event_id",
    "parse_event_id",
]

EQIAD = "eqiad.mediawiki.recentchange"
CODFW = "codfw.mediawiki.recentchange"


class InvalidAssignmentError(ValueError):
    """The Last-Event-ID is not a valid assignment list (KafkaSSE answers HTTP 400)."""

    status = 400


class TopicNotAvailableError(ValueError):
    """An assignment names a topic the server does not have (KafkaSSE answers HTTP 404)."""

    status = 404


@dataclass(frozen=True, slots=True)
class IdEntry:
    """One entry of a Last-Event-ID: a topic name alone (``partition`` None: every partition)
    or a topic-partition with ``offset`` and/or ``timestamp`` (the keys present in the JSON)."""

    topic: str
    partition: int | None = None
    offset: int | None = None
    timestamp: int | None = None
    has_offset: bool = False
    has_timestamp: bool = False


def _integer(value: object) -> int | None:
    """lodash ``_.isInteger``: JSON numbers without a fraction (``5.0`` too), never booleans."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def parse_event_id(value: str) -> list[IdEntry]:
    """Parse and validate a Last-Event-ID; InvalidAssignmentError says what is wrong."""
    try:
        parts = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise InvalidAssignmentError(
            f"Last-Event-ID is not JSON ({exc}): {value[:200]!r}; send the id of the last "
            "event received unchanged, or omit the header"
        ) from None
    shape = (
        "Must provide either an array topic names, or  an array of objects with topic, "
        f"partition and offset|timestamp. Got: {value[:200]!r}"
    )
    if not isinstance(parts, list) or not parts:
        raise InvalidAssignmentError(shape)
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(IdEntry(p))
            continue
        if not isinstance(p, dict) or not isinstance(p.get("topic"), str):
            raise InvalidAssignmentError(shape)
        partition, offset, ts = (_integer(p.get(k)) for k in ("partition", "offset", "timestamp"))
        if partition is None or (offset is None and ts is None):
            raise InvalidAssignmentError(shape)
        out.append(IdEntry(p["topic"], partition, offset, ts, "offset" in p, "timestamp" in p))
    return out


def entry_json(topic: str, partition: int, key: str, value: int) -> bytes:
    """One id entry as KafkaSSE serializes it (``JSON.stringify``: key order as built)."""
    return b'{"topic":"%s","partition":%d,"%s":%d}' % (
        topic.encode(),
        partition,
        key.encode(),
        value,
    )


def format_event_id(entries: Iterable[tuple[str, int, str, int]]) -> bytes:
    """An id from ``(topic, partition, "offset"|"timestamp", value)`` entries, in order."""
    return b"[" + b",".join(entry_json(*e) for e in entries) + b"]"
