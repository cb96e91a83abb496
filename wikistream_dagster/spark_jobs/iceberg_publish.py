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

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import iceberg

WAP_PROPERTY = "write.wap.enabled"


class CommitConflict(RuntimeError):
    """Another writer added rows to the table between this writer's read and its commit."""


class MainMoved(Exception):
    """``main`` moved after the MERGE was staged, by commits that add no rows (maintenance)."""

    def __init__(self, current: int | None):
        super().__init__(f"main moved to snapshot {current} (no rows added)")
        self.current = current


def _adds_rows(snap: Any) -> bool:
    """A snapshot that added rows; compaction (``replace``) and redaction (row-level UPDATE that
    empties fields: its rewritten files count as added records) add none."""
    summary = snap.summary()
    if snap.operation() == "replace" or summary.get(S.REDACTION) is not None:
        return False
    return int(summary.get("added-records") or 0) > 0


def _ensure_wap(spark: SparkSession, table: str, enabled: bool) -> None:
    """Turn staging on unless the table (as just read) has it: read from the table each time,
    never remembered per name, since a dropped and recreated table has it off again (a MERGE
    with ``spark.wap.id`` on such a table commits straight to ``main``)."""
    if not enabled:
        spark.sql(
            f"ALTER TABLE {iceberg.qualified(table)} SET TBLPROPERTIES ('{WAP_PROPERTY}'='true')"
        )


@dataclass(frozen=True)
class Head:
    """What the writer reads before its MERGE, from one load of the table's metadata."""

    snapshot_id: int | None  # the current snapshot (None: empty table)
    latest: dict[str, str] | None  # the chosen summary keys of the newest snapshot having ``key``
    wap_enabled: bool = False  # the table stages writes (write-audit-publish)


@dataclass(frozen=True)
class Published:
    """The outcome of :func:`merge_exclusive`: seconds per phase and the new snapshot, if any."""

    merge_s: float
    publish_s: float
    snapshot_id: int | None = None  # None: the MERGE inserted nothing, no snapshot
    added_records: int = 0


def read_head(spark: SparkSession, table: str, key: str, keys: tuple[str, ...]) -> Head:
    """The current snapshot and, walking back from it, ``keys`` of the newest snapshot whose
    summary has ``key`` (usually the current one): one catalog load, a few JVM calls."""
    jtable = iceberg._java_table(spark, table)
    wap = jtable.properties().get(WAP_PROPERTY) == "true"
    snap = jtable.currentSnapshot()
    current = None if snap is None else snap.snapshotId()
    while snap is not None:
        summary = snap.summary()
        if summary.get(key) is not None:
            found = {k: summary.get(k) for k in keys}
            return Head(current, {k: str(v) for k, v in found.items() if v is not None}, wap)
        parent = snap.parentId()
        snap = None if parent is None else jtable.snapshot(parent)
    return Head(current, None, wap)


def merge_exclusive(
    spark: SparkSession,
    table: str,
    expected: int | None,
    merge: Callable[[], float],
    retries: int = 3,
    wap_enabled: bool = False,
    conflicts: Callable[[Any], bool] = _adds_rows,
) -> Published:
    """Run ``merge`` (an ``iceberg.merge_insert_new`` call) staged, then publish it only if
    no snapshot adding rows (or matching ``conflicts``) was committed after ``expected`` (the
    current snapshot the writer checked). Raises ``CommitConflict`` otherwise.

    One catalog load after the MERGE finds the staged snapshot; the publish commits against
    that metadata without refreshing it again: the catalog's compare-and-set of ``main``
    rejects it if ``main`` moved since. If ``main`` moved only by commits that add no rows
    (maintenance: compaction, manifest rewrites), the MERGE runs again on top of them (up to
    ``retries`` times); its staged snapshot is left for snapshot expiry.
    """
    _ensure_wap(spark, table, wap_enabled)
    merge_s = 0.0
    started = time.monotonic()
    for attempt in range(retries + 1):
        wap_id = uuid.uuid4().hex
        spark.conf.set("spark.wap.id", wap_id)
        try:
            seconds = merge()
        finally:
            spark.conf.unset("spark.wap.id")
        merge_s += seconds
        jtable = iceberg._java_table(spark, table)
        base = jtable.operations().current()
        staged = _staged(base, wap_id)
        if staged is None:  # nothing committed
            return Published(merge_s, round(time.monotonic() - started - merge_s, 3))
        _check_no_rows_added(jtable, table, staged.parentId(), expected, conflicts)
        try:
            _publish(spark, jtable, base, staged)
        except MainMoved as moved:
            if attempt == retries:
                raise
            expected = moved.current
            continue
        added = staged.summary().get("added-records")
        return Published(
            merge_s,
            round(time.monotonic() - started - merge_s, 3),
            staged.snapshotId(),
            int(added or 0),
        )
    raise AssertionError("unreachable")


def _check_no_rows_added(
    jtable: Any,
    table: str,
    newest: int | None,
    expected: int | None,
    conflicts: Callable[[Any], bool] = _adds_rows,
):
    """No snapshot from ``newest`` back to ``expected`` is a conflict (by default: adds rows),
    else CommitConflict."""
    snap_id = newest
    while snap_id is not None and snap_id != expected:
        snap = jtable.snapshot(snap_id)
        if conflicts(snap):
            raise CommitConflict(
                f"snapshot {snap_id} ({snap.summary().get(S.BATCH_ID, 'no batch id')}"
                f", {snap.operation()}) added rows to {table} after snapshot {expected}"
            )
        snap_id = snap.parentId()
    if snap_id != expected:
        raise CommitConflict(f"snapshot {expected} is no longer an ancestor of {table}'s main")


def _staged(metadata: Any, wap_id: str) -> Any:
    """The snapshot staged under ``wap_id``: searched from the newest (usually the last)."""
    snaps = metadata.snapshots()
    for i in range(snaps.size() - 1, -1, -1):
        if snaps.get(i).summary().get("wap.id") == wap_id:
            return snaps.get(i)
    return None


def _publish(spark: SparkSession, jtable: Any, base: Any, staged: Any) -> None:
    """Move ``main`` to ``staged`` only if it still points at ``staged``'s parent (CAS: the
    REST commit asserts ``main``'s snapshot id as of ``base``). ``MainMoved`` if only
    commits adding no rows came in between (the caller stages again), else CommitConflict."""
    jvm = spark.sparkContext._jvm
    main = base.ref("main")
    current = None if main is None else main.snapshotId()
    if current != staged.parentId():
        _check_no_rows_added(jtable, "the table", current, staged.parentId())
        raise MainMoved(current)
    updated = (
        jvm.org.apache.iceberg.TableMetadata.buildFrom(base)
        .setBranchSnapshot(staged.snapshotId(), "main")
        .build()
    )
    try:
        jtable.operations().commit(base, updated)  # no retry: rejected if main moved
    except Exception as exc:
        if "CommitFailedException" in str(exc):
            raise CommitConflict(f"main moved while publishing: {str(exc)[:200]}") from exc
        raise
