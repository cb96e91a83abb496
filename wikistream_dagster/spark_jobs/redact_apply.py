"""Row-level redaction on bronze and silver: count, UPDATE (copy-on-write), retry on conflict.

Each target is one SQL condition on a table's own columns (bronze keeps the raw wiki and title,
silver the normalised ones, so the expressions differ per table); a run issues one UPDATE per
table and field set, restricted to the hour partitions that hold a target row, so Iceberg
rewrites only those partitions' files.

Conflicts (read from Iceberg 1.10's ``SparkWrite.CopyOnWriteOperation``/``SparkPositionDeltaWrite``
and ``MergingSnapshotProducer``): an UPDATE validates from the snapshot it scanned. Under
``snapshot`` isolation (set here for UPDATE on bronze and silver) rows appended meanwhile (the
bronze stream) do not fail it (they are not updated either: the next run's late-arrival sweep
redacts them); a commit that removed or rewrote a file the UPDATE replaces (compaction, another
row-level write) fails it with ``ValidationException``; a plain metadata race is retried inside
Iceberg (``CommitFailedException``, ``commit.retry.num-retries``). The UPDATE is idempotent (it
only matches rows that still hold a value), so on a validation failure it is planned and run
again on the new snapshot, a bounded number of times.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pyspark.sql import SparkSession

from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs.tables import BRONZE, qualified, set_properties

log = logging.getLogger(__name__)

# Copy-on-write: the current snapshot's files no longer hold the values (merge-on-read would
# leave them in the data files behind a delete file until compaction).
ROW_LEVEL_PROPERTIES = {
    "write.update.mode": "copy-on-write",
    "write.update.isolation-level": "snapshot",
}
CONFLICT_MARKERS = ("ValidationException", "CommitFailedException", "CommitStateUnknown")


class RedactConflict(RuntimeError):
    """The UPDATE kept meeting concurrent commits; nothing of this attempt was committed."""


@dataclass(frozen=True)
class Columns:
    """SQL expressions for one table's normalised wiki, trimmed title and the fields to empty
    (and its event time, new revision id, comment and user: the quarantine nests them)."""

    wiki: str
    title: str
    fields: tuple[str, ...]
    time: str = "event_time"
    revision: str = "revision_new"
    comment: str = "comment"
    user: str = "`user`"
    prefix: str = ""  # of the other columns (title, type, log_id, log_params...)

    @staticmethod
    def name(field: str) -> str:
        """The column's name in the audit: ``r.`user``` -> ``user``."""
        return field.split(".")[-1].strip("`")


# log_params: a move's target title (the page's next title).
SILVER_COLUMNS = Columns(
    "wiki", "title", ("title", "comment", "`user`", "log_action_comment", "log_params")
)
BRONZE_COLUMNS = Columns(
    "lower(trim(wiki))",
    "trim(title)",
    ("title", "comment", "`user`", "log_action_comment", "log_params", "raw_json"),
)


def columns_of(table: str) -> Columns:
    return BRONZE_COLUMNS if table == BRONZE else SILVER_COLUMNS


def sql_str(value: str) -> str:
    """A SQL string literal (the values come from events: quote them)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def ensure_row_level(spark: SparkSession, *tables: str) -> None:
    """Copy-on-write UPDATE with snapshot isolation on ``tables`` (idempotent)."""
    for table in tables:
        set_properties(spark, table, ROW_LEVEL_PROPERTIES)


def is_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return any(m in text for m in CONFLICT_MARKERS)


def update(
    spark: SparkSession,
    table: str,
    assignments: str,
    where: str,
    props: Mapping[str, str],
    attempts: int = 4,
    backoff_s: float = 0.5,
) -> int:
    """``UPDATE table SET assignments WHERE where``, again on a commit conflict.

    Returns the attempts it took; raises ``RedactConflict`` after ``attempts`` conflicts.
    """
    sql = f"UPDATE {qualified(table)} SET {assignments} WHERE {where}"
    for attempt in range(1, attempts + 1):
        try:
            iceberg.with_commit_properties(spark, props, lambda: spark.sql(sql))
            return attempt
        except Exception as exc:  # py4j wraps Iceberg's exceptions: tell them by name
            if not is_conflict(exc):
                raise
            log.warning(
                "redaction of %s met a concurrent commit (attempt %d): %s",
                table,
                attempt,
                str(exc).splitlines()[0][:300],
            )
            if attempt == attempts:
                raise RedactConflict(
                    f"UPDATE of {table} failed {attempts} times on concurrent commits "
                    f"(compaction or another row-level write on the same files). Nothing was "
                    "changed by the failed attempts. Fix: run the medallion job again (the "
                    "redaction is idempotent); if it persists, pause maintenance of this table."
                ) from exc
            time.sleep(backoff_s * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
