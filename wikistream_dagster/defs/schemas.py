"""Column schemas for the UI, read from the Spark jobs' DDL (one source of truth)."""

from __future__ import annotations

import re

import dagster as dg

from wikistream_dagster.spark_jobs.tables import DDL


def _split_top_level(text: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        depth += ch == "<"
        depth -= ch == ">"
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    return parts + ["".join(cur)]


def column_schema(table: str) -> dg.TableSchema:
    columns_sql = DDL[table][0].strip()[1:-1]
    columns = []
    for part in _split_top_level(columns_sql):
        m = re.match(r"\s*`?(\w+)`?\s+(.+?)\s*$", part, re.S)
        if m:
            columns.append(dg.TableColumn(m.group(1), " ".join(m.group(2).split()).lower()))
    return dg.TableSchema(columns=columns)


def table_metadata(table: str) -> dict:
    return {
        "dagster/column_schema": column_schema(table),
        "dagster/table_name": f"lake.{table}",
        "partitioned_by": DDL[table][1],
    }
