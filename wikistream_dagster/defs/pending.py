"""Which hours the medallion run must rebuild, from the tables' own snapshot summaries.

An hour is pending when its newest silver write is newer than its newest gold write on every
gold table (the silver snapshot a gold commit read tells which silver writes it includes). So a
run whose checks or gold fail leaves its hours pending and the next tick asks for them again.

Per-tick cost follows pending work, not table age: gold records ``silver-settled-id`` (every
silver write up to it is in gold) and only later silver snapshots, and the gold snapshots that
could cover them, are looked at. Pure functions over ``LakeReader.snapshots`` lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.contracts.hours import Hour

Snapshot = Mapping[str, Any]
CLOCK_SLACK_MS = 60_000  # writers' clocks differ: look at gold snapshots a minute older too


@dataclass(frozen=True)
class SilverState:
    """Silver writes gold has not settled yet, oldest first, and the hours still pending."""

    writes: list[tuple[int, list[str]]]  # (snapshot id, hours) after the settled pointer
    pending: set[str] = field(default_factory=set)
    settled_id: int | None = None  # the newest settled silver snapshot (None: none yet)
    head_id: int | None = None  # silver's current snapshot when the tick looked

    def settle_upto(self, blocked: Iterable[str]) -> int | None:
        """The silver snapshot gold may record as settled if this run's hours land: the newest
        one before the first write that touches a ``blocked`` hour (pending, not requested)."""
        blocked = set(blocked)
        settled = self.settled_id
        for snapshot_id, hours in self.writes:
            if blocked.intersection(hours):
                break
            settled = snapshot_id
        return settled if self.writes else self.head_id or self.settled_id


def _settled_position(gold: Iterable[Sequence[Snapshot]], position: dict[int, int]) -> int:
    """Position (in silver's list) of the oldest settled pointer among the gold tables."""
    marks = []
    for snaps in gold:
        mark = next(
            (
                s["summary"][S.SILVER_SETTLED]
                for s in reversed(snaps)
                if S.SILVER_SETTLED in s["summary"]
            ),
            None,
        )
        marks.append(position.get(int(mark), -1) if mark else -1)
    return min(marks, default=-1)


def _covered(snaps: Sequence[Snapshot], position: dict[int, int], since_ms: int) -> dict[str, int]:
    """Hour -> the newest silver position a gold commit of this table included for it."""
    covered: dict[str, int] = {}
    for snap in reversed(snaps):
        if snap["timestamp_ms"] < since_ms:
            break
        read = position.get(int(snap["summary"].get(S.SILVER_SNAPSHOT) or 0))
        if read is None:
            continue
        for hour in S.hour_list(snap["summary"]):
            covered[hour] = max(covered.get(hour, -1), read)
    return covered


def silver_state(silver: Sequence[Snapshot], gold: Mapping[str, Sequence[Snapshot]]) -> SilverState:
    """Compare silver's writes with every gold table's commits (snapshot lists, oldest first)."""
    position = {s["snapshot_id"]: i for i, s in enumerate(silver)}
    start = _settled_position(gold.values(), position)
    since_ms = silver[start]["timestamp_ms"] - CLOCK_SLACK_MS if start >= 0 else 0
    writes, newest = [], {}
    for i in range(start + 1, len(silver)):
        snap = silver[i]
        hours = S.hour_list(snap["summary"])
        if snap["operation"] == "replace" or not hours:  # compaction, or not a pipeline write
            continue
        writes.append((snap["snapshot_id"], hours))
        newest.update(dict.fromkeys(hours, i))
    covers = [_covered(snaps, position, since_ms) for snaps in gold.values()]
    pending = {h for h, i in newest.items() if any(c.get(h, -1) < i for c in covers)}
    return SilverState(
        writes=writes,
        pending=pending,
        settled_id=silver[start]["snapshot_id"] if start >= 0 else None,
        head_id=silver[-1]["snapshot_id"] if silver else None,
    )


def bronze_pointer(silver: Sequence[Snapshot]) -> int | None:
    """The bronze snapshot silver has processed up to (its newest incremental write)."""
    for snap in reversed(silver):
        if S.BRONZE_SNAPSHOT in snap["summary"]:
            return int(snap["summary"][S.BRONZE_SNAPSHOT])
    return None


def bronze_hours(new: Sequence[Snapshot]) -> set[str]:
    """Hours written by bronze snapshots (the batch's ``hours``, else its max event time)."""
    hours: set[str] = set()
    for snap in new:
        summary = snap["summary"]
        listed = S.hour_list(summary)
        hours.update(listed)
        if not listed and summary.get(S.MAX_EVENT_TIME):
            hours.add(_hour_of(summary[S.MAX_EVENT_TIME]))
    return hours


def _hour_of(timestamp: str) -> str:
    """The hour of bronze's ``max-event-time``; an unreadable one stays as it is (and is then
    reported as outside the partitions)."""
    try:
        return str(Hour.parse(timestamp))
    except ValueError:
        return timestamp
