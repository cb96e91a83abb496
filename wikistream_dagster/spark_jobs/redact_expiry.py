"""Time travel after a redaction: the snapshots from before it still hold the emptied values.

Maintenance expires every snapshot of a redactable table committed before the newest redaction
(``silver.redactions``), whatever ``retain_last`` says, and the data files only they reference
are deleted with them. A snapshot a later stage still resumes from (``maintenance.KEEP``) is
spared until the redaction's bound (``--redaction-expire-hours``, 24 h) has passed; then it goes
too, and that stage rescans (silver's MERGE keeps a rescan exact). The hourly bronze maintenance
enforces this for every redactable table, so the values are gone well within the bound.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs.catalog_conf import CATALOG
from wikistream_dagster.spark_jobs.tables import (
    BRONZE,
    EDITOR_RISK,
    ENTITY_HOURLY,
    ENTITY_TRENDS,
    HOURLY_STATS,
    REDACTIONS,
    RISK_SCORES,
    SILVER,
    qualified,
)

log = logging.getLogger(__name__)

# Every table that can hold a title, comment or user name of an event.
# (The quarantine: its row_json. Expiring its snapshots can also drop a release or drop commit
# that the schedule's quarantine sensor has not read yet; the hour then waits for the next run
# that covers it instead of being requested at once.)
REDACTABLE = (
    BRONZE,
    SILVER,
    QUARANTINE,
    HOURLY_STATS,
    ENTITY_HOURLY,
    ENTITY_TRENDS,
    RISK_SCORES,
    EDITOR_RISK,
)


def newest_redaction(spark: SparkSession) -> datetime | None:
    """When the newest redaction that emptied rows was applied (UTC), or None."""
    row = spark.sql(
        f"SELECT max(applied_at) AS t FROM {qualified(REDACTIONS)} "
        "WHERE rows > 0 AND event_date IS NOT NULL"
    ).first()
    t = row["t"] if row else None
    return None if t is None else t.replace(tzinfo=UTC) if t.tzinfo is None else t


def _oldest_snapshot(spark: SparkSession, table: str) -> datetime | None:
    snaps = iceberg._java_table(spark, table).snapshots()
    times = [s.timestampMillis() for s in snaps]
    return datetime.fromtimestamp(min(times) / 1000, UTC) if times else None


def cutoff(
    spark: SparkSession,
    table: str,
    keep: datetime | None,
    bound_hours: float,
    now: datetime | None = None,
) -> tuple[datetime | None, str]:
    """The time before which ``table``'s snapshots must go for the redactions (None: no need),
    and why; ``keep``: the oldest snapshot time a later stage still needs."""
    if table not in REDACTABLE:
        return None, "not redactable"
    applied = newest_redaction(spark)
    oldest = _oldest_snapshot(spark, table)
    if applied is None or oldest is None or oldest >= applied:
        return None, "no snapshot older than the newest redaction"
    now = now or datetime.now(UTC)
    due = applied + timedelta(hours=bound_hours)
    if keep is not None and keep < applied and now < due:
        return keep, f"a later stage still reads from {keep.isoformat()}: forced at {due}"
    return applied, f"redaction applied {applied.isoformat()}"


def expire_before(spark: SparkSession, table: str, when: datetime) -> int:
    """Expire every snapshot of ``table`` committed before ``when`` (the current one stays)."""
    before = iceberg._java_table(spark, table).snapshots()
    count = sum(1 for _ in before)
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    spark.sql(
        f"CALL {CATALOG}.system.expire_snapshots(table => '{table}', "
        f"older_than => TIMESTAMP '{stamp}', retain_last => 1)"
    ).first()
    after = sum(1 for _ in iceberg._java_table(spark, table).snapshots())
    return count - after


def enforce(
    spark: SparkSession, table: str, keep: datetime | None, bound_hours: float
) -> dict[str, Any]:
    """Expire ``table``'s snapshots from before the newest redaction (see the module doc)."""
    when, why = cutoff(spark, table, keep, bound_hours)
    if when is None:
        return {"expired": 0, "why": why}
    expired = expire_before(spark, table, when)
    log.info("redaction expiry on %s: %d snapshots before %s (%s)", table, expired, when, why)
    return {"expired": expired, "before": when.isoformat(), "why": why}
