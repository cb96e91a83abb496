"""Silver rows -> gold analytics per wiki and hour: edit statistics and unusual entities."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from wikistream_dagster.contracts.checks import KNOWN_TYPES

HOUR_KEYS = ("wiki", "event_date", "event_hour")

BASELINE_HOURS = 24  # trailing window an entity is compared with
MIN_TREND_EVENTS = 3  # fewer events in the hour are never "unusual"
MIN_TREND_SCORE = 3.0
TOP_ENTITIES = 50  # per wiki, hour and entity type


def hour_start(date_col: str = "event_date", hour_col: str = "event_hour") -> Column:
    """The hour's start as a UTC timestamp."""
    return (F.col(date_col).cast("timestamp") + F.make_interval(hours=F.col(hour_col))).alias(
        "hour_start"
    )


def _share(part: Column, whole: Column) -> Column:
    return F.when(whole > 0, part / whole).otherwise(F.lit(None).cast("double"))


def hourly_edit_stats(silver: DataFrame) -> DataFrame:
    """``gold.hourly_edit_stats``: per wiki and hour, volumes, editor mix and byte deltas.

    Shares are fractions of all events in the hour; byte statistics cover edits and page
    creations (the events with a size); ``bytes_removed`` is a positive number.
    """
    delta = F.col("byte_delta")
    abs_delta = F.abs(delta)
    by_type = [F.count_if(F.col("type") == t).alias(f"n_{t}") for t in KNOWN_TYPES]
    agg = silver.groupBy(*HOUR_KEYS).agg(
        F.count(F.lit(1)).alias("events"),
        *by_type,
        # collect_set, not countDistinct: a distinct aggregate makes Spark group by the user
        # first, with the exact percentile's buffer in every (wiki, hour, user) group (3x slower)
        F.size(F.collect_set("user")).cast("long").alias("distinct_editors"),
        F.count_if("is_bot").alias("bot_events"),
        F.count_if("is_anonymous").alias("anonymous_events"),
        F.coalesce(F.sum(F.when(delta > 0, delta)), F.lit(0)).cast("long").alias("bytes_added"),
        F.coalesce(F.sum(F.when(delta < 0, -delta)), F.lit(0)).cast("long").alias("bytes_removed"),
        F.avg(abs_delta).alias("mean_abs_byte_delta"),
        F.percentile(abs_delta, F.lit(0.95)).alias("p95_abs_byte_delta"),
    )
    type_map = F.map_filter(
        F.create_map(
            *[x for t in KNOWN_TYPES for x in (F.lit(t), F.col(f"n_{t}"))],
            F.lit("other"),
            F.col("events") - sum(F.col(f"n_{t}") for t in KNOWN_TYPES),
        ),
        lambda _, v: v > 0,
    )
    return agg.select(
        "wiki",
        "event_date",
        "event_hour",
        hour_start(),
        "events",
        type_map.alias("events_by_type"),
        F.col("n_edit").alias("edits"),
        F.col("n_new").alias("new_pages"),
        F.col("n_log").alias("log_events"),
        "distinct_editors",
        "bot_events",
        _share(F.col("bot_events"), F.col("events")).alias("bot_share"),
        "anonymous_events",
        _share(F.col("anonymous_events"), F.col("events")).alias("anonymous_share"),
        "bytes_added",
        "bytes_removed",
        "mean_abs_byte_delta",
        F.col("p95_abs_byte_delta").cast("double").alias("p95_abs_byte_delta"),
        F.current_timestamp().alias("computed_at"),
    )


def _hour_index(date_col: str = "event_date", hour_col: str = "event_hour") -> Column:
    """Hours since the epoch: makes "the previous 24 hours" plain integer arithmetic."""
    return (F.unix_date(F.col(date_col)) * 24 + F.col(hour_col)).cast("long")


ENTITY_KEYS = (*HOUR_KEYS, "entity_type", "entity")


def entity_hourly(silver: DataFrame) -> DataFrame:
    """``gold.entity_hourly``: events per wiki, hour and entity (a page title or an editor).

    The trends' building block: kept per hour in the lake so that a gold run reads 24 hours of
    these small rows instead of rescanning 24 hours of silver.
    """

    def entities(kind: str, column: str) -> DataFrame:
        return silver.select(
            *HOUR_KEYS, F.lit(kind).alias("entity_type"), F.col(column).alias("entity")
        )

    return (
        entities("page", "title")
        .unionByName(entities("editor", "user"))
        .where(F.col("entity").isNotNull())
        .groupBy(*ENTITY_KEYS)
        .agg(F.count(F.lit(1)).alias("events"))
    )


