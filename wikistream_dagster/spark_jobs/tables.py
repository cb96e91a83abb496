"""Creating the lake's tables in Spark, from their definitions in ``contracts/tables.py``."""

from __future__ import annotations

from pyspark.sql import SparkSession

from wikistream_dagster.contracts import tables as C
from wikistream_dagster.contracts.tables import ALL_TABLES
from wikistream_dagster.contracts.tables import BRONZE_TABLE as BRONZE
from wikistream_dagster.contracts.tables import EDITOR_RISK_TABLE as EDITOR_RISK
from wikistream_dagster.contracts.tables import ENTITY_HOURLY_TABLE as ENTITY_HOURLY
from wikistream_dagster.contracts.tables import ENTITY_TRENDS_TABLE as ENTITY_TRENDS
from wikistream_dagster.contracts.tables import HIDDEN_REVISIONS_TABLE as HIDDEN_REVISIONS
from wikistream_dagster.contracts.tables import HOURLY_STATS_TABLE as HOURLY_STATS
from wikistream_dagster.contracts.tables import PAGE_STATE_TABLE as PAGE_STATE
from wikistream_dagster.contracts.tables import QUALITY_HISTORY_TABLE as QUALITY_HISTORY
from wikistream_dagster.contracts.tables import REDACTIONS_TABLE as REDACTIONS
from wikistream_dagster.contracts.tables import RISK_SCORES_TABLE as RISK_SCORES
from wikistream_dagster.contracts.tables import SILVER_TABLE as SILVER
from wikistream_dagster.spark_jobs.catalog_conf import CATALOG

# The jobs' short names for the tables (re-exported: the same strings everywhere).
__all__ = [
    "ALL_TABLES",
    "BRONZE",
    "EDITOR_RISK",
    "ENTITY_HOURLY",
    "ENTITY_TRENDS",
    "HIDDEN_REVISIONS",
    "HOURLY_STATS",
    "PAGE_STATE",
    "QUALITY_HISTORY",
    "REDACTIONS",
    "RISK_SCORES",
    "SILVER",
    "ensure_like",
    "ensure_tables",
    "qualified",
    "set_properties",
]


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
