"""Creating the lake's tables in Spark, from their definitions in ``contracts/tables.py``."""

from __future__ import annotations

from pyspark.sql import SparkSession

from wikistream_dagster.contracts import tables as C
from wikistream_dagster.spark_jobs.catalog_conf import CATALOG

# The jobs' short names for the tables (the same strings everywhere).
BRONZE = C.BRONZE_TABLE
SILVER = C.SILVER_TABLE
QUALITY_HISTORY = C.QUALITY_HISTORY_TABLE
HOURLY_STATS = C.HOURLY_STATS_TABLE
ENTITY_TRENDS = C.ENTITY_TRENDS_TABLE
ENTITY_HOURLY = C.ENTITY_HOURLY_TABLE
RISK_SCORES = C.RISK_SCORES_TABLE
EDITOR_RISK = C.EDITOR_RISK_TABLE
PAGE_STATE = C.PAGE_STATE_TABLE
HIDDEN_REVISIONS = C.HIDDEN_REVISIONS_TABLE
REDACTIONS = C.REDACTIONS_TABLE
ALL_TABLES = C.ALL_TABLES


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
    definition = C.table(template)
    spark.sql(definition.create_table_sql(qualified(table)))
    if definition.properties:  # tables created by an earlier version get them too
        set_properties(spark, table, definition.properties)


def set_properties(spark: SparkSession, table: str, props: dict[str, str]) -> None:
    """Set those of ``props`` that ``table`` does not have with these values (idempotent)."""
    have = {
        r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {qualified(table)}").collect()
    }
    missing = {k: v for k, v in props.items() if have.get(k) != v}
    if missing:
        pairs = ", ".join(f"'{k}'='{v}'" for k, v in missing.items())
        spark.sql(f"ALTER TABLE {qualified(table)} SET TBLPROPERTIES ({pairs})")
