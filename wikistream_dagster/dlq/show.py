"""``dlq show``: what the dead-letter topic holds, per writer and reason, and its latest records."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from wikistream_dagster.dlq.envelope import DeadLetter, Selection


@dataclass
class ShowResult:
    """Counts over the selected records and the ``limit`` latest of them (oldest first)."""

    topic: str
    records: int = 0
    selected: int = 0
    counts: Counter = field(default_factory=Counter)  # (writer, reason) -> records
    last: list[DeadLetter] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "topic": self.topic,
            "records": self.records,
            "selected": self.selected,
            "counts": [
                {"writer": w, "reason": r, "records": n}
                for (w, r), n in sorted(self.counts.items())
            ],
            "last": [letter.summary() for letter in self.last],
        }


def summarize(
    letters: Iterable[DeadLetter], topic: str, selection: Selection, limit: int
) -> ShowResult:
    """Count the selected dead letters by (writer, reason); keep the latest ``limit``."""
    result = ShowResult(topic)
    latest: list[tuple[tuple[int, int, int], DeadLetter]] = []  # min-heap on record time
    for letter in letters:
        result.records += 1
        if not selection.matches(letter):
            continue
        result.selected += 1
        result.counts[(letter.writer, letter.reason)] += 1
        if limit > 0:
            item = ((letter.timestamp_ms, letter.partition, letter.offset), letter)
            if len(latest) < limit:
                heapq.heappush(latest, item)
            elif item[0] > latest[0][0]:
                heapq.heapreplace(latest, item)
    result.last = [letter for _, letter in sorted(latest, key=lambda i: i[0])]
    return result


def counted_line(topic: str, records: int, selected: int) -> str:
    """The first line of both dlq reports: what the topic holds and what the filters chose."""
    return f"{topic}: {records} dead letters, {selected} selected"


def show_lines(result: ShowResult) -> list[str]:
    """The human-readable report."""
    lines = [counted_line(result.topic, result.records, result.selected)]
    if result.counts:
        lines.append(f"  {'writer':<10} {'reason':<24} records")
        for (writer, reason), n in sorted(result.counts.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {writer:<10} {reason:<24} {n}")
    if result.last:
        lines.append(f"latest {len(result.last)} (partition/offset, key, writer: reason: detail):")
        for d in result.last:
            lines.append(
                f"  {d.partition}/{d.offset} key={d.key} {d.writer}: {d.reason}: "
                f"{d.detail[:120]} [from {d.source or '?'} at {d.received_at or '?'}]"
            )
    return lines
