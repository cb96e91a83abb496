"""Hour partitions in Spark SQL: the predicate selecting exactly some hours.

The hour itself (its string form, partition key, parsing) is the contract in
``contracts/hours.py``; it is re-exported here so the jobs keep one ``H`` namespace.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from wikistream_dagster.contracts.hours import (
    PARTITION_START,
    Hour,
    format_hour,
    format_hours,
    hour_start,
    parse_hour,
    parse_hours,
    shift,
)

__all__ = [
    "PARTITION_START",
    "Hour",
    "format_hour",
    "format_hours",
    "hour_start",
    "parse_hour",
    "parse_hours",
    "predicate",
    "shift",
    "time_range_predicate",
]


def predicate(hours: Iterable[tuple[date, int]], alias: str = "") -> str:
    """SQL predicate selecting exactly ``hours`` (prunes Iceberg partitions), grouped by day."""
    prefix = f"{alias}." if alias else ""
    by_day: dict[date, set[int]] = {}
    for day, hour in hours:
        by_day.setdefault(day, set()).add(hour)
    if not by_day:
        return "false"
    terms = [
        f"({prefix}event_date = DATE'{day.isoformat()}' AND {prefix}event_hour IN "
        f"({', '.join(str(h) for h in sorted(hs))}))"
        for day, hs in sorted(by_day.items())
    ]
    return "(" + " OR ".join(terms) + ")"


def time_range_predicate(first: tuple[date, int], last: tuple[date, int], alias: str = "") -> str:
    """Predicate for every hour from ``first`` to ``last`` inclusive (e.g. a trailing window)."""
    hours, current = [], first
    while current <= last:
        hours.append(current)
        current = shift(current, 1)
    return predicate(hours, alias)
