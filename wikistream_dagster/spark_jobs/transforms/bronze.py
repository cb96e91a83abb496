"""Kafka records -> bronze rows or dead letters; per-batch dedup and the MERGE scope.

The explicit schema covers both recentchange envelopes seen in the wild: 2018 events carry
``meta.schema_uri`` and no ``$schema``; current ones carry ``$schema`` and ``meta.stream``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

import producer_service.event_limits as L
from wikistream_dagster.contracts.hours import PARTITION_START
from wikistream_dagster.spark_jobs.transforms.bronze_checks import (
    CORRUPT,
    EventTime,
    corrupt_verdict,
    verdict,
)

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


def _at(*path: str) -> Callable[[Column], Column]:
    def get(e: Column) -> Column:
        for key in path:
            e = e[key]
        return e

    return get


# The typed event fields bronze keeps, flattened out of the parsed struct (bronze column order).
_EVENT_FIELDS: dict[str, Callable[[Column], Column]] = {
    "meta_dt": lambda e: EventTime(e).dt_time,
    "schema_uri": lambda e: F.coalesce(e["$schema"], e["meta"]["schema_uri"]),
    "stream": lambda e: F.coalesce(e["meta"]["stream"], e["meta"]["topic"]),
    "domain": _at("meta", "domain"),
    "wiki": _at("wiki"),
    "type": _at("type"),
    # INT column: out of 32 bits -> null (a cast wraps, or fails under ANSI); raw_json keeps it
    "namespace": lambda e: F.when(
        e["namespace"].between(L.INT32_MIN, L.INT32_MAX), e["namespace"].cast("int")
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


def parse_kafka(records: DataFrame, partition_start: date = PARTITION_START) -> DataFrame:
    """Parse Kafka records (value, topic, partition, offset, timestamp) into bronze columns.

    Events before ``partition_start`` (the first hour partition) are dead letters: their hour
    would have no partition downstream.

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
    t = EventTime(e)
    parsed = parsed.withColumn("_c", corrupt_verdict(F.col("raw_json"), e))
    parsed = parsed.withColumn(
        "_v", verdict(F.col("raw_value"), e, t, F.col("_c"), partition_start)
    )
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
