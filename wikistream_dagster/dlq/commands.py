"""The two ``wikistream dlq`` commands: read the topic, act, and say what happened."""

from __future__ import annotations

from collections import Counter
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
from wikistream_dagster.dlq.show import ShowResult, counted_line, show_lines, summarize


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
        counted_line(result.dlq_topic, result.records, result.selected),
        _tally(f"{verb} to {result.raw_topic}", result.redriven, result.redriven_by_writer),
        _tally("still invalid", sum(result.still_invalid.values()), result.still_invalid),
        _tally("skipped, payload incomplete", sum(result.skipped.values()), result.skipped),
    ]
    said_if_any = {
        "filtered (never data)": _pairs(result.filtered),
        "same meta.id again (sent once)": result.duplicates,
    }
    lines += [f"  {label}: {value}" for label, value in said_if_any.items() if value]
    lines += [
        f"  {r['partition']}/{r['offset']} key={r['key']} was {r['was']}; now "
        + ("still invalid: " if r["verdict"] == "dlq" else "filtered: ")
        + r["now"]
        for r in result.rejected
    ]
    notes = [NOTE, BRONZE_NOTE if result.redriven_by_writer.get("bronze") else ""]
    lines += [f"  note: {note}" for note in notes if note]
    if result.dry_run:
        lines.append("  dry run: nothing was written")
    return lines


def _tally(label: str, total: int, counts: Counter) -> str:
    """``  label: total``, with the counts behind it when there are any."""
    return f"  {label}: {total}" + (f" ({_pairs(counts)})" if total else "")


def _pairs(counts: Counter) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))


__all__ = ["Target", "redrive_lines", "run_redrive", "show", "show_lines"]
