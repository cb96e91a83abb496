"""Streaming query progress: wait for a query while keeping every batch's progress report.

Spark keeps only the last few progress reports; throughput figures need all of them.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql.streaming import StreamingQuery


def await_with_progress(query: StreamingQuery, poll_s: float = 2.0) -> list[dict[str, Any]]:
    """Wait for the query to end, keeping every batch's progress (Spark keeps only the last
    few); ``events_per_s`` is computed from them: records over batch execution time."""
    seen: dict[int, dict[str, Any]] = {}
    while True:
        done = query.awaitTermination(poll_s)
        for p in query.recentProgress:
            if p["numInputRows"] or p["batchId"] not in seen:
                seen[p["batchId"]] = p
        if done or not query.isActive:
            break
    if query.exception() is not None:
        raise RuntimeError(f"streaming query {query.name} failed: {query.exception()}")
    return [seen[k] for k in sorted(seen)]


def rate(progress: list[dict[str, Any]]) -> float | None:
    """Records per second of batch execution (None without batches); used without the first
    batch, which pays the JVM's warm-up, to show the rate of a stream that has been running."""
    busy = busy_seconds(progress)
    return round(sum(p["numInputRows"] for p in progress) / busy, 1) if busy else None


def busy_seconds(progress: list[dict[str, Any]]) -> float:
    """Seconds the query spent executing batches (triggers), start-up excluded."""
    return sum(p["durationMs"].get("triggerExecution", 0) for p in progress) / 1000


def after_first_batch(progress: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The batches with data after the first one (which pays the JVM's warm-up)."""
    return [p for p in progress if p["numInputRows"]][1:]
