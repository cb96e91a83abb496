"""The Last-Event-ID to resume with: the saved KafkaSSE id, rewound so that nothing is skipped.

EventStreams (KafkaSSE with timestamp ids) sends, per topic-partition, either
``{"topic", "partition", "timestamp": msg_ts + 1}`` once a message of it was sent on the
connection, or the connection's assignment ``{"topic", "partition", "offset": N}`` (-1 = latest).
On ``Last-Event-ID`` it seeks every listed partition to the first message with timestamp >= the
given one. Sent unchanged, that skips the rest of a whole-second timestamp, any later message
with an earlier timestamp, and (for ``offset: -1``) everything the partition got meanwhile. So
each timestamp goes back by a margin, ``offset: -1`` becomes a timestamp from the time of the
last saved event, and the duplicates that brings back are dropped by meta.id downstream.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import orjson


@dataclass(frozen=True, slots=True)
class ResumeId:
    """What to send, and why (for the log): ``rewound`` is False when sent unchanged."""

    header: str | None
    rewound: bool
    note: str


def rewind_id(saved_id: str | None, saved_at: float | None, rewind_s: float) -> ResumeId:
    """Rewrite a saved KafkaSSE id for ``Last-Event-ID``.

    ``saved_at`` (epoch seconds) is the wall-clock time the saved event was received; it anchors
    ``offset: -1`` entries only when the id carries no timestamp. Entries with ``offset >= 0``
    are exact positions and stay. A legacy or non-array id is sent unchanged.
    """
    if not saved_id:
        return ResumeId(None, False, "no saved id")
    try:
        entries = orjson.loads(saved_id)
    except orjson.JSONDecodeError:
        return ResumeId(saved_id, False, "id is not JSON (legacy format): sent unchanged")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return ResumeId(saved_id, False, "id is not a KafkaSSE array of objects: sent unchanged")
    margin = round(rewind_s * 1000)
    stamps = [e["timestamp"] for e in entries if _is_int(e.get("timestamp"))]
    anchor = max(stamps) if stamps else (round(saved_at * 1000) if saved_at else None)
    out, changed, latest_kept = [], 0, 0
    for e in entries:
        if _is_int(e.get("timestamp")):
            out.append({**e, "timestamp": max(0, e["timestamp"] - margin)})
            changed += 1
        elif _is_int(e.get("offset")) and e["offset"] < 0 and anchor is not None:
            rest = {k: v for k, v in e.items() if k != "offset"}
            out.append({**rest, "timestamp": max(0, anchor - margin)})
            changed += 1
        else:
            latest_kept += _is_int(e.get("offset")) and e["offset"] < 0
            out.append(e)
    if not changed:
        return ResumeId(saved_id, False, "id has no timestamp entry to rewind: sent unchanged")
    note = f"{changed} of {len(entries)} entries rewound by {margin} ms"
    if latest_kept:
        note += f"; {latest_kept} 'latest' entries kept (no event time known)"
    return ResumeId(orjson.dumps(out).decode(), True, note)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def advance(prev: str | None, new: str | None) -> str | None:
    """The position after an event whose id is ``new``: per topic-partition never behind ``prev``.

    After a rewound resume the re-sent events carry older timestamps, and a partition not sent
    yet on a connection shows its (rewound) assignment; a partition the server left out of an id
    would never be consumed again. So a timestamp entry only moves forward, an assignment does
    not replace a timestamp, and partitions missing from ``new`` keep their ``prev`` entry.
    """
    if not new or not prev or new == prev:
        return new or prev
    old, cur = _parsed(prev), _parsed(new)  # ``prev`` was last call's ``new``: cached
    if old is None or cur is None or _ahead(old, cur):
        return new
    kept = {(e.get("topic"), e.get("partition")): e for e in old}
    out, changed = [], False
    for e in cur:
        o = kept.pop((e.get("topic"), e.get("partition")), None)
        if o is not None and _is_int(o.get("timestamp")):
            ts = e.get("timestamp")
            if not _is_int(ts) or ts < o["timestamp"]:
                e, changed = o, True
        out.append(e)
    if kept:
        out.extend(kept.values())
        changed = True
    return orjson.dumps(out).decode() if changed else new


def _ahead(old: list[dict], cur: list[dict]) -> bool:
    """Fast path (every frame): the same partitions in the same order, none moved back."""
    if len(old) != len(cur):
        return False
    for o, e in zip(old, cur, strict=True):
        if o.get("topic") != e.get("topic") or o.get("partition") != e.get("partition"):
            return False
        ot = o.get("timestamp")
        if ot is not None:
            et = e.get("timestamp")
            if type(et) is not int or type(ot) is not int or et < ot:
                return False
    return True


@functools.lru_cache(maxsize=8)
def _parsed(sse_id: str) -> list[dict] | None:
    """A KafkaSSE id's entries (read-only: cached), or None for another kind of id."""
    try:
        value = orjson.loads(sse_id)
    except orjson.JSONDecodeError:
        return None
    ok = isinstance(value, list) and value and all(isinstance(e, dict) for e in value)
    return value if ok else None
