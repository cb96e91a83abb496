"""The lake's tables: names and definitions, the same in every deployment.

The Spark jobs create them (``spark_jobs/tables.py``: ``Table.create_table_sql``) and Dagster
shows their columns and descriptions (``defs/schemas.py``) from these definitions.
"""

from __future__ import annotations

from wikistream_dagster.contracts import tables_gold as gold
from wikistream_dagster.contracts import tables_lake as lake
from wikistream_dagster.contracts import tables_redact as redact
from wikistream_dagster.contracts.schema import Column, Table

__all__ = ["ALL_TABLES", "TABLES", "Column", "Table", "table"]

BRONZE_TABLE = lake.BRONZE.name
SILVER_TABLE = lake.SILVER.name
QUALITY_HISTORY_TABLE = lake.QUALITY_HISTORY.name
QUARANTINE_TABLE = lake.QUARANTINE_TABLE.name
HOURLY_STATS_TABLE = gold.HOURLY_STATS.name
ENTITY_TRENDS_TABLE = gold.ENTITY_TRENDS.name
ENTITY_HOURLY_TABLE = gold.ENTITY_HOURLY.name
RISK_SCORES_TABLE = gold.RISK_SCORES.name
EDITOR_RISK_TABLE = gold.EDITOR_RISK.name
PAGE_STATE_TABLE = redact.PAGE_STATE.name
HIDDEN_REVISIONS_TABLE = redact.HIDDEN_REVISIONS.name
REDACTIONS_TABLE = redact.REDACTIONS.name

# Creation order (ensure_tables with no table named creates them all in this order).
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        lake.BRONZE,
        lake.SILVER,
        lake.QUALITY_HISTORY,
        lake.QUARANTINE_TABLE,
        gold.HOURLY_STATS,
        gold.ENTITY_TRENDS,
        gold.ENTITY_HOURLY,
        gold.RISK_SCORES,
        gold.EDITOR_RISK,
        redact.PAGE_STATE,
        redact.HIDDEN_REVISIONS,
        redact.REDACTIONS,
    )
}
ALL_TABLES: tuple[str, ...] = tuple(TABLES)


def table(name: str) -> Table:
    """The definition of ``name`` (``bronze.wiki_events``...); a clear error for a typo."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"no table {name!r} in the lake; known: {', '.join(TABLES)}") from None
