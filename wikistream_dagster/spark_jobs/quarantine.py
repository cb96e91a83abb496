"""Quarantine: the silver rows that break a blocking rule wait in ``silver.quarantine``.

Design (README "Quarantine" says the same for operators):

- One quarantine row per (silver row, broken rule, hour): the row as JSON (``row_json``), the
  rule (the asset check's name), the run that found it, status held|released|dropped and when.
- A silver row is identified by ``(event_id, row_hash, copy_no)``: ``row_hash`` hashes every
  column but ``processed_at`` (so rebuilding an hour from bronze gives the same hash), and
  ``copy_no`` numbers identical copies, so one of two identical rows can be quarantined
  (``event_id_unique`` quarantines every copy of an id after its first, oldest first).
- Written only when a blocking check fails, for the failing rules' row predicates (defined next
  to each rule in ``contracts/checks.py``); writing again is a no-op (insert-only MERGE).
- A blocking rule that fails with no violating row (an aggregate-only rule; none today) holds
  every hour of the run with an *hour marker* (no event id, no row hash). Releasing the marker
  waives that rule for that hour; a marker cannot be dropped.
- An hour is held while it has a held row or marker (``held_hours``): the schedule does not
  request it, so its failure alerts once. Release or drop makes it pending again: every
  quarantine commit carries the hours it changed (``wikistream.hours``) and its action.
- Gold reads silver through ``exclude_quarantined``: held and dropped rows are left out (a
  dropped row stays out even if a rebuild from bronze brings it back). The quality check reads
  through ``skip_resolved``: released (and dropped) rows are not checked again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from wikistream_dagster.contracts import quarantine as Q
from wikistream_dagster.contracts.checks import Constraint
from wikistream_dagster.contracts.tables import QUARANTINE_TABLE, table
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs.tables import ensure_tables, qualified

IDENTITY = ("event_id", "row_hash", "copy_no")
UNHASHED = ("processed_at",)  # changes on every rebuild of an hour; not part of the row's identity
JSON_OPTIONS = {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"}  # keep microseconds
ENTRY_COLUMNS = table(QUARANTINE_TABLE).column_names


def json_and_hash(columns: dict[str, Column]) -> tuple[Column, Column]:
    """A row's ``row_json`` and ``row_hash`` from its named columns (in table order): the one
    definition of a quarantined row's identity, for new entries and for redacted ones."""
    hashed = [c for name, c in columns.items() if name not in UNHASHED]
    return (
        F.to_json(F.struct(*columns.values()), JSON_OPTIONS),
        F.sha2(F.to_json(F.struct(*hashed), JSON_OPTIONS), 256),
    )


def identify(rows: DataFrame) -> DataFrame:
    """``rows`` plus ``row_json``, ``row_hash``, ``copy_no`` and ``dup_rank`` (1 = first copy).

    Window functions over ``event_id``: give it whole event-id groups (every row of an id in
    the hours concerned), or the numbers differ from the quality job's.
    """
    row_json, row_hash = json_and_hash({c: F.col(c) for c in rows.columns})
    order = [F.col("processed_at")] if "processed_at" in rows.columns else [F.lit(0)]
    return (
        rows.withColumn("row_json", row_json)
        .withColumn("row_hash", row_hash)
        .withColumn(
            "copy_no",
            F.row_number().over(Window.partitionBy("event_id", "row_hash").orderBy(*order)),
        )
        .withColumn(
            "dup_rank",
            F.row_number().over(
                Window.partitionBy("event_id").orderBy(*order, "row_hash", "copy_no")
            ),
        )
    )


def violation_filter(c: Constraint) -> str | None:
    """SQL over ``identify``'s output selecting the rows that break ``c`` (None: aggregate)."""
    if c.row_ok is not None:
        return f"NOT coalesce(({c.row_ok}), false)"  # Deequ counts a null predicate as failing
    if c.unique_key is not None:
        assert c.unique_key == "event_id", "dup_rank numbers the copies of an event id"
        return "event_id IS NOT NULL AND dup_rank > 1"
    return None


def violations(rows: DataFrame, constraints: Iterable[Constraint]) -> DataFrame | None:
    """The rows breaking the row rules of ``constraints``: identified, with a ``rule`` column."""
    ided = identify(rows)
    parts = [
        ided.where(cond).withColumn("rule", F.lit(c.name))
        for c in constraints
        if (cond := violation_filter(c)) is not None
    ]
    return functools.reduce(DataFrame.unionByName, parts) if parts else None


def table(spark: SparkSession) -> DataFrame:
    ensure_tables(spark, Q.QUARANTINE)
    return spark.table(qualified(Q.QUARANTINE))


def _row_states(spark: SparkSession) -> DataFrame:
    """Per quarantined row (markers excluded): does it have a held / a dropped entry?"""
    return (
        table(spark)
        .where("row_hash IS NOT NULL")
        .groupBy(*IDENTITY)
        .agg(
            F.max((F.col("status") == Q.HELD).cast("int")).alias("held"),
            F.max((F.col("status") == Q.DROPPED).cast("int")).alias("dropped"),
        )
    )


def without(rows: DataFrame, identities: DataFrame) -> DataFrame:
    """``rows`` minus the rows whose identity is in ``identities`` (same columns, same order).

    Only the event ids named in ``identities`` are hashed and numbered; an empty set returns
    ``rows`` untouched (the usual case: nothing quarantined).
    """
    ids = identities.select(*IDENTITY).distinct()
    if ids.isEmpty():
        return rows
    named = ids.select(F.col("event_id").alias("q_id")).distinct()
    same_id = F.col("event_id").eqNullSafe(F.col("q_id"))
    clean = rows.join(F.broadcast(named), same_id, "left_anti")
    suspect = rows.join(F.broadcast(named), same_id, "left_semi")
    q = ids.select(*(F.col(c).alias(f"q_{c}") for c in IDENTITY))
    same = functools.reduce(
        lambda a, b: a & b, (F.col(c).eqNullSafe(F.col(f"q_{c}")) for c in IDENTITY)
    )
    kept = identify(suspect).join(F.broadcast(q), same, "left_anti").select(*rows.columns)
    return clean.unionByName(kept)


def never_used(spark: SparkSession) -> bool:
    """No quarantine commit yet (metadata only, no Spark job): the usual case costs nothing,
    and the readers do not create the table (two catalog calls instead of five statements)."""
    if not spark.catalog.tableExists(qualified(Q.QUARANTINE)):
        return True
    return iceberg.current_snapshot_id(spark, Q.QUARANTINE) is None


def exclude_quarantined(silver_df: DataFrame, spark: SparkSession) -> DataFrame:
    """Silver rows gold may read: every row but the held and the dropped ones.

    ``silver_df`` must have silver's columns (a row's hash covers them all).
    """
    if never_used(spark):
        return silver_df
    return without(silver_df, _row_states(spark).where("held = 1 OR dropped = 1"))


def skip_resolved(rows: DataFrame, spark: SparkSession) -> DataFrame:
    """Silver rows the quality check measures: released (or dropped) rows are not measured again."""
    if never_used(spark):
        return rows
    return without(rows, _row_states(spark).where("held = 0"))


def held_hours(spark: SparkSession, hours: list[H.Hour] | None = None) -> list[str]:
    """Hours with a held row or marker (Spark side; the schedule uses the pyiceberg reader)."""
    q = table(spark).where(f"status = '{Q.HELD}'")
    if hours is not None:
        q = q.where(H.predicate(hours))
    found = q.select("event_date", "event_hour").distinct().collect()
    return sorted(H.format_hour((r["event_date"], r["event_hour"])) for r in found)
