"""Bronze rows -> silver rows: one per event, normalised types and derived editor flags."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

# MediaWiki shows IP editors by their address; IPv6 in full or compressed form.
IPV4 = r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
IPV6 = r"^(?i)[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$"
# Temporary accounts (since 2024) replace IP display names with "~2025-12345-67"-like names.
TEMP_ACCOUNT = r"^~\d{4}-\d+(-\d+)?$"
_DATACENTER = r"^(eqiad|codfw|esams|ulsfo|eqsin|drmrs|magru)\."

SILVER_COLUMNS = (
    "event_id",
    "event_time",
    "event_date",
    "event_hour",
    "wiki",
    "domain",
    "stream",
    "envelope",
    "type",
    "namespace",
    "title",
    "user",
    "is_bot",
    "is_anonymous",
    "is_minor",
    "is_patrolled",
    "rc_id",
    "revision_old",
    "revision_new",
    "length_old",
    "length_new",
    "byte_delta",
    "comment",
    "log_id",
    "log_type",
    "log_action",
    "log_params",
    "log_action_comment",
    "emitted_at",
    "bronze_ingest_time",
    "processed_at",
)


def is_anonymous(user: Column) -> Column:
    """True for IP editors (IPv4/IPv6) and temporary accounts; False for named accounts."""
    u = F.trim(user)
    return F.coalesce(u.rlike(IPV4) | u.rlike(IPV6) | u.rlike(TEMP_ACCOUNT), F.lit(False))


def _blank_to_null(c: Column) -> Column:
    t = F.trim(c)
    return F.when(t == "", None).otherwise(t)


def clean(bronze: DataFrame) -> DataFrame:
    """Normalise bronze rows into ``silver.wiki_events_cleaned`` rows (deduplicated by id).

    Canary events and rows without id or time are dropped (bronze should hold none).
    """
    rows = bronze.where(
        F.col("event_id").isNotNull()
        & F.col("event_time").isNotNull()
        & (F.coalesce(F.col("domain"), F.lit("")) != "canary")
    )
    first = Window.partitionBy("event_id").orderBy(
        F.col("ingest_time").asc_nulls_last(), F.col("kafka_offset").asc_nulls_last()
    )
    rows = rows.withColumn("_n", F.row_number().over(first)).where("_n = 1").drop("_n")
    etype = F.lower(F.trim("type"))
    has_sizes = etype.isin("edit", "new")
    return rows.select(
        "event_id",
        F.col("event_time").cast("timestamp").alias("event_time"),
        F.to_date("event_time").alias("event_date"),
        F.hour("event_time").alias("event_hour"),
        F.lower(F.trim("wiki")).alias("wiki"),
        F.lower(F.trim(F.coalesce("domain", "server_name"))).alias("domain"),
        F.regexp_replace(
            F.coalesce("stream", F.lit("mediawiki.recentchange")), _DATACENTER, ""
        ).alias("stream"),
        F.when(F.col("schema_uri").startswith("/"), "current")
        .otherwise("legacy")
        .alias("envelope"),
        etype.alias("type"),
        F.col("namespace").cast("int").alias("namespace"),
        _blank_to_null(F.col("title")).alias("title"),
        _blank_to_null(F.col("user")).alias("user"),
        F.coalesce("bot", F.lit(False)).alias("is_bot"),
        is_anonymous(F.col("user")).alias("is_anonymous"),
        F.coalesce("minor", F.lit(False)).alias("is_minor"),
        F.col("patrolled").alias("is_patrolled"),  # null: the wiki does not patrol
        "rc_id",
        "revision_old",
        "revision_new",
        "length_old",
        "length_new",
        F.when(has_sizes, F.col("length_new") - F.coalesce("length_old", F.lit(0))).alias(
            "byte_delta"
        ),
        "comment",
        "log_id",
        "log_type",
        "log_action",
        "log_params",
        "log_action_comment",
        F.col("meta_dt").alias("emitted_at"),
        F.col("ingest_time").alias("bronze_ingest_time"),
        F.current_timestamp().alias("processed_at"),
    )
