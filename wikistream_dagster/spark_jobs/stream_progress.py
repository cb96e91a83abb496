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


def busy_seconds(progress: list[dict[str, Any]]) -> float:
    """Seconds the query spent executing batches (triggers), start-up excluded."""
    return sum(p["durationMs"].get("triggerExecution", 0) for p in progress) / 1000


def batch_progress(progress: list[dict[str, Any]]) -> list[tuple[int, float]]:
    """``(records, execution seconds)`` of each batch with data, in order."""
    return [
        (p["numInputRows"], p["durationMs"].get("triggerExecution", 0) / 1000)
        for p in progress
        if p["numInputRows"]
    ]
