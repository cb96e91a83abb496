"""A table definition as data, and the Spark DDL generated from it.

``contracts/tables.py`` holds the lake's tables; the Spark jobs create them from
``create_table_sql`` and Dagster shows their columns (with these descriptions) from the same
``Table``, so neither side keeps a copy of the other's schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Every table: written by Spark, read by pyiceberg/DuckDB users. Kept small and explicit.
COMMON_PROPERTIES: dict[str, str] = {
    "format-version": "2",
    "write.parquet.compression-codec": "zstd",
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "50",
    "history.expire.max-snapshot-age-ms": "86400000",
}
HOURLY = "event_date, event_hour"  # the partitioning of every event table

# Column names Spark SQL only accepts quoted.
_RESERVED = frozenset({"constraint"})


@dataclass(frozen=True)
class Column:
    """One column: Spark SQL type (``STRING``, ``MAP<STRING, BIGINT>``...) and what it holds."""

    name: str
    type: str
    description: str

    @property
    def sql(self) -> str:
        name = f"`{self.name}`" if self.name in _RESERVED else self.name
        return f"{name} {self.type}"


@dataclass(frozen=True)
class Table:
    """One Iceberg table of the lake (``namespace.name``, the same in every deployment).

    ``properties`` are the table's own, on top of ``COMMON_PROPERTIES``; the Spark job sets
    them on tables an earlier version created without them.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    partitioning: str = HOURLY
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        return self.name.split(".")[0]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def columns_sql(self) -> str:
        """``(event_id STRING, ...)``: the column list of the CREATE TABLE statement."""
        return "(" + ", ".join(c.sql for c in self.columns) + ")"

    def create_table_sql(self, qualified_name: str) -> str:
        """The idempotent CREATE TABLE statement for this table under ``qualified_name``."""
        props = COMMON_PROPERTIES | self.properties
        pairs = ", ".join(f"'{k}'='{v}'" for k, v in props.items())
        return (
            f"CREATE TABLE IF NOT EXISTS {qualified_name} {self.columns_sql} USING iceberg "
            f"PARTITIONED BY ({self.partitioning}) TBLPROPERTIES ({pairs})"
        )


def columns(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    """``(name, type, description)`` triples as columns (keeps the definitions compact)."""
    return tuple(Column(*spec) for spec in specs)
