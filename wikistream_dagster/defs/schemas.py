"""Table metadata for the UI (column list with descriptions), from ``contracts/tables.py``."""

from __future__ import annotations

import dagster as dg

from wikistream_dagster.contracts.tables import table


def column_schema(name: str) -> dg.TableSchema:
    """The table's columns as Dagster shows them: name, type (lower case) and description."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.type.lower(), description=c.description)
            for c in table(name).columns
        ]
    )


def table_metadata(name: str) -> dict:
    return {
        "dagster/column_schema": column_schema(name),
        "dagster/table_name": f"lake.{name}",
        "partitioned_by": table(name).partitioning,
    }
