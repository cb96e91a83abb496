"""SQL over the lake without Spark: pyiceberg finds the tables' files, DuckDB queries them.

``./wikistream query "SELECT ... FROM gold.hourly_edit_stats ..."`` goes through the same
Iceberg REST catalog as the Spark jobs, so it sees exactly their committed snapshots. Tables are
named as everywhere else (``bronze.wiki_events``, ``silver.wiki_events_cleaned``,
``gold.hourly_edit_stats``, ``gold.entity_trends``, ``gold.risk_scores``, ``gold.editor_risk``,
``silver.quality_history``).
"""

from __future__ import annotations

import importlib.util
import logging
import re
from typing import Any

import duckdb
from pyiceberg.catalog import Catalog
from pyiceberg.catalog.rest import RestCatalog
from pyiceberg.exceptions import NoSuchTableError

from wikistream_dagster.config import Settings

log = logging.getLogger(__name__)

NAMESPACES = ("bronze", "silver", "gold")
_TABLE_RE = re.compile(r"\b(" + "|".join(NAMESPACES) + r")\.([A-Za-z_][A-Za-z0-9_]*)\b")
MAX_CELL = 60

EXAMPLES = """\
examples:
  ./wikistream query "SELECT wiki, hour_start, events, bot_share FROM gold.hourly_edit_stats
                      ORDER BY hour_start DESC LIMIT 10"
  ./wikistream query "SELECT title, user, risk_score, reasons FROM gold.risk_scores
                      ORDER BY risk_score DESC LIMIT 20"
  ./wikistream query "SELECT entity_type, entity, events, score FROM gold.entity_trends
                      WHERE rank <= 3 ORDER BY hour_start DESC, score DESC"
  ./wikistream query "SELECT type, count(*) FROM silver.wiki_events_cleaned GROUP BY type"
  ./wikistream query "SELECT check_name, status, metric_value FROM silver.quality_history
                      ORDER BY checked_at DESC LIMIT 14"
"""


def rest_catalog(settings: Settings) -> Catalog:
    """pyiceberg's client for the local REST catalog (fsspec file IO when pyarrow is absent)."""
    props = {"uri": settings.catalog_uri}
    if importlib.util.find_spec("pyarrow") is None:
        props["py-io-impl"] = "pyiceberg.io.fsspec.FsspecFileIO"
    return RestCatalog("lake", **props)


def referenced_tables(sql: str) -> list[str]:
    """``namespace.table`` names the query mentions (bronze/silver/gold only)."""
    return sorted({f"{ns}.{name}" for ns, name in _TABLE_RE.findall(sql)})


_DUCK_TYPES = {
    "string": "VARCHAR",
    "long": "BIGINT",
    "int": "INTEGER",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamptz": "TIMESTAMPTZ",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
    "uuid": "UUID",
}


def _duck_type(iceberg_type: Any) -> str:
    """DuckDB type of a pyiceberg type (the ones our tables use)."""
    text = str(iceberg_type)
    if text.startswith("map<"):
        return f"MAP({_duck_type(iceberg_type.key_type)}, {_duck_type(iceberg_type.value_type)})"
    if text.startswith("list<"):
        return f"{_duck_type(iceberg_type.element_type)}[]"
    return _DUCK_TYPES.get(text, "VARCHAR")


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _register(con: duckdb.DuckDBPyConnection, catalog: Catalog, name: str) -> None:
    """Expose one Iceberg table as a DuckDB view of its current snapshot.

    Local tables without delete files (ours: inserts and copy-on-write overwrites) are read
    straight from their Parquet files, so DuckDB prunes columns and row groups itself; other
    tables (S3, merge-on-read deletes) go through pyiceberg's Arrow scan (needs pyarrow).
    """
    table = catalog.load_table(name)
    tasks = list(table.scan().plan_files())
    paths = [t.file.file_path for t in tasks]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {name.split('.')[0]}")
    if not paths:
        cols = ", ".join(
            f'CAST(NULL AS {_duck_type(f.field_type)}) AS "{f.name}"' for f in table.schema().fields
        )
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} WHERE false")
        return
    local = all(p.startswith(("file:", "/")) for p in paths)
    if local and not any(t.delete_files for t in tasks):
        files = [re.sub(r"^file:(//)?", "", p) for p in paths]
        con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet("
            f"{_sql_list(files)}, union_by_name = true, hive_partitioning = false)"
        )
        return
    arrow = table.scan().to_arrow()
    tmp = "_arrow_" + name.replace(".", "_")
    con.register(tmp, arrow)
    con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {tmp}")


class QueryError(RuntimeError):
    """The query cannot run; the message says why (missing table, catalog down, bad SQL)."""


def query_rows(settings: Settings, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` over the lake; return column names and rows.

    Raises:
        QueryError: a referenced table does not exist, the catalog is not reachable, or DuckDB
            rejects the SQL.
    """
    try:
        catalog = rest_catalog(settings)
    except Exception as exc:  # pyiceberg raises several types for a refused connection
        raise QueryError(
            f"cannot reach the Iceberg catalog at {settings.catalog_uri} ({exc}): "
            "start it with ./wikistream catalog start"
        ) from None
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in referenced_tables(sql):
        try:
            _register(con, catalog, name)
        except NoSuchTableError:
            raise QueryError(
                f"table {name} does not exist yet: run the job that writes it "
                "(./wikistream spark bronze|silver|quality|gold)"
            ) from None
    try:
        rel = con.execute(sql)
        columns = [d[0] for d in rel.description or []]
        return columns, rel.fetchall()
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {exc}") from None


def _cell(value: Any) -> str:
    text = "NULL" if value is None else str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def format_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """A plain-text table with a header rule and a row count."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "-+-".join("-" * w for w in widths)
    body = [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, rule, *body, f"({len(rows)} row{'s' if len(rows) != 1 else ''})"])


def run_query(settings: Settings, sql: str) -> str:
    """Run ``sql`` over the lake and return it formatted as a table (the CLI prints it)."""
    columns, rows = query_rows(settings, sql)
    return format_table(columns, rows)
