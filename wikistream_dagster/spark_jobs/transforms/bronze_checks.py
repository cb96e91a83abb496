"""Per-record checks for bronze: the event time and why a record must be dead-lettered.

Nothing here may throw for any input, in either ANSI mode: a throw fails the whole micro-batch,
and every restart replays the same offsets (issue #10). So values are range-checked before any
conversion and casts are ``try_`` casts; the limits come from ``producer_service.event_limits``,
which the producer checks too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pyspark.sql import Column
from pyspark.sql import functions as F

import producer_service.event_limits as L

CORRUPT = "_corrupt_record"
# The LONG fields bronze types: a number out of range makes the whole record corrupt.
_LONG_PATHS = ("id", "timestamp", "namespace", "log_id") + tuple(
    f"{pair}.{side}" for pair in ("length", "revision") for side in ("old", "new")
)


def _lit_ts(seconds: int) -> Column:
    return F.timestamp_seconds(F.lit(seconds))


class EventTime:
    """The event time and its checks: ``timestamp`` (seconds) first, else ``meta.dt``.

    Both are range-checked before any conversion: ``timestamp_seconds`` overflows (and fails
    the batch) beyond +-2.9e5 years whatever the ANSI mode, and a plain cast of a malformed
    ``meta.dt`` fails the batch when spark.sql.ansi.enabled is on; try_to_timestamp never does.
    """

    def __init__(self, e: Column) -> None:
        now = F.unix_timestamp(F.current_timestamp())
        self.ts = e["timestamp"]
        self.dt_text = e["meta"]["dt"]
        ts_ok = self.ts.between(F.lit(L.EARLIEST_EVENT_SECONDS), now + L.MAX_FUTURE_SECONDS)
        self.ts_time = F.when(ts_ok, F.timestamp_seconds(self.ts))
        self.dt_parsed = F.try_to_timestamp(self.dt_text)
        latest = F.current_timestamp() + F.expr(f"INTERVAL {L.MAX_FUTURE_SECONDS} SECONDS")
        dt_ok = self.dt_parsed.between(_lit_ts(L.EARLIEST_EVENT_SECONDS), latest)
        self.dt_time = F.when(dt_ok, self.dt_parsed)  # meta_dt: null unless plausible
        self.event_time = F.when(self.ts.isNotNull(), self.ts_time).otherwise(self.dt_time)


def _long_out_of_range(text: Column) -> Column:
    """The first LONG field whose JSON number does not fit 64 bits (null if none).

    Compared as digit strings: a cast to a wider type would itself throw under ANSI mode.
    """
    found = None
    for path in _LONG_PATHS:
        raw = F.get_json_object(text, f"$.{path}")
        digits = F.regexp_replace(raw, "^-", "")
        limit = F.when(raw.startswith("-"), F.lit(str(-L.INT64_MIN))).otherwise(
            F.lit(str(L.INT64_MAX))
        )
        size = F.length(digits)
        bad = raw.rlike("^-?[0-9]+$") & (
            (size > len(str(L.INT64_MAX))) | ((size == len(str(L.INT64_MAX))) & (digits > limit))
        )
        found = F.when(bad, F.lit(path)) if found is None else found.when(bad, F.lit(path))
    return found


BEFORE_PARTITION_START = "event_time_before_partition_start"
PARTITION_ENV = "WIKISTREAM_PARTITION_START"


def _v(reason: str, detail: Column | str | None = None) -> Column:
    if detail is None or isinstance(detail, str):
        detail = F.lit(detail).cast("string")
    return F.struct(F.lit(reason).alias("reason"), detail.alias("detail"))


def corrupt_verdict(text: Column, e: Column) -> Column:
    """Why a record Spark's JSON reader could not type is bad (null for every other record).

    Kept in its own column, computed before :func:`verdict`: ``json_object_keys`` has no
    generated code, and a projection holding it (or the 64-bit checks, a large expression)
    runs interpreted. Referenced twice by ``verdict`` so Spark keeps it apart, and the rest
    of the per-record checks get whole-stage code generation.
    """
    long_field = _long_out_of_range(text)
    return F.when(
        e[CORRUPT].isNotNull(),
        F.when(
            long_field.isNotNull(),
            _v(
                "invalid_value",
                F.concat(long_field, F.lit(" is outside the 64-bit integer range")),
            ),
        )
        .when(
            F.json_object_keys(text).isNotNull(),
            _v("wrong_type", "does not match the recentchange schema"),
        )
        .when(F.get_json_object(text, "$").isNotNull(), _v("not_an_object"))
        .otherwise(_v("invalid_json")),
    )


def verdict(
    raw: Column,
    e: Column,
    t: EventTime,
    corrupt: Column,
    partition_start: date | None = None,
) -> Column:
    """Why a record cannot go to bronze, as struct(reason, detail), or null when it can.

    ``corrupt`` is the column of :func:`corrupt_verdict`. Reason names match the producer's
    DLQ; a detail names the field. A plausible event time before ``partition_start`` (UTC
    midnight) is refused too: downstream has no hour for it.
    """
    utf8_ok = F.encode(F.decode(raw, "UTF-8"), "UTF-8") == raw
    no_id = F.coalesce(e["meta"]["id"], F.lit("")) == ""
    window = F.lit(L.WINDOW_TEXT)
    v = _v
    out = (
        F.when(~utf8_ok, v("invalid_utf8"))
        .when(corrupt.isNotNull(), corrupt)
        .when(e.isNull(), v("invalid_json"))
        .when(no_id, v("missing_field", "meta.id"))
        .when(
            t.ts.isNotNull() & t.ts_time.isNull(),
            v("invalid_value", F.format_string("timestamp=%d is outside %s", t.ts, window)),
        )
        .when(t.ts.isNull() & t.dt_text.isNull(), v("missing_field", "timestamp and meta.dt"))
        .when(
            t.ts.isNull() & t.dt_parsed.isNull(),
            v(
                "invalid_value",
                F.format_string(
                    "meta.dt=%s is not an RFC 3339 time", F.substring(t.dt_text, 1, 40)
                ),
            ),
        )
        .when(
            t.ts.isNull() & t.dt_time.isNull(),
            v(
                "invalid_value",
                F.format_string("meta.dt=%s is outside %s", F.substring(t.dt_text, 1, 40), window),
            ),
        )
    )
    if partition_start is None:
        return out
    first = datetime(partition_start.year, partition_start.month, partition_start.day, tzinfo=UTC)
    seconds = int(first.timestamp())
    before = F.lit(f" is before the first hour partition {partition_start} ({PARTITION_ENV})")
    # On the raw fields, not on the derived event time: a smaller expression keeps the
    # generated method under the JIT's 8,000-byte limit (a larger one runs interpreted).
    return out.when(
        t.ts.isNotNull() & (t.ts < seconds),
        v(BEFORE_PARTITION_START, F.concat(F.lit("timestamp="), t.ts.cast("string"), before)),
    ).when(
        t.ts.isNull() & (t.dt_time < _lit_ts(seconds)),
        v(
            BEFORE_PARTITION_START,
            F.concat(F.lit("meta.dt="), F.substring(t.dt_text, 1, 40), before),
        ),
    )
