"""Entity trends from the hourly per-entity aggregates, so gold's cost follows its hours.

A gold run aggregates the hours it rebuilds from silver (``gold.entity_hourly``, written by the
run with the other gold tables) and reads the trailing ``BASELINE_HOURS`` from that table:
only the rows of the entities that can trend in the run's hours (at least ``MIN_TREND_EVENTS``
there), and only the columns the score needs.

A baseline hour that has no aggregate rows (history from before this table existed, or an hour
gold never ran for) is aggregated from silver on the fly, for that run only: the result never
depends on history having been aggregated, only the cost does. The table's hours are rewritten
exactly when gold rebuilds them, as silver's are, so an aggregate is as fresh as the hour's gold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs.tables import ENTITY_HOURLY, qualified
from wikistream_dagster.spark_jobs.transforms import gold

SilverReader = Callable[[list[H.Hour]], DataFrame]


def baseline_hours(hours: list[H.Hour]) -> list[H.Hour]:
    """The hours in the trailing windows of ``hours`` that the run does not rebuild itself."""
    window = {H.shift(h, -k) for h in hours for k in range(1, gold.BASELINE_HOURS + 1)}
    return sorted(window - set(hours))


def aggregated_hours(spark: SparkSession, hours: list[H.Hour]) -> set[H.Hour]:
    """Those of ``hours`` that have rows in ``gold.entity_hourly``, from the table's partition
    metadata (manifests only, no data file is read)."""
    if not hours:
        return set()
    rows = spark.sql(
        f"SELECT partition.event_date AS d, partition.event_hour AS h "
        f"FROM {qualified(ENTITY_HOURLY)}.partitions WHERE {H.predicate(hours, 'partition')}"
    ).collect()
    return {(r["d"], r["h"]) for r in rows}


class Trends(NamedTuple):
    """``gold.entity_trends`` rows, the baseline hours aggregated from silver, and ``free()``
    to call once the rows are written (it drops the cached baselines)."""

    rows: DataFrame
    from_silver: list[H.Hour]
    free: Callable[[], object]


def entity_trends(
    spark: SparkSession, current: DataFrame, hours: list[H.Hour], read_silver: SilverReader
) -> Trends:
    """``gold.entity_trends`` of ``hours`` (see :class:`Trends`).

    Args:
        current: ``gold.entity_hourly`` rows of ``hours``, computed from silver by this run.
        hours: the run's hours.
        read_silver: silver rows of the given hours, as the gold job reads them.
    """
    base = baseline_hours(hours)
    have = aggregated_hours(spark, base)
    missing = [h for h in base if h not in have]
    stored = (
        spark.table(qualified(ENTITY_HOURLY))
        .where(H.predicate([h for h in base if h in have]))
        .select(*gold.ENTITY_KEYS, "events")
    )
    if missing:
        stored = stored.unionByName(gold.entity_hourly(read_silver(missing)))
    # Only entities with MIN_TREND_EVENTS in a run's hour can be kept: their baselines suffice.
    active = (
        current.where(F.col("events") >= gold.MIN_TREND_EVENTS)
        .select("wiki", "entity_type", "entity")
        .distinct()
        .withColumn("_active", F.lit(True))
    )
    # One scan of the stored hours serves both the baselines and the wiki hours with any
    # activity: the rows of the other entities fold into one (entity null) row per wiki hour.
    marked = stored.join(F.broadcast(active), ["wiki", "entity_type", "entity"], "left")
    keep = F.col("_active").isNotNull()
    folded = marked.groupBy(
        *gold.HOUR_KEYS,
        F.when(keep, F.col("entity_type")).alias("entity_type"),
        F.when(keep, F.col("entity")).alias("entity"),
    ).agg(F.sum("events").alias("events"))
    # Small (the active entities' rows and one per wiki hour) and read three times below:
    # cached, or the stored hours are scanned once per reader. Freed with ``free``.
    folded = folded.cache()
    baseline = folded.where(F.col("entity").isNotNull())
    activity = folded.select(*gold.HOUR_KEYS).unionByName(current.select(*gold.HOUR_KEYS))
    target = spark.createDataFrame(hours, "event_date date, event_hour int")
    trends = gold.trends_from_hourly(current.unionByName(baseline), target, activity)
    return Trends(trends, missing, folded.unpersist)
