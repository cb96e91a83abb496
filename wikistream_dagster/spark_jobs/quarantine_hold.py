"""Writing the quarantine: held rows and hour markers, in commits that name their hours.

The design is in ``quarantine.py``; this is the quality job's side of it (and the commit
properties ``quarantine_resolve.py`` shares).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.contracts import quarantine as Q
from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs.quarantine import ENTRY_COLUMNS, table
from wikistream_dagster.spark_jobs.tables import ensure_tables, qualified


def entries(found: DataFrame, run_id: str) -> DataFrame:
    """``violations`` as held quarantine rows."""
    return found.select(
        "event_id",
        "event_date",
        "event_hour",
        "rule",
        F.lit(run_id).alias("run_id"),
        F.lit(Q.HELD).alias("status"),
        "row_hash",
        "copy_no",
        "row_json",
        F.current_timestamp().alias("quarantined_at"),
        F.lit(None).cast("timestamp").alias("resolved_at"),
        F.lit(None).cast("string").alias("resolved_run_id"),
    )


def hour_markers(
    spark: SparkSession, rules: Iterable[str], hours: Iterable[H.Hour], run_id: str
) -> DataFrame:
    """Held markers for aggregate-only failures: one per (rule, hour), no row."""
    data = [(d, h, r) for r in sorted(rules) for d, h in hours]
    base = spark.createDataFrame(data, "event_date date, event_hour int, rule string")
    return base.select(
        F.lit(None).cast("string").alias("event_id"),
        "event_date",
        "event_hour",
        "rule",
        F.lit(run_id).alias("run_id"),
        F.lit(Q.HELD).alias("status"),
        F.lit(None).cast("string").alias("row_hash"),
        F.lit(0).alias("copy_no"),
        F.lit(None).cast("string").alias("row_json"),
        F.current_timestamp().alias("quarantined_at"),
        F.lit(None).cast("timestamp").alias("resolved_at"),
        F.lit(None).cast("string").alias("resolved_run_id"),
    )


# A quarantine row's key: the silver row (or, for a marker, the hour) and the rule.
_SAME_ENTRY = (
    "t.event_date = s.event_date AND t.event_hour = s.event_hour AND t.rule = s.rule "
    "AND t.event_id <=> s.event_id AND t.row_hash <=> s.row_hash AND t.copy_no = s.copy_no"
)


def hold(spark: SparkSession, new: DataFrame, run_id: str, hours: Iterable[H.Hour]) -> None:
    """Insert ``new`` quarantine rows not there yet, in one commit naming ``hours``."""
    ensure_tables(spark, Q.QUARANTINE)
    view = f"quarantine_new_{run_id}"
    new.select(*ENTRY_COLUMNS).createOrReplaceTempView(view)
    sql = (
        f"MERGE INTO {qualified(Q.QUARANTINE)} t USING {view} s ON {_SAME_ENTRY} "
        "WHEN NOT MATCHED THEN INSERT *"
    )
    try:
        props = commit_props(Q.HOLD, run_id, hours)
        iceberg.with_commit_properties(spark, props, lambda: spark.sql(sql))
    finally:
        spark.catalog.dropTempView(view)


def commit_props(action: str, run_id: str, hours: Iterable[H.Hour]) -> dict[str, str]:
    return {
        S.HOURS: H.format_hours(hours),
        S.QUARANTINE_ACTION: action,
        S.RUN_ID: run_id,
    }


def waived_rules(spark: SparkSession, rules: Iterable[str], hours: list[H.Hour]) -> set[str]:
    """Aggregate rules whose hour markers were released for every one of ``hours``."""
    rules = list(rules)
    if not rules or not hours:
        return set()
    names = ", ".join(f"'{r}'" for r in rules)
    got = (
        table(spark)
        .where(f"row_hash IS NULL AND status = '{Q.RELEASED}' AND rule IN ({names})")
        .where(H.predicate(hours))
        .groupBy("rule")
        .agg(F.countDistinct("event_date", "event_hour").alias("n"))
        .collect()
    )
    return {r["rule"] for r in got if r["n"] == len(hours)}


def sample_markdown(found: DataFrame, rule: str, limit: int = 5) -> str:
    """A few quarantined rows of ``rule`` as a markdown table (the check's metadata)."""
    cols = ("event_id", "event_time", "wiki", "type", "title")
    rows = found.where(F.col("rule") == rule).select(*cols).limit(limit).collect()
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_cell(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 60 else text[:59] + "…"
