"""Table names and DDL of the lake: the same names in every deployment."""

from __future__ import annotations

from pyspark.sql import SparkSession

from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.spark_jobs.catalog_conf import CATALOG

BRONZE = "bronze.wiki_events"
SILVER = "silver.wiki_events_cleaned"
QUALITY_HISTORY = "silver.quality_history"
HOURLY_STATS = "gold.hourly_edit_stats"
ENTITY_TRENDS = "gold.entity_trends"
ENTITY_HOURLY = "gold.entity_hourly"
RISK_SCORES = "gold.risk_scores"
EDITOR_RISK = "gold.editor_risk"

ALL_TABLES = (
    BRONZE,
    SILVER,
    QUALITY_HISTORY,
    QUARANTINE,
    HOURLY_STATS,
    ENTITY_TRENDS,
    ENTITY_HOURLY,
    RISK_SCORES,
    EDITOR_RISK,
)

# Kept small and explicit: written by Spark, read by pyiceberg/DuckDB users.
_PROPS = (
    "'format-version'='2', 'write.parquet.compression-codec'='zstd', "
    "'write.metadata.delete-after-commit.enabled'='true', "
    "'write.metadata.previous-versions-max'='50', 'history.expire.max-snapshot-age-ms'='86400000'"
)
_HOURLY = "event_date, event_hour"
# Bronze batches touch an hour or two: write them as they come (fanout writer), no shuffle.
_TABLE_PROPS = {
    BRONZE: {"write.distribution-mode": "none", "write.spark.fanout.enabled": "true"},
}

_EVENT_COLUMNS = """
    event_id STRING, event_time TIMESTAMP, event_date DATE, event_hour INT,
    meta_dt TIMESTAMP, schema_uri STRING, stream STRING, domain STRING, wiki STRING,
    type STRING, namespace INT, title STRING, user STRING, bot BOOLEAN, minor BOOLEAN,
    patrolled BOOLEAN, rc_id BIGINT, revision_old BIGINT, revision_new BIGINT,
    length_old BIGINT, length_new BIGINT, comment STRING, server_name STRING,
    log_id BIGINT, log_type STRING, log_action STRING, log_params STRING,
    log_action_comment STRING"""

