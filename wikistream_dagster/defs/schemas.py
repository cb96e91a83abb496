"""Table metadata for the UI (column list with descriptions), from ``contracts/tables.py``."""

from __future__ import annotations

import dagster as dg

from wikistream_dagster.contracts.tables import table
from wikistream_dagster.defs.common import OWNERS, table_name


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


def table_asset(
    key: dg.AssetKey,
    upstream: dg.AssetKey,
    description: str,
    kinds: frozenset[str] = frozenset({"spark", "iceberg"}),
    **kw,
) -> dg.AssetSpec:
    """A lake table's asset: its key is the table's name, its group the namespace, and the UI
    shows the table's columns (``kw``: partitions, policies...)."""
    return dg.AssetSpec(
        key,
        deps=[upstream],
        group_name=key.path[0],
        kinds=set(kinds),
        owners=OWNERS,
        description=description,
        metadata=table_metadata(table_name(key)),
        **kw,
    )
