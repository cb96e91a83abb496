"""Gold's trends from ``gold.entity_hourly`` equal the full 24-hour rescan of silver they replace.

The reference below is the rescan ``entity_trends`` as it was before the aggregate table (its
counts and baselines copied unchanged; the scoring they feed is ``gold.score_trends``, which
both paths share), run on the same silver the gold job reads. The gold job runs for real (real
catalog, real Iceberg tables) over a history that is only partly aggregated.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from tests.spark.conftest import reset_lake
from wikistream_dagster.spark_jobs import gold_batch, gold_trends
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs.tables import (
    ENTITY_HOURLY,
    ENTITY_TRENDS,
    SILVER,
    ensure_tables,
    qualified,
)
from wikistream_dagster.spark_jobs.transforms import gold
from wikistream_dagster.spark_jobs.transforms.gold import (
    BASELINE_HOURS,
    _hour_index,
)

pytestmark = pytest.mark.slow

T0 = datetime(2018, 3, 8, 0)
N_HOURS = 30
COLUMNS = "event_id string, event_time timestamp, wiki string, title string, user string"


def hour(i: int) -> H.Hour:
    t = T0 + timedelta(hours=i)
    return t.date(), t.hour


def rescan_entity_trends(silver: DataFrame, target: DataFrame) -> DataFrame:
    """``transforms.gold.entity_trends`` before ``gold.entity_hourly`` existed (verbatim up to
    the scoring)."""
    entities = (
        silver.select(
            "wiki",
            _hour_index().alias("h"),
            F.lit("page").alias("entity_type"),
            F.col("title").alias("entity"),
        )
        .unionByName(
            silver.select(
                "wiki",
                _hour_index().alias("h"),
                F.lit("editor").alias("entity_type"),
                F.col("user").alias("entity"),
            )
        )
        .where(F.col("entity").isNotNull())
    )
    counts = entities.groupBy("wiki", "h", "entity_type", "entity").agg(
        F.count(F.lit(1)).alias("n")
    )
    hours = target.select(_hour_index().alias("th")).distinct()

    current = counts.join(F.broadcast(hours), counts.h == hours.th).select(
        "wiki", "th", "entity_type", "entity", F.col("n").alias("events")
    )
    window = counts.join(
        F.broadcast(hours),
        (counts.h < hours.th) & (counts.h >= hours.th - BASELINE_HOURS),
    )
    baseline = window.groupBy("wiki", "th", "entity_type", "entity").agg(
        F.sum("n").alias("s"), F.sum(F.col("n") * F.col("n")).alias("s2")
    )
    history = window.groupBy("wiki", "th").agg(F.countDistinct("h").alias("baseline_hours"))
    return gold.score_trends(current, baseline, history)


def events(rng: random.Random, hours: range, tag: str, per_hour: int = 120) -> list[tuple]:
    """Heavy-tailed pages and editors on three wikis, some rows without a user, a wiki quiet
    every third hour, and bursts of one editor on one page that recur at varying intervals."""
    rows = []
    for i in hours:
        start = T0 + timedelta(hours=i)
        for k in range(per_hour):
            wiki = rng.choice("aab" if i % 3 == 0 else "aabc")
            title = f"P{int(40 * rng.random() ** 2)}"
            user = None if rng.random() < 0.05 else f"U{int(15 * rng.random() ** 3)}"
            rows.append((f"{tag}-{i}-{k}", start + timedelta(seconds=k * 29), wiki, title, user))
        for w, m in (("a", 5), ("b", 7), ("c", 11)):  # bursts: one editor on one page
            for k in range(3 + (i * m) % 6):
                t = start + timedelta(seconds=k * 7 + m)
                rows.append((f"{tag}-{i}-{w}{k}", t, w, f"Hot{(i + m) % m}", f"Burst{i % m}"))
    return rows


def append_silver(spark, rows: list[tuple]) -> None:
    """Rows into silver (the other columns null): the gold job reads the silver table."""
    df = spark.createDataFrame(rows, COLUMNS)
    df = df.withColumn("event_date", F.to_date("event_time")).withColumn(
        "event_hour", F.hour("event_time")
    )
    table = spark.table(qualified(SILVER))
    cols = [
        (F.col(f.name) if f.name in df.columns else F.lit(None)).cast(f.dataType).alias(f.name)
        for f in table.schema.fields
    ]
    df.select(*cols).writeTo(qualified(SILVER)).append()


def rows_of(df: DataFrame) -> set[tuple]:
    return {tuple(r) for r in df.drop("computed_at").collect()}


def assert_same_as_rescan(spark, hours: list[H.Hour]) -> None:
    window = H.time_range_predicate(H.shift(hours[0], -BASELINE_HOURS), hours[-1])
    target = spark.createDataFrame(hours, "event_date date, event_hour int")
    expected = rows_of(rescan_entity_trends(spark.table(qualified(SILVER)).where(window), target))
    got = rows_of(spark.table(qualified(ENTITY_TRENDS)).where(H.predicate(hours)))
    assert got == expected
    assert len(expected) >= 2 * len(hours)  # the data makes the comparison meaningful


def test_baseline_hours_leave_out_the_runs_own_hours():
    run = [hour(30), hour(31)]
    base = gold_trends.baseline_hours(run)
    assert base == [hour(i) for i in range(30 - BASELINE_HOURS, 30)]
    assert gold_trends.baseline_hours([hour(30), hour(32)])[-2:] == [hour(29), hour(31)]


def test_trends_from_aggregates_equal_the_full_rescan(lake):
    spark = lake
    reset_lake(spark)
    ensure_tables(spark, SILVER)
    rng = random.Random(11)
    append_silver(spark, events(rng, range(N_HOURS), "x"))

    # History aggregated (as earlier gold runs leave it) for hours 5-20 only; hours 0-4 and
    # 21-28 were never aggregated (e.g. history from before the table existed).
    ensure_tables(spark, ENTITY_HOURLY)
    history = [hour(i) for i in range(5, 21)]
    gold.entity_hourly(spark.table(qualified(SILVER)).where(H.predicate(history))).writeTo(
        qualified(ENTITY_HOURLY)
    ).append()

    # Late events rewrite an older hour in silver; gold rebuilds that hour and its aggregate.
    append_silver(spark, events(rng, range(12, 13), "late", per_hour=60))
    spark.conf.set(gold_batch.CACHE_COMPRESSED, "true")
    gold_batch.run(spark, [hour(12)])  # caches uncompressed: a short run
    assert spark.conf.get(gold_batch.CACHE_COMPRESSED) == "true", "the session's setting is back"
    assert_same_as_rescan(spark, [hour(12)])
    stored = spark.table(qualified(ENTITY_HOURLY)).where(H.predicate([hour(12)]))
    fresh = gold.entity_hourly(spark.table(qualified(SILVER)).where(H.predicate([hour(12)])))
    assert rows_of(stored) == rows_of(fresh)

    # Two hours apart: their windows hold the rebuilt hour 12 (read from the table), hours
    # never aggregated (built from silver on the fly), and, for hour 29, hour 27 (this run's).
    again = gold_batch.run(spark, [hour(27), hour(29)])
    assert again["baseline_hours_from_silver"] == [
        H.format_hour(hour(i)) for i in (3, 4, *range(21, 27), 28)
    ]
    assert_same_as_rescan(spark, [hour(27), hour(29)])
