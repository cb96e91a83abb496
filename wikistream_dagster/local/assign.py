"""Where a replay connection starts: KafkaSSE's assignment resolution against a Timeline.

Mirrors ``KafkaSSE._init`` and ``utils.buildAssignmentsAsync``/``assignmentsForTimesAsync``:

- a fresh connection is assigned every partition at ``offset: -1`` (the twin starts a finite
  recording at its beginning, a loop at the present, but the ids say ``-1`` like the live ones);
- ``?since=t`` assigns every partition at ``timestamp: t``;
- a ``Last-Event-ID`` assigns ONLY the partitions it lists; topic-name entries mean every
  partition of the topic (at ``since`` or ``-1``);
- timestamp entries are resolved with offsetsForTimes (first offset whose timestamp >= t, -1 if
  none; ``-1``/``-2`` mean latest/earliest); offset ``-1`` is the end at connect time, ``-2``
  the beginning, an offset past the end is the end (``auto.offset.reset``);
- when any entry needs resolving, the resolved entries follow the offset entries (the id's
  entry order changes) and entries with both ``offset`` and ``timestamp`` are dropped, as
  ``assignmentsForTimesAsync`` does.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from wikistream_dagster.local.event_ids import (
    InvalidAssignmentError,
    TopicNotAvailableError,
    parse_event_id,
)
from wikistream_dagster.local.timeline import PARTITIONS, Timeline, offset_entry


@dataclass
class Plan:
    """The id entries (partition -> entry bytes, in id order) and where each consumed partition
    starts: (position, next injected event); only eqiad uses the second value."""

    frags: dict[int, bytes] = field(default_factory=dict)
    starts: dict[int, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Want:
    part: int
    offset: int | None
    timestamp: int | None
    has_offset: bool
    has_timestamp: bool


def _latest(tl: Timeline, part: int) -> tuple[int, int]:
    lo, hi = tl.bounds(part)
    p = max(lo, min(tl.produced_end(), hi))
    return p, (bisect.bisect_right(tl.inj_before, p) if part == 0 else 0)


def offset_for_time(tl: Timeline, part: int, t: int) -> int:
    """Kafka offsetsForTimes on one partition: an offset, or -1 when no message is that late."""
    ends = tl.end_offsets()
    if t == -1:
        return ends[PARTITIONS[part][0]]
    if t == -2:
        return 0
    lo, hi = tl.bounds(part)
    p = tl.first_at_or_after(lo, hi, t)
    if part != 0:
        return -1 if p is None else p - lo
    cands = [p + bisect.bisect_right(tl.inj_before, p)] if p is not None else []  # base p
    cands += [tl.injected_offset(j) for j, inj in enumerate(tl.injected) if inj.kafka_ms >= t][:1]
    return min(cands) if cands else -1


def cursor(tl: Timeline, part: int, offset: int) -> tuple[int, int]:
    """Where consuming ``part`` from ``offset`` starts (Kafka's logical offsets included)."""
    if offset == -2:
        return tl.bounds(part)[0], 0
    if offset < 0 or offset > tl.end_offsets()[PARTITIONS[part][0]]:
        return _latest(tl, part)
    if part == 0:
        return tl.seek_eqiad(offset)
    return tl.bounds(part)[0] + offset, 0


def _wants(tl: Timeline, last_event_id: str, since: int | None) -> list[_Want]:
    topics = {t for t, _ in PARTITIONS}
    out = []
    for e in parse_event_id(last_event_id):
        if e.topic not in topics:
            raise TopicNotAvailableError(
                f"Topics {e.topic} are not available for consumption. "
                f"Available: {', '.join(sorted(topics))}"
            )
        if e.partition is None:  # a topic name: all its partitions
            for part, (t, _) in enumerate(PARTITIONS):
                if t == e.topic:
                    out.append(_Want(part, -1, since, since is None, since is not None))
            continue
        if (e.topic, e.partition) not in PARTITIONS:
            raise InvalidAssignmentError(
                f"{e.topic} has no partition {e.partition} (it has partition 0 only)"
            )
        part = PARTITIONS.index((e.topic, e.partition))
        out.append(_Want(part, e.offset, e.timestamp, e.has_offset, e.has_timestamp))
    return out


def plan_connection(tl: Timeline, last_event_id: str | None, since: int | None) -> Plan:
    """Resolve a connection's assignment; raises InvalidAssignmentError (400) or
    TopicNotAvailableError (404) like KafkaSSE."""
    plan = Plan()
    if last_event_id is None and since is None:
        for part in range(len(PARTITIONS)):
            plan.frags[part] = offset_entry(part, -1)
            plan.starts[part] = _latest(tl, part) if tl.loop else (tl.bounds(part)[0], 0)
        return plan
    if last_event_id is None:
        wants = [_Want(part, None, since, False, True) for part in range(len(PARTITIONS))]
    else:
        wants = _wants(tl, last_event_id, since)
    timed = [w for w in wants if w.has_timestamp and not w.has_offset]
    if timed:
        resolved = [
            (w.part, w.offset if w.offset is not None else -1)
            for w in wants
            if w.has_offset and not w.has_timestamp
        ]
        resolved += [(w.part, offset_for_time(tl, w.part, w.timestamp or 0)) for w in timed]
    else:
        resolved = [(w.part, w.offset if w.offset is not None else -1) for w in wants]
    for part, off in resolved:
        plan.frags[part] = offset_entry(part, off)  # a repeated partition keeps its place
        plan.starts[part] = cursor(tl, part, off)
    return plan
