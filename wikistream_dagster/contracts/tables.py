"""The lake's tables: names and definitions, the same in every deployment.

The definitions are data, in ``contracts/tables.toml``: the Spark jobs create the tables from
them (``spark_jobs/tables.py``: ``Table.create_table_sql``) and Dagster shows their columns and
descriptions (``defs/schemas.py``).
"""

from __future__ import annotations

from pathlib import Path

from wikistream_dagster.contracts.schema import Column, Table, load_tables

__all__ = ["ALL_TABLES", "TABLES", "Column", "Table", "table"]

# Creation order (ensure_tables with no table named creates them all in this order).
TABLES: dict[str, Table] = load_tables(Path(__file__).with_name("tables.toml").read_text())
ALL_TABLES: tuple[str, ...] = tuple(TABLES)

# The tables' names, in tables.toml's order (tests/contracts/test_tables.py pins that order).
(
    BRONZE_TABLE,
    SILVER_TABLE,
    QUALITY_HISTORY_TABLE,
    QUARANTINE_TABLE,
    HOURLY_STATS_TABLE,
    ENTITY_TRENDS_TABLE,
    ENTITY_HOURLY_TABLE,
    RISK_SCORES_TABLE,
    EDITOR_RISK_TABLE,
    PAGE_STATE_TABLE,
    HIDDEN_REVISIONS_TABLE,
    REDACTIONS_TABLE,
) = ALL_TABLES


def table(name: str) -> Table:
    """The definition of ``name`` (``bronze.wiki_events``...); a clear error for a typo."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"no table {name!r} in the lake; known: {', '.join(TABLES)}") from None
