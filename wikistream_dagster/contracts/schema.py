"""A table definition as data, the Spark DDL generated from it, and the reader of
``contracts/tables.toml``.

``contracts/tables.py`` loads the lake's tables; the Spark jobs create them from
``create_table_sql`` and Dagster shows their columns (with these descriptions) from the same
``Table``, so neither side keeps a copy of the other's schema.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

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


def load_tables(text: str) -> dict[str, Table]:
    """The ``[[table]]`` entries of ``tables.toml`` (its format is described at its top), by
    name and in the file's order; a reference to an unknown shared column or property set is an
    error that names the table."""
    data = tomllib.loads(text)
    shared: dict[str, list] = data.get("shared", {})
    property_sets: dict[str, dict[str, str]] = data.get("properties", {})
    tables: dict[str, Table] = {}
    for entry in data["table"]:
        name = entry["name"]
        try:
            specs = [spec for item in entry["columns"] for spec in _expand(item, shared)]
            properties = property_sets[entry["properties"]] if "properties" in entry else {}
        except KeyError as missing:
            raise ValueError(f"tables.toml, table {name!r}: no shared entry {missing}") from None
        tables[name] = Table(
            name,
            entry["description"],
            tuple(Column(*spec) for spec in specs),
            entry.get("partitioning", HOURLY),
            dict(properties),
        )
    return tables


def _expand(item: str | list[Any], shared: dict[str, list]) -> list[list[str]]:
    """A column's ``[name, type, description]``, or the columns ``"@key"`` stands for."""
    if not isinstance(item, str):
        return [item]
    spec = shared[item.removeprefix("@")]
    return [spec] if isinstance(spec[0], str) else spec
