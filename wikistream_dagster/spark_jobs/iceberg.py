"""Iceberg writes the jobs share: insert-only MERGE with snapshot properties, hour overwrites.

Snapshot summaries carry the pipeline's bookkeeping (batch id, Kafka offsets, the bronze
snapshot silver processed up to), so the bookkeeping commits atomically with the data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.spark_jobs.tables import qualified

log = logging.getLogger(__name__)


class _JavaCallable:
    """A Python function the JVM can call as ``java.util.concurrent.Callable``."""

    def __init__(self, fn: Callable[[], Any]):
        self.fn = fn

    def call(self) -> None:
        self.fn()

    class Java:
        implements = ["java.util.concurrent.Callable"]


def with_commit_properties(
    spark: SparkSession, props: Mapping[str, str], fn: Callable[[], Any]
) -> None:
    """Run ``fn`` (SQL writes) so that its Iceberg commits carry ``props`` in their summary.

    SQL MERGE takes no write options, so Iceberg's ``CommitMetadata`` (a thread-local) is the
    only way in. py4j's pinned-thread mode runs the Python callback's SQL on the very JVM
    thread that set the properties.
    """
    jvm = spark.sparkContext._jvm
    jprops = jvm.java.util.HashMap()
    for key, value in props.items():
        jprops.put(key, str(value))
    exc = jvm.java.lang.Class.forName("java.lang.RuntimeException")
    jvm.org.apache.iceberg.spark.CommitMetadata.withCommitProperties(jprops, _JavaCallable(fn), exc)


def merge_insert_new(
    spark: SparkSession,
    source: DataFrame,
    table: str,
    key: str,
    target_filter: str,
    props: Mapping[str, str],
) -> float:
    """``MERGE INTO table USING source ON key ... WHEN NOT MATCHED THEN INSERT *``.

    ``target_filter`` (on alias ``t``) restricts the target scan to the partitions the source
    can hit, so the cost follows the batch, not the table. Returns the seconds it took.
    """
    view = f"merge_source_{abs(hash((table, time.monotonic_ns())))}"
    source.createOrReplaceTempView(view)
    sql = (
        f"MERGE INTO {qualified(table)} t USING {view} s "
        f"ON t.{key} = s.{key} AND t.event_date = s.event_date AND t.event_hour = s.event_hour "
        f"AND {target_filter} WHEN NOT MATCHED THEN INSERT *"
    )
    started = time.monotonic()
    try:
        with_commit_properties(spark, props, lambda: spark.sql(sql))
    finally:
        spark.catalog.dropTempView(view)
    return time.monotonic() - started


def overwrite_where(df: DataFrame, table: str, condition: str, props: Mapping[str, str]) -> None:
    """Replace every row matching ``condition`` (e.g. the affected hours) with ``df``, in one
    atomic commit; an hour that has no rows any more ends up empty, not stale."""
    writer = df.writeTo(qualified(table))
    for k, v in props.items():
        writer = writer.option(f"snapshot-property.{k}", str(v))
    writer.overwrite(F.expr(condition))


def append(df: DataFrame, table: str, props: Mapping[str, str]) -> None:
    writer = df.writeTo(qualified(table))
    for k, v in props.items():
        writer = writer.option(f"snapshot-property.{k}", str(v))
    writer.append()


def snapshots(spark: SparkSession, table: str) -> list[dict[str, Any]]:
    """The table's snapshots, newest first (id, parent, time, operation, summary)."""
    rows = spark.sql(
        f"SELECT snapshot_id, parent_id, committed_at, operation, summary "
        f"FROM {qualified(table)}.snapshots ORDER BY committed_at DESC"
    ).collect()
    return [r.asDict() for r in rows]


def _java_table(spark: SparkSession, table: str) -> Any:
    """The Iceberg ``Table`` through the JVM: metadata only, no Spark job (freshly loaded)."""
    jvm = spark.sparkContext._jvm
    return jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(
        spark._jsparkSession, qualified(table)
    )


def _snapshot_dict(snap: Any) -> dict[str, Any]:
    return {
        "snapshot_id": snap.snapshotId(),
        "parent_id": snap.parentId(),
        "committed_at_ms": snap.timestampMillis(),
        "operation": snap.operation(),
        "summary": {str(k): str(v) for k, v in snap.summary().items()},
    }


def current_snapshot(spark: SparkSession, table: str) -> dict[str, Any] | None:
    """The table's current snapshot (id, parent, time, operation, summary) or None."""
    snap = _java_table(spark, table).currentSnapshot()
    return None if snap is None else _snapshot_dict(snap)


def current_snapshot_id(spark: SparkSession, table: str) -> int | None:
    """The id of the table's current snapshot (None for an empty table)."""
    snap = _java_table(spark, table).currentSnapshot()
    return None if snap is None else snap.snapshotId()


def latest_snapshot_with(spark: SparkSession, table: str, key: str) -> dict[str, Any] | None:
    """The newest snapshot (walking back from current) whose summary has ``key``, or None."""
    jtable = _java_table(spark, table)
    snap = jtable.currentSnapshot()
    while snap is not None:
        if snap.summary().get(key) is not None:
            return _snapshot_dict(snap)
        parent = snap.parentId()
        snap = None if parent is None else jtable.snapshot(parent)
    return None


def latest_property(spark: SparkSession, table: str, key: str) -> str | None:
    """Summary property ``key`` of the newest snapshot having it, walking back from current.

    Commits without it (compaction, another job) are skipped; usually it is one step away.
    """
    jtable = _java_table(spark, table)
    snap = jtable.currentSnapshot()
    while snap is not None:
        value = snap.summary().get(key)
        if value is not None:
            return str(value)
        parent = snap.parentId()
        snap = None if parent is None else jtable.snapshot(parent)
    return None


def snapshot_exists(spark: SparkSession, table: str, snapshot_id: int) -> bool:
    return _java_table(spark, table).snapshot(int(snapshot_id)) is not None


def snapshot_time(spark: SparkSession, table: str, snapshot_id: int) -> datetime | None:
    """When a snapshot was committed (UTC), or None if it no longer exists."""
    snap = _java_table(spark, table).snapshot(int(snapshot_id))
    return None if snap is None else datetime.fromtimestamp(snap.timestampMillis() / 1000, UTC)
