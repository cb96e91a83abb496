"""Event hours (UTC): the unit of incremental work between bronze, silver and gold.

Every table is partitioned by the event's UTC ``event_date`` and ``event_hour``. An hour has one
string form, ``2018-03-07T16``, used in snapshot summaries (``wikistream.hours``), run tags and
``--hours`` arguments (lists are comma-separated: ``2018-03-07T16,2018-03-07T17``), and maps
to Dagster's hourly partition key ``2018-03-07-16:00``. The Spark predicate selecting hours is
in ``spark_jobs/hours.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple

# The first hour partition (Dagster's HOURLY and bronze's lower bound on event times): the
# bundled recordings start here. Settings may move it (WIKISTREAM_PARTITION_START).
PARTITION_START = date(2018, 3, 7)

# ``2018-03-07T16``, and what else names an hour: a partition key (``2018-03-07-16:00``), a
# timestamp (``2018-03-07 16:59:59.5``, ``2018-03-07T16:00:00Z``): the date and the hour count.
_HOUR = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})[T -](?P<hour>\d{1,2})(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"(?:Z|[+-]00:?00)?"
)


class Hour(NamedTuple):
    """One UTC hour partition. A tuple ``(date, hour)``, so it sorts and compares as one."""

    day: date
    hour: int

    @classmethod
    def parse(cls, text: str) -> Hour:
        """``2018-03-07T16`` (or a partition key or timestamp within the hour) -> Hour."""
        m = _HOUR.fullmatch(text.strip())
        try:
            if m is None:
                raise ValueError
            day = date.fromisoformat(m["day"])
        except ValueError:
            raise ValueError(
                f"hour {text!r} is not like 2018-03-07T16 (UTC date and hour)"
            ) from None
        hour = int(m["hour"])
        if not 0 <= hour <= 23:
            raise ValueError(f"hour {text!r}: the hour must be 00-23")
        return cls(day, hour)

    @classmethod
    def of(cls, moment: datetime) -> Hour:
        """The hour a (UTC) datetime falls in."""
        return cls(moment.date(), moment.hour)

    def __str__(self) -> str:
        return f"{self.day.isoformat()}T{self.hour:02d}"

    @property
    def partition_key(self) -> str:
        """Dagster's hourly partition key: ``2018-03-07-16:00``."""
        return f"{self.day.isoformat()}-{self.hour:02d}:00"

    @property
    def start(self) -> datetime:
        """The hour's first instant (naive, UTC)."""
        return datetime(self.day.year, self.day.month, self.day.day, self.hour)

    def shift(self, hours: int) -> Hour:
        return Hour.of(self.start + timedelta(hours=hours))


def parse_hour(text: str) -> Hour:
    return Hour.parse(text)


def parse_hours(values: Iterable[str] | None) -> list[Hour]:
    """Parse ``--hours`` values (each may be a comma-separated list); sorted, unique."""
    out = {Hour.parse(part) for v in values or () for part in v.split(",") if part.strip()}
    return sorted(out)


def format_hour(hour: tuple[date, int]) -> str:
    return str(Hour(*hour))


def format_hours(hours: Iterable[tuple[date, int]]) -> str:
    """The one list form Spark (``--hours``) and Dagster (run tags) share: ``T16,...T17``."""
    return ",".join(format_hour(h) for h in sorted(set(hours)))


def partition_key(hour: tuple[date, int]) -> str:
    """Dagster's hourly partition key of an hour: ``2018-03-07-16:00``."""
    return Hour(*hour).partition_key


def hour_start(hour: tuple[date, int]) -> datetime:
    return Hour(*hour).start


def shift(hour: tuple[date, int], hours: int) -> Hour:
    return Hour(*hour).shift(hours)
