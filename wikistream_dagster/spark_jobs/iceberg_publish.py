"""An insert-only MERGE that commits only if no other writer added rows meanwhile.

Spark plans an insert-only MERGE as an append, and Iceberg commits appends without a conflict
check: its commit retry re-applies the append on top of whatever was committed meanwhile (the
base is refreshed at commit time, so ``commit.retry.num-retries=0`` narrows the window but
does not close it). Two writers that read the table before either committed therefore both
insert the same rows. Row-level MERGE modes would validate, but they commit as ``overwrite``,
which silver's incremental read (appends only) would skip.

So the MERGE is staged (Iceberg write-audit-publish: ``spark.wap.id``; the snapshot is written
but ``main`` does not move), then published by a compare-and-set of ``main``: the catalog
commit asserts that ``main`` still points at the staged snapshot's parent (the REST commit's
``assert-ref-snapshot-id`` requirement), and before it every snapshot between the one the
writer expected and that parent is checked to add no rows (a compaction may pass). A staged
snapshot that loses is never part of the table and is removed by snapshot expiry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.spark_jobs import iceberg

WAP_PROPERTY = "write.wap.enabled"
_wap_ready: set[str] = set()


class CommitConflict(RuntimeError):
    """Another writer added rows to the table between this writer's read and its commit."""


def _adds_rows(snap: Any) -> bool:
    summary = snap.summary()
    return snap.operation() != "replace" and int(summary.get("added-records") or 0) > 0


def _ensure_wap(spark: SparkSession, table: str) -> None:
    if table in _wap_ready:
        return
    props = iceberg._java_table(spark, table).properties()
    if props.get(WAP_PROPERTY) != "true":
        spark.sql(
            f"ALTER TABLE {iceberg.qualified(table)} SET TBLPROPERTIES ('{WAP_PROPERTY}'='true')"
        )
    _wap_ready.add(table)


def merge_exclusive(
    spark: SparkSession,
    table: str,
    expected: int | None,
    merge: Callable[[], float],
    conflicts: Callable[[Any], bool] = _adds_rows,
) -> float:
    """Run ``merge`` (an ``iceberg.merge_insert_new`` call) staged, then publish it only if
    no snapshot adding rows (or matching ``conflicts``) was committed after ``expected`` (the
    current snapshot the writer checked). Raises ``CommitConflict`` otherwise; returns
    ``merge``'s seconds."""
    _ensure_wap(spark, table)
    wap_id = uuid.uuid4().hex
    spark.conf.set("spark.wap.id", wap_id)
    try:
        seconds = merge()
    finally:
        spark.conf.unset("spark.wap.id")
    jtable = iceberg._java_table(spark, table)
    staged = _staged(jtable, wap_id)
    if staged is None:
        return seconds  # nothing committed
    snap_id = staged.parentId()
    while snap_id is not None and snap_id != expected:
        snap = jtable.snapshot(snap_id)
        if conflicts(snap):
            raise CommitConflict(
                f"snapshot {snap_id} ({snap.summary().get('wikistream.batch-id', 'no batch id')}"
                f", {snap.operation()}) added rows to {table} after snapshot {expected}"
            )
        snap_id = snap.parentId()
    if snap_id != expected:
        raise CommitConflict(f"snapshot {expected} is no longer an ancestor of {table}'s main")
    _publish(spark, jtable, staged)
    return seconds


def _staged(jtable: Any, wap_id: str) -> Any:
    """The snapshot staged under ``wap_id``: searched from the newest (usually the last)."""
    snaps = jtable.operations().current().snapshots()
    for i in range(snaps.size() - 1, -1, -1):
        if snaps.get(i).summary().get("wap.id") == wap_id:
            return snaps.get(i)
    return None


def _publish(spark: SparkSession, jtable: Any, staged: Any) -> None:
    """Move ``main`` to ``staged`` only if it still points at ``staged``'s parent (CAS)."""
    jvm = spark.sparkContext._jvm
    ops = jtable.operations()
    base = ops.refresh()
    main = base.ref("main")
    current = None if main is None else main.snapshotId()
    if current != staged.parentId():
        raise CommitConflict(f"main moved to snapshot {current} while this batch was staged")
    updated = (
        jvm.org.apache.iceberg.TableMetadata.buildFrom(base)
        .setBranchSnapshot(staged.snapshotId(), "main")
        .build()
    )
    try:
        ops.commit(base, updated)  # no retry: the catalog rejects it if main moved
    except Exception as exc:
        if "CommitFailedException" in str(exc):
            raise CommitConflict(f"main moved while publishing: {str(exc)[:200]}") from exc
        raise
