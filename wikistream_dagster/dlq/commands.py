"""The two ``wikistream dlq`` commands: read the topic, act, and say what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wikistream_dagster.dlq.envelope import Selection
from wikistream_dagster.dlq.reader import read_dead_letters, topic_partitions
from wikistream_dagster.dlq.redrive import (
    BRONZE_NOTE,
    NOTE,
    RawSender,
    RedriveResult,
    producer_config,
    redrive,
)
from wikistream_dagster.dlq.show import ShowResult, show_lines, summarize


@dataclass(frozen=True)
class Target:
    """Which cluster and topics: the local broker by default, or ``--bootstrap``."""

    bootstrap: str
    dlq_topic: str
    raw_topic: str
    client_conf: dict[str, Any] | None = None


def show(target: Target, selection: Selection, limit: int) -> ShowResult:
    """Counts per (writer, reason) and the latest ``limit`` selected dead letters."""
    letters = read_dead_letters(target.bootstrap, target.dlq_topic, target.client_conf)
    return summarize(letters, target.dlq_topic, selection, limit)


def run_redrive(
    target: Target, selection: Selection, max_event_bytes: int, dry_run: bool
) -> RedriveResult:
    """Re-drive what passes today's producer rules; a dry run only counts."""
    result = RedriveResult(target.dlq_topic, target.raw_topic, dry_run)
    letters = read_dead_letters(target.bootstrap, target.dlq_topic, target.client_conf)
    if dry_run:
        return redrive(letters, result, selection, max_event_bytes, None)
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(
        {"bootstrap.servers": target.bootstrap, "log_level": 0, **(target.client_conf or {})}
    )
    topic_partitions(admin, target.bootstrap, target.raw_topic)  # fail before reading, not after
    sender = RawSender(producer_config(target.bootstrap, target.client_conf), target.raw_topic)
    try:
        redrive(letters, result, selection, max_event_bytes, sender.send)
    except BaseException:
        sender.sink.flush(10)  # what was sent still lands; the error says to run again
        raise
    result.redriven = sender.finish()
    return result


def redrive_lines(result: RedriveResult) -> list[str]:
    """The human-readable report of a re-drive."""
    verb = "would re-drive" if result.dry_run else "re-driven"
    lines = [
        f"{result.dlq_topic}: {result.records} dead letters, {result.selected} selected",
        f"  {verb} to {result.raw_topic}: {result.redriven}"
        + (f" ({_pairs(result.redriven_by_writer)})" if result.redriven else ""),
        f"  still invalid: {sum(result.still_invalid.values())}"
        + (f" ({_pairs(result.still_invalid)})" if result.still_invalid else ""),
        f"  skipped, payload incomplete: {sum(result.skipped.values())}"
        + (f" ({_pairs(result.skipped)})" if result.skipped else ""),
    ]
    if result.filtered:
        lines.append(f"  filtered (never data): {_pairs(result.filtered)}")
    if result.duplicates:
        lines.append(f"  same meta.id again (sent once): {result.duplicates}")
    for r in result.rejected:
        lines.append(
            f"  {r['partition']}/{r['offset']} key={r['key']} was {r['was']}; now "
            + ("still invalid: " if r["verdict"] == "dlq" else "filtered: ")
            + r["now"]
        )
    lines.append(f"  note: {NOTE}")
    if result.redriven_by_writer.get("bronze"):
        lines.append(f"  note: {BRONZE_NOTE}")
    if result.dry_run:
        lines.append("  dry run: nothing was written")
    return lines


def _pairs(counts) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))


__all__ = ["Target", "redrive_lines", "run_redrive", "show", "show_lines"]