# table -> (columns, partitioning)
DDL: dict[str, tuple[str, str]] = {
    BRONZE: (
        f"""({_EVENT_COLUMNS},
    raw_json STRING, kafka_topic STRING, kafka_partition INT, kafka_offset BIGINT,
    kafka_timestamp TIMESTAMP, ingest_time TIMESTAMP, batch_id BIGINT)""",
        _HOURLY,
    ),
    SILVER: (
        """(
    event_id STRING, event_time TIMESTAMP, event_date DATE, event_hour INT, wiki STRING,
    domain STRING, stream STRING, envelope STRING, type STRING, namespace INT, title STRING,
    user STRING, is_bot BOOLEAN, is_anonymous BOOLEAN, is_minor BOOLEAN, is_patrolled BOOLEAN,
    rc_id BIGINT, revision_old BIGINT, revision_new BIGINT, length_old BIGINT, length_new BIGINT,
    byte_delta BIGINT, comment STRING, log_id BIGINT, log_type STRING, log_action STRING,
    log_params STRING, log_action_comment STRING, emitted_at TIMESTAMP,
    bronze_ingest_time TIMESTAMP, processed_at TIMESTAMP)""",
        _HOURLY,
    ),
    QUALITY_HISTORY: (
        """(
    run_id STRING, checked_at TIMESTAMP, scope STRING, rows BIGINT, check_name STRING,
    `constraint` STRING, status STRING, blocking BOOLEAN, metric_value DOUBLE, message STRING)""",
        "days(checked_at)",
    ),
    # One row per (silver row, broken rule); see spark_jobs/quarantine.py.
    QUARANTINE: (
        """(
    event_id STRING, event_date DATE, event_hour INT, rule STRING, run_id STRING, status STRING,
    row_hash STRING, copy_no INT, row_json STRING, quarantined_at TIMESTAMP,
    resolved_at TIMESTAMP, resolved_run_id STRING)""",
        "event_date",
    ),
    HOURLY_STATS: (
        """(
    wiki STRING, event_date DATE, event_hour INT, hour_start TIMESTAMP, events BIGINT,
    events_by_type MAP<STRING, BIGINT>, edits BIGINT, new_pages BIGINT, log_events BIGINT,
    distinct_editors BIGINT, bot_events BIGINT, bot_share DOUBLE, anonymous_events BIGINT,
    anonymous_share DOUBLE, bytes_added BIGINT, bytes_removed BIGINT,
    mean_abs_byte_delta DOUBLE, p95_abs_byte_delta DOUBLE, computed_at TIMESTAMP)""",
        _HOURLY,
    ),
    ENTITY_TRENDS: (
        """(
    wiki STRING, event_date DATE, event_hour INT, hour_start TIMESTAMP, entity_type STRING,
    entity STRING, events BIGINT, baseline_mean DOUBLE, baseline_std DOUBLE,
    baseline_hours INT, score DOUBLE, rank INT, computed_at TIMESTAMP)""",
        _HOURLY,
    ),
    # Per-entity counts of each hour: the trends' baseline, read instead of 24 hours of silver.
    ENTITY_HOURLY: (
        """(
    wiki STRING, event_date DATE, event_hour INT, entity_type STRING, entity STRING,
    events BIGINT)""",
        _HOURLY,
    ),
    RISK_SCORES: (
        """(
    event_id STRING, event_time TIMESTAMP, event_date DATE, event_hour INT, wiki STRING,
    type STRING, title STRING, user STRING, is_bot BOOLEAN, is_anonymous BOOLEAN,
    byte_delta BIGINT, comment STRING, risk_score DOUBLE, reasons ARRAY<STRING>,
    computed_at TIMESTAMP)""",
        _HOURLY,
    ),
    EDITOR_RISK: (
        """(
    wiki STRING, event_date DATE, event_hour INT, user STRING, is_bot BOOLEAN,
    is_anonymous BOOLEAN, edits BIGINT, mean_risk DOUBLE, max_risk DOUBLE,
    risky_edits BIGINT, reasons ARRAY<STRING>, computed_at TIMESTAMP)""",
        _HOURLY,
    ),
}


def qualified(table: str) -> str:
    """``bronze.wiki_events`` -> ``lake.bronze.wiki_events``."""
    return f"{CATALOG}.{table}"


def ensure_tables(spark: SparkSession, *tables: str) -> None:
    """Create the namespaces and tables that do not exist yet (idempotent)."""
    for table in tables or ALL_TABLES:
        ensure_like(spark, table, table)


def ensure_like(spark: SparkSession, table: str, template: str) -> None:
    """Create ``table`` with the columns and partitioning of ``template`` if it is missing."""
    namespace = table.split(".")[0]
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {CATALOG}.{namespace}")
    columns, partitioning = DDL[template]
    extra = _TABLE_PROPS.get(template, {})
    props = _PROPS + "".join(f", '{k}'='{v}'" for k, v in extra.items())
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {qualified(table)} {columns} USING iceberg "
        f"PARTITIONED BY ({partitioning}) TBLPROPERTIES ({props})"
    )
    if extra:  # tables created by an earlier version get them too
        have = {
            r["key"]: r["value"]
            for r in spark.sql(f"SHOW TBLPROPERTIES {qualified(table)}").collect()
        }
        missing = {k: v for k, v in extra.items() if have.get(k) != v}
        if missing:
            pairs = ", ".join(f"'{k}'='{v}'" for k, v in missing.items())
            spark.sql(f"ALTER TABLE {qualified(table)} SET TBLPROPERTIES ({pairs})")
