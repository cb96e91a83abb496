"""The ``deleted_pages_redacted`` check: nothing of a deleted page is left for the run's hours.

After gold, for the hours the run processed: no silver row of a deleted page (up to its
deletion) still has a title, comment or user; no hidden revision still has its hidden fields;
no gold row names a deleted page (trends' page entities, hourly entities, risk lists). Gold rows
are matched by title: a redacted row's user cannot be matched any more, and that is the point.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.contracts.checks import DELETED_PAGES_REDACTED
from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import redact_quarantine, runtime
from wikistream_dagster.spark_jobs.tables import (
    ENTITY_HOURLY,
    ENTITY_TRENDS,
    HIDDEN_REVISIONS,
    PAGE_STATE,
    RISK_SCORES,
    SILVER,
    qualified,
)
from wikistream_dagster.spark_jobs.transforms.redact import deleted_upto, still_hidden, title_key


def _left(rows: DataFrame, deleted: DataFrame, title: str, time_col: str, hourly: bool) -> int:
    """Rows of ``rows`` named by a deleted title from before its newest deletion. ``hourly``:
    rows are hours starting at ``time_col``; an hour of a restored page counts only if it
    ended by the deletion (after a restore in the same hour the page is shown again)."""
    keyed = rows.withColumn("title_key", title_key(F.col(title)))
    hits = keyed.join(F.broadcast(deleted), ["wiki", "title_key"])
    t, upto = F.col(time_col), F.col("upto")
    ok = t <= upto
    if hourly:
        ok = ok & (F.col("deleted") | (t + F.expr("INTERVAL 1 HOUR") <= upto))
    return hits.where(ok).count()


def run(spark: SparkSession, hours: list[H.Hour]) -> dict[str, Any]:
    """Rows still holding what a deletion or revision hiding took away, per table."""
    out: dict[str, Any] = {"hours": [H.format_hour(h) for h in hours], "left": {}}
    if not hours:
        return out | {"passed": True}
    only = H.predicate(hours)
    deleted = (
        spark.table(qualified(PAGE_STATE))
        .select("wiki", "title_key", "deleted", deleted_upto().alias("upto"))
        .where("upto IS NOT NULL")
    )
    silver = spark.table(qualified(SILVER)).where(only)
    hidden = spark.table(qualified(HIDDEN_REVISIONS))
    revs = still_hidden(silver, hidden)
    pages = spark.table(qualified(ENTITY_TRENDS)).where(only).where("entity_type = 'page'")
    hourly = spark.table(qualified(ENTITY_HOURLY)).where(only).where("entity_type = 'page'")
    out["left"] = {
        QUARANTINE: redact_quarantine.left(spark, deleted, hidden),
        SILVER: _left(silver, deleted, "title", "event_time", False) + revs.count(),
        ENTITY_TRENDS: _left(pages, deleted, "entity", "hour_start", True),
        ENTITY_HOURLY: _left(
            hourly.withColumn(
                "hour_start",
                F.col("event_date").cast("timestamp") + F.make_interval(hours=F.col("event_hour")),
            ),
            deleted,
            "entity",
            "hour_start",
            True,
        ),
        RISK_SCORES: _left(
            spark.table(qualified(RISK_SCORES)).where(only), deleted, "title", "event_time", False
        ),
    }
    return out | {"passed": not any(out["left"].values())}


def report(reporter: runtime.Reporter, result: dict[str, Any]) -> None:
    reporter.check(
        SILVER,
        DELETED_PAGES_REDACTED.name,
        result["passed"],
        "ERROR",
        {"rows_left": result["left"], "hours": result["hours"]},
    )
