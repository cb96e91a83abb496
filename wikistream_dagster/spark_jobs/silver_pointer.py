"""Where silver stands, read from its snapshots: for the jobs after it (quality, gold).

Kept out of the ``silver_batch.py`` entry script so that the jobs reading silver's state do
not import the job that writes it.
"""

from __future__ import annotations

from pyspark.sql import SparkSession

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs import iceberg_publish as publish
from wikistream_dagster.spark_jobs.tables import SILVER


def head(spark: SparkSession) -> tuple[int | None, str | None]:
    """Silver's current snapshot id and its bronze pointer, from one table load."""
    h = read_head(spark)
    return h.snapshot_id, (h.latest or {}).get(S.BRONZE_SNAPSHOT)


def read_head(spark: SparkSession) -> publish.Head:
    """Silver's head as its writer needs it: snapshot, bronze pointer, staging (WAP) flag."""
    return publish.read_head(spark, SILVER, S.BRONZE_SNAPSHOT, (S.BRONZE_SNAPSHOT,))


def latest_hours(spark: SparkSession) -> list[H.Hour]:
    """The hours the newest silver write touched (from its snapshot summary)."""
    raw = iceberg.latest_property(spark, SILVER, S.HOURS) or ""
    return H.parse_hours([raw]) if raw else []
