"""Kafka I/O of the bronze job: the parsed source stream and the dead-letter sink."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pyspark.sql import DataFrame, SparkSession

from wikistream_dagster.contracts.hours import PARTITION_START
from wikistream_dagster.spark_jobs.transforms import bronze as B

WATERMARK = "5 minutes"

# Amazon MSK with IAM auth (needs software.amazon.msk:aws-msk-iam-auth on the classpath).
MSK_IAM_OPTIONS = {
    "kafka.security.protocol": "SASL_SSL",
    "kafka.sasl.mechanism": "AWS_MSK_IAM",
    "kafka.sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
    "kafka.sasl.client.callback.handler.class": (
        "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
    ),
}


def dlq_sink(bootstrap: str, topic: str, options: dict[str, str]) -> Callable[[DataFrame], None]:
    """A function writing dead letters (``key``/``value`` frames) to ``topic``."""

    def write(df: DataFrame) -> None:
        (
            df.write.format("kafka")
            .option("kafka.bootstrap.servers", bootstrap)
            .option("topic", topic)
            .options(**options)
            .save()
        )

    return write


def kafka_stream(
    spark: SparkSession,
    bootstrap: str,
    topic: str,
    max_offsets: int,
    options: dict[str, str],
    starting: str = "earliest",
    partition_start: date = PARTITION_START,
) -> DataFrame:
    """The parsed Kafka stream with a 5-minute event-time watermark.

    The watermark tracks event-time progress (query progress shows it); nothing stateful uses
    it, so late events are still written: exactness comes from the MERGE, not from state.
    """
    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", starting)
        .option("maxOffsetsPerTrigger", str(max_offsets))
        .option("failOnDataLoss", "false")
        .options(**options)
        .load()
    )
    return B.parse_kafka(raw, partition_start).withWatermark("event_time", WATERMARK)


def parse_options(pairs: list[str] | None) -> dict[str, str]:
    """``--kafka-option kafka.x=y`` values (e.g. MSK IAM auth settings) as a dict."""
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.startswith("kafka."):
            raise SystemExit(f"--kafka-option {pair!r}: expected kafka.<setting>=<value>")
        out[key] = value
    return out
