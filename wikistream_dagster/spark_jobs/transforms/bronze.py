"""Kafka records -> bronze rows or dead letters; per-batch dedup and the MERGE scope.

The explicit schema covers both recentchange envelopes seen in the wild: 2018 events carry
``meta.schema_uri`` and no ``$schema``; current ones carry ``$schema`` and ``meta.stream``.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

import producer_service.event_limits as L

CORRUPT = "_corrupt_record"
DLQ_RAW_LIMIT = 64 * 1024  # bytes of the raw payload kept in a dead letter, like the producer

_S, _L, _B = T.StringType(), T.LongType(), T.BooleanType()


def _struct(**fields: T.DataType) -> T.StructType:
    return T.StructType([T.StructField(name, dtype) for name, dtype in fields.items()])


_OLD_NEW = _struct(old=_L, new=_L)
# Only the fields bronze types; the rest (parsedcomment, URLs...) stays in raw_json, unparsed.
EVENT_SCHEMA = T.StructType(
    [T.StructField("$schema", _S)]
    + list(
        _struct(
            meta=_struct(id=_S, dt=_S, domain=_S, stream=_S, topic=_S, schema_uri=_S),
            id=_L,
            type=_S,
            namespace=_L,
            title=_S,
            comment=_S,
            timestamp=_L,
            user=_S,
            bot=_B,
            minor=_B,
            patrolled=_B,
            length=_OLD_NEW,
            revision=_OLD_NEW,
            server_name=_S,
            wiki=_S,
            log_id=_L,
            log_type=_S,
            log_action=_S,
            log_params=_S,  # object, array or string in the wild: kept as JSON text
            log_action_comment=_S,
        ).fields
    )
    + [T.StructField(CORRUPT, _S)]
)
_JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}

_INT32_MIN, _INT32_MAX = L.INT32_MIN, L.INT32_MAX
# The LONG fields bronze types: a number out of range makes the whole record corrupt.
_LONG_PATHS = ("id", "timestamp", "namespace", "log_id") + tuple(
    f"{pair}.{side}" for pair in ("length", "revision") for side in ("old", "new")
)


def _lit_ts(seconds: int) -> Column:
    return F.timestamp_seconds(F.lit(seconds))


class _Time:
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


def _verdict(text: Column, raw: Column, e: Column, t: _Time) -> Column:
    """Why a record cannot go to bronze, as struct(reason, detail), or null when it can.

    Reason names match the producer's DLQ; a detail names the field.
    """
    utf8_ok = F.encode(F.decode(raw, "UTF-8"), "UTF-8") == raw
    corrupt = e[CORRUPT].isNotNull()
    no_id = F.coalesce(e["meta"]["id"], F.lit("")) == ""
    window = F.lit(L.WINDOW_TEXT)
    long_field = _long_out_of_range(text)

    def v(reason: str, detail: Column | str | None = None) -> Column:
        if detail is None or isinstance(detail, str):
            detail = F.lit(detail).cast("string")
        return F.struct(F.lit(reason).alias("reason"), detail.alias("detail"))

    return (
        F.when(~utf8_ok, v("invalid_utf8"))
        .when(
            corrupt & long_field.isNotNull(),
            v("invalid_value", F.concat(long_field, F.lit(" is outside the 64-bit integer range"))),
        )
        .when(
            corrupt & F.json_object_keys(text).isNotNull(),
            v("wrong_type", "does not match the recentchange schema"),
        )
        .when(corrupt & F.get_json_object(text, "$").isNotNull(), v("not_an_object"))
        .when(corrupt | e.isNull(), v("invalid_json"))
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


def _at(*path: str, cast: str | None = None) -> Callable[[Column], Column]:
    def get(e: Column) -> Column:
        for key in path:
            e = e[key]
        return e.cast(cast) if cast else e

    return get


# The typed event fields bronze keeps, flattened out of the parsed struct (bronze column order).
_EVENT_FIELDS: dict[str, Callable[[Column], Column]] = {
    "meta_dt": lambda e: _Time(e).dt_time,
    "schema_uri": lambda e: F.coalesce(e["$schema"], e["meta"]["schema_uri"]),
    "stream": lambda e: F.coalesce(e["meta"]["stream"], e["meta"]["topic"]),
    "domain": _at("meta", "domain"),
    "wiki": _at("wiki"),
    "type": _at("type"),
    # INT column: out of 32 bits -> null (a cast wraps, or fails under ANSI); raw_json keeps it
    "namespace": lambda e: F.when(
        e["namespace"].between(_INT32_MIN, _INT32_MAX), e["namespace"].cast("int")
    ),
    "title": _at("title"),
    "user": _at("user"),
    "bot": _at("bot"),
    "minor": _at("minor"),
    "patrolled": _at("patrolled"),
    "rc_id": _at("id"),
    "revision_old": _at("revision", "old"),
    "revision_new": _at("revision", "new"),
    "length_old": _at("length", "old"),
    "length_new": _at("length", "new"),
    "comment": _at("comment"),
    "server_name": _at("server_name"),
    "log_id": _at("log_id"),
    "log_type": _at("log_type"),
    "log_action": _at("log_action"),
    "log_params": _at("log_params"),
    "log_action_comment": _at("log_action_comment"),
}
EVENT_FIELDS = list(_EVENT_FIELDS)
KAFKA_FIELDS = ["kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp"]


def parse_kafka(records: DataFrame) -> DataFrame:
    """Parse Kafka records (value, topic, partition, offset, timestamp) into bronze columns.

    Returns every input record once, flat (no nested struct: the bronze job caches this
    batch), with ``dlq_reason``/``dlq_detail`` set when it must go to the dead-letter topic
    and ``is_canary`` for Wikimedia's synthetic liveness events.
    """
    text = F.col("value").cast("string")
    e = F.from_json(text, EVENT_SCHEMA, _JSON_OPTIONS)
    parsed = records.select(
        F.col("value").alias("raw_value"),
        text.alias("raw_json"),
        e.alias("e"),
        F.col("topic").alias("kafka_topic"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.col("timestamp").alias("kafka_timestamp"),
    )
    e = F.col("e")
    t = _Time(e)
    verdict = _verdict(F.col("raw_json"), F.col("raw_value"), e, t)
    parsed = parsed.withColumn("_v", verdict)
    reason = F.col("_v")["reason"]
    return parsed.select(
        # The raw bytes matter only for dead letters (invalid UTF-8 is kept as base64); valid
        # records carry their text in raw_json, so a cached batch holds the payload once.
        F.when(reason.isNotNull(), F.col("raw_value")).alias("raw_value"),
        "raw_json",
        *KAFKA_FIELDS,
        e["meta"]["id"].alias("event_id"),
        t.event_time.alias("event_time"),
        reason.alias("dlq_reason"),
        F.col("_v")["detail"].alias("dlq_detail"),
        (F.coalesce(e["meta"]["domain"], F.lit("")) == "canary").alias("is_canary"),
        *[get(e).alias(name) for name, get in _EVENT_FIELDS.items()],
    )


def bronze_rows(parsed: DataFrame, batch_id: int) -> DataFrame:
    """The valid, non-canary records as bronze rows (column order of ``bronze.wiki_events``)."""
    return parsed.where(F.col("dlq_reason").isNull() & ~F.col("is_canary")).select(
        "event_id",
        "event_time",
        F.to_date("event_time").alias("event_date"),
        F.hour("event_time").alias("event_hour"),
        *EVENT_FIELDS,
        "raw_json",
        *KAFKA_FIELDS,
        F.current_timestamp().alias("ingest_time"),
        F.lit(batch_id).cast("long").alias("batch_id"),
    )


def dedup(rows: DataFrame) -> DataFrame:
    """One row per event id within the batch: the first received (deterministic on replay).

    The producer keys records by event id, so copies share a partition and offsets order them.
    """
    first = Window.partitionBy("event_id").orderBy("kafka_partition", "kafka_offset")
    return rows.withColumn("_n", F.row_number().over(first)).where("_n = 1").drop("_n")


def dead_letters(
    parsed: DataFrame, batch_id: int, component: str = "wikistream-bronze"
) -> DataFrame:
    """Kafka ``key``/``value`` pairs for ``dlq-events``, shaped like the producer's envelope."""
    bad = parsed.where(F.col("dlq_reason").isNotNull())
    raw = F.col("raw_value")
    kept = F.substring(raw, 1, DLQ_RAW_LIMIT)
    utf8 = F.col("dlq_reason") != "invalid_utf8"
    envelope = F.struct(
        F.col("dlq_reason").alias("reason"),
        F.col("dlq_detail").alias("detail"),
        F.col("event_id"),
        F.date_format(F.current_timestamp(), "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").alias(
            "received_at"
        ),
        F.format_string("kafka://%s/%d/%d", "kafka_topic", "kafka_partition", "kafka_offset").alias(
            "source"
        ),
        F.col("kafka_topic"),
        F.col("kafka_partition"),
        F.col("kafka_offset"),
        F.col("kafka_timestamp"),
        F.lit(batch_id).cast("long").alias("batch_id"),
        F.lit(component).alias("producer"),
        F.when(utf8, F.decode(kept, "UTF-8")).otherwise(F.base64(kept)).alias("raw"),
        F.when(utf8, F.lit("utf-8")).otherwise(F.lit("base64")).alias("raw_encoding"),
        F.length(raw).alias("raw_bytes"),
        (F.length(raw) > DLQ_RAW_LIMIT).alias("raw_truncated"),
    )
    return bad.select(
        F.coalesce(
            F.col("event_id"),
            F.format_string("%s-%d-%d", "kafka_topic", "kafka_partition", "kafka_offset"),
        ).alias("key"),
        F.to_json(envelope).alias("value"),
    )


def hour_partitions(rows: DataFrame) -> list[tuple]:
    """The (event_date, event_hour) partitions a batch touches (a handful per batch)."""
    return sorted(
        (r["event_date"], r["event_hour"])
        for r in rows.select("event_date", "event_hour").distinct().collect()
    )
