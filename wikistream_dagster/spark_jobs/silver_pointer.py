"""Where silver stands, read from its snapshots: for the jobs after it (quality, gold).

Kept out of the ``silver_batch.py`` entry script so that the jobs reading silver's state do
not import the job that writes it.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs.tables import SILVER


def head(spark: SparkSession, jtable: Any = None) -> tuple[int | None, str | None]:
    """Silver's current snapshot id and its bronze pointer, from one table load (or the
    loaded table ``jtable``)."""
    jtable = jtable if jtable is not None else iceberg._java_table(spark, SILVER)
    snap = jtable.currentSnapshot()
    current = None if snap is None else snap.snapshotId()
    while snap is not None:
        value = snap.summary().get(S.BRONZE_SNAPSHOT)
        if value is not None:
            return current, str(value)
        parent = snap.parentId()
        snap = None if parent is None else jtable.snapshot(parent)
    return current, None


def latest_hours(spark: SparkSession) -> list[H.Hour]:
    """The hours the newest silver write touched (from its snapshot summary)."""
    raw = iceberg.latest_property(spark, SILVER, S.HOURS) or ""
    return H.parse_hours([raw]) if raw else []