def entity_trends(silver: DataFrame, target: DataFrame) -> DataFrame:
    """``gold.entity_trends`` straight from silver (the target hours and the baseline before).

    The gold job gets the same result from :func:`trends_from_hourly` with the baseline read
    from ``gold.entity_hourly``.
    """
    return trends_from_hourly(entity_hourly(silver), target)


def trends_from_hourly(
    hourly: DataFrame, target: DataFrame, activity: DataFrame | None = None
) -> DataFrame:
    """``gold.entity_trends``: pages and editors unusually active against their own baseline.

    Args:
        hourly: ``entity_hourly`` rows of the target hours and, at least for the entities
            active in them, of the ``BASELINE_HOURS`` before each.
        target: the (``event_date``, ``event_hour``) rows to score.
        activity: (``wiki``, ``event_date``, ``event_hour``) of every wiki hour with any entity
            in those hours (``baseline_hours`` counts them); default: the hours of ``hourly``,
            which is right when ``hourly`` was not pruned to the active entities.

    Score = (events - mean) / sqrt(var + mean + 1), where mean and var are the entity's hourly
    counts over the trailing window (hours without activity count as 0). The ``+ mean`` term is
    Poisson noise, the ``+ 1`` keeps a first appearance finite: an entity with no history and 5
    events scores 5. Entities with at least ``MIN_TREND_EVENTS`` events and a score of at least
    ``MIN_TREND_SCORE`` are kept, ranked per wiki, hour and entity type (top ``TOP_ENTITIES``).
    """
    counts = hourly.select(
        "wiki", _hour_index().alias("h"), "entity_type", "entity", F.col("events").alias("n")
    )
    active = (hourly if activity is None else activity).select("wiki", _hour_index().alias("h"))
    hours = target.select(_hour_index().alias("th")).distinct()

    def trailing(df: DataFrame) -> DataFrame:
        return df.join(F.broadcast(hours), (df.h < hours.th) & (df.h >= hours.th - BASELINE_HOURS))

    current = counts.join(F.broadcast(hours), counts.h == hours.th).select(
        "wiki", "th", "entity_type", "entity", F.col("n").alias("events")
    )
    baseline = (
        trailing(counts)
        .groupBy("wiki", "th", "entity_type", "entity")
        .agg(F.sum("n").alias("s"), F.sum(F.col("n") * F.col("n")).alias("s2"))
    )
    history = (
        trailing(active.distinct())
        .groupBy("wiki", "th")
        .agg(F.countDistinct("h").alias("baseline_hours"))
    )
    return score_trends(current, baseline, history)


def score_trends(current: DataFrame, baseline: DataFrame, history: DataFrame) -> DataFrame:
    """Score, filter and rank the entities of the target hours (``th``: hour index).

    Args:
        current: ``wiki, th, entity_type, entity, events`` of the target hours.
        baseline: ``wiki, th, entity_type, entity, s, s2``: sum and sum of squares of the
            entity's hourly counts over the ``BASELINE_HOURS`` before ``th``.
        history: ``wiki, th, baseline_hours``: hours of that window with any activity.
    """
    mean = F.coalesce(F.col("s"), F.lit(0)) / BASELINE_HOURS
    var = F.greatest(F.coalesce(F.col("s2"), F.lit(0)) / BASELINE_HOURS - mean * mean, F.lit(0.0))
    scored = (
        current.join(baseline, ["wiki", "th", "entity_type", "entity"], "left")
        .join(history, ["wiki", "th"], "left")
        .select(
            "wiki",
            "th",
            "entity_type",
            "entity",
            "events",
            mean.alias("baseline_mean"),
            F.sqrt(var).alias("baseline_std"),
            F.coalesce("baseline_hours", F.lit(0)).cast("int").alias("baseline_hours"),
            ((F.col("events") - mean) / F.sqrt(var + mean + 1)).alias("score"),
        )
        .where((F.col("events") >= MIN_TREND_EVENTS) & (F.col("score") >= MIN_TREND_SCORE))
    )
    rank = F.row_number().over(
        Window.partitionBy("wiki", "th", "entity_type").orderBy(F.desc("score"), "entity")
    )
    ranked = scored.withColumn("rank", rank).where(F.col("rank") <= TOP_ENTITIES)
    day = F.date_from_unix_date(F.floor(F.col("th") / 24).cast("int"))
    return ranked.select(
        "wiki",
        day.alias("event_date"),
        (F.col("th") % 24).cast("int").alias("event_hour"),
        (day.cast("timestamp") + F.make_interval(hours=(F.col("th") % 24).cast("int"))).alias(
            "hour_start"
        ),
        "entity_type",
        "entity",
        "events",
        "baseline_mean",
        "baseline_std",
        "baseline_hours",
        "score",
        F.col("rank").cast("int").alias("rank"),
        F.current_timestamp().alias("computed_at"),
    )
