"""Hour partitions (``event_date``, ``event_hour``): parsing, formatting, SQL predicates.

Every table is partitioned by the event's UTC date and hour, so "the affected hours" is the unit
of incremental work between silver and gold, and the key Dagster's hourly partitions map to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

Hour = tuple[date, int]

# The first hour partition (Dagster's HOURLY and bronze's lower bound on event times): the
# bundled recordings start here. Settings may move it (WIKISTREAM_PARTITION_START).
PARTITION_START = date(2018, 3, 7)


def parse_hour(text: str) -> Hour:
    """``2018-03-07T16`` (or ``2018-03-07-16``, ``2018-03-07T16:00``...) -> (date, 16)."""
    cleaned = text.strip().replace(" ", "T")
    try:
        day, hour = cleaned[:10], cleaned[11:13]
        parsed = (date.fromisoformat(day), int(hour))
    except ValueError:
        raise ValueError(f"hour {text!r} is not like 2018-03-07T16 (UTC date and hour)") from None
    if not 0 <= parsed[1] <= 23:
        raise ValueError(f"hour {text!r}: the hour must be 00-23")
    return parsed


def parse_hours(values: Iterable[str] | None) -> list[Hour]:
    """Parse ``--hours`` values (each may be a comma-separated list); sorted, unique."""
    out = {parse_hour(part) for v in values or () for part in v.split(",") if part.strip()}
    return sorted(out)


def format_hour(hour: Hour) -> str:
    return f"{hour[0].isoformat()}T{hour[1]:02d}"


def format_hours(hours: Iterable[Hour]) -> str:
    """The one list form Spark (``--hours``) and Dagster (run tags) share: ``T16,...T17``."""
    return ",".join(format_hour(h) for h in sorted(set(hours)))


def partition_key(hour: Hour) -> str:
    """Dagster's hourly partition key of an hour: ``2018-03-07-16:00``."""
    return f"{hour[0].isoformat()}-{hour[1]:02d}:00"


def hour_start(hour: Hour) -> datetime:
    return datetime(hour[0].year, hour[0].month, hour[0].day, hour[1])


def shift(hour: Hour, hours: int) -> Hour:
    moved = hour_start(hour) + timedelta(hours=hours)
    return moved.date(), moved.hour


def predicate(hours: Iterable[Hour], alias: str = "") -> str:
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


def time_range_predicate(first: Hour, last: Hour, alias: str = "") -> str:
    """Predicate for every hour from ``first`` to ``last`` inclusive (e.g. a trailing window)."""
    hours, current = [], first
    while current <= last:
        hours.append(current)
        current = shift(current, 1)
    return predicate(hours, alias)
