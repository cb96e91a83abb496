"""Bronze rows -> silver rows: one per event, normalised types and derived editor flags."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from wikistream_dagster.contracts.tables import SILVER_TABLE, table

# MediaWiki shows IP editors by their address; IPv6 in full or compressed form.
IPV4 = r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
IPV6 = r"^(?i)[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$"
# Temporary accounts (since 2024) replace IP display names with "~2025-12345-67"-like names.
TEMP_ACCOUNT = r"^~\d{4}-\d+(-\d+)?$"
_DATACENTER = r"^(eqiad|codfw|esams|ulsfo|eqsin|drmrs|magru)\."

# The table's columns, in its order (contracts/tables.toml): clean() returns exactly these.
SILVER_COLUMNS = table(SILVER_TABLE).column_names


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
    derived = {
        "event_time": F.col("event_time").cast("timestamp"),
        "event_date": F.to_date("event_time"),
        "event_hour": F.hour("event_time"),
        "wiki": F.lower(F.trim("wiki")),
        "domain": F.lower(F.trim(F.coalesce("domain", "server_name"))),
        "stream": F.regexp_replace(
            F.coalesce("stream", F.lit("mediawiki.recentchange")), _DATACENTER, ""
        ),
        "envelope": F.when(F.col("schema_uri").startswith("/"), "current").otherwise("legacy"),
        "type": etype,
        "namespace": F.col("namespace").cast("int"),
        "title": _blank_to_null(F.col("title")),
        "user": _blank_to_null(F.col("user")),
        "is_bot": F.coalesce("bot", F.lit(False)),
        "is_anonymous": is_anonymous(F.col("user")),
        "is_minor": F.coalesce("minor", F.lit(False)),
        "is_patrolled": F.col("patrolled"),  # null: the wiki does not patrol
        "byte_delta": F.when(has_sizes, F.col("length_new") - F.coalesce("length_old", F.lit(0))),
        "emitted_at": F.col("meta_dt"),
        "bronze_ingest_time": F.col("ingest_time"),
        "processed_at": F.current_timestamp(),
    }
    # The other columns pass through from bronze under the same name.
    return rows.select(*[derived[c].alias(c) if c in derived else c for c in SILVER_COLUMNS])
