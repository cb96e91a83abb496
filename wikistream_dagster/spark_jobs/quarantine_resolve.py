"""Release or drop quarantined rows (``./wikistream quarantine release|drop``).

A resolution acts on whole silver rows: every entry of a selected row (all its broken rules)
changes status, since the checks and gold decide per row. Release accepts the rows as they
are; drop deletes them from silver (one overwrite of the affected hours) and then marks them.
Both are safe to repeat: a second run finds nothing held, and a drop whose silver commit
landed but whose status update did not deletes nothing more the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.contracts import quarantine as Q
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs import quarantine as quar
from wikistream_dagster.spark_jobs import quarantine_hold as hold
from wikistream_dagster.spark_jobs.tables import SILVER, qualified

log = logging.getLogger(__name__)


class ResolveError(RuntimeError):
    """The selection cannot be resolved; the message names the cause and the fix."""


@dataclass(frozen=True)
class Selection:
    """Which quarantined rows: every filter given must match (none given: needs ``everything``)."""

    hours: tuple[H.Hour, ...] = ()
    rules: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()
    everything: bool = False

    def empty(self) -> bool:
        return not (self.hours or self.rules or self.runs or self.event_ids)

    def check(self) -> None:
        """Refuse an empty selection unless ``everything`` was asked for."""
        if self.empty() and not self.everything:
            raise ResolveError(
                "no filter given: name the rows with --hours, --rule, --run or --event-id "
                "(see ./wikistream quarantine list), or pass --all to act on every "
                "quarantined row"
            )

    def predicate(self) -> str:
        """SQL over ``silver.quarantine`` selecting the filtered entries."""
        terms = []
        if self.hours:
            terms.append(H.predicate(self.hours))
        lists = (("rule", self.rules), ("run_id", self.runs), ("event_id", self.event_ids))
        for col, values in lists:
            if values:
                terms.append(f"{col} IN ({', '.join(_sql_str(v) for v in values)})")
        return " AND ".join(terms) or "true"


def _sql_str(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _selected(spark: SparkSession, selection: Selection, statuses: tuple[str, ...]) -> DataFrame:
    selection.check()
    wanted = ", ".join(f"'{s}'" for s in statuses)
    return quar.table(spark).where(f"status IN ({wanted})").where(selection.predicate())


_SAME_ROW = (
    "t.event_date = s.event_date AND t.event_hour = s.event_hour AND t.event_id <=> s.event_id "
    "AND ((t.row_hash = s.row_hash AND t.copy_no = s.copy_no) "
    "OR (t.row_hash IS NULL AND s.row_hash IS NULL AND t.rule = s.rule))"
)


def _mark(
    spark: SparkSession, targets: DataFrame, status: str, action: str, run_id: str, hours: list
) -> None:
    """Set ``status`` on every unresolved entry of the ``targets`` rows (markers: by rule)."""
    view = f"quarantine_targets_{run_id}"
    keys = ("event_date", "event_hour", "event_id", "row_hash", "copy_no", "rule")
    targets.select(*keys).createOrReplaceTempView(view)
    # A row selected under one rule is resolved under all: dedupe rows before the MERGE
    # (a target row must match each entry once). Markers keep their rule.
    src = (
        f"SELECT DISTINCT event_date, event_hour, event_id, row_hash, copy_no, "
        f"CASE WHEN row_hash IS NULL THEN rule END AS rule FROM {view}"
    )
    open_statuses = f"('{Q.HELD}', '{Q.RELEASED}')" if status == Q.DROPPED else f"('{Q.HELD}')"
    sql = (
        f"MERGE INTO {qualified(Q.QUARANTINE)} t USING ({src}) s ON {_SAME_ROW} "
        f"AND t.status IN {open_statuses} WHEN MATCHED THEN UPDATE SET t.status = '{status}', "
        f"t.resolved_at = current_timestamp(), t.resolved_run_id = '{run_id}'"
    )
    props = hold.commit_props(action, run_id, hours)
    try:
        iceberg.with_commit_properties(spark, props, lambda: spark.sql(sql))
    finally:
        spark.catalog.dropTempView(view)


def _summary(found: DataFrame) -> tuple[list[H.Hour], dict[str, int], int]:
    """The hours, the entries per rule and the distinct rows of a selection."""
    per = found.groupBy("event_date", "event_hour", "rule").count().collect()
    hours = sorted({(r["event_date"], r["event_hour"]) for r in per})
    by_rule: dict[str, int] = {}
    for r in per:
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + r["count"]
    marker_rule = F.expr("CASE WHEN row_hash IS NULL THEN rule END")
    rows = found.select(*quar.IDENTITY, "event_date", "event_hour", marker_rule).distinct().count()
    return hours, by_rule, rows


def release(spark: SparkSession, selection: Selection, run_id: str) -> dict[str, Any]:
    """Accept the selected held rows as they are: the checks skip them, gold reads them."""
    found = _selected(spark, selection, (Q.HELD,)).cache()
    hours, by_rule, rows = _summary(found)
    if rows:
        _mark(spark, found, Q.RELEASED, Q.RELEASE, run_id, hours)
    found.unpersist()
    return _result("release", run_id, hours, by_rule, rows, deleted=0)


def drop(spark: SparkSession, selection: Selection, run_id: str) -> dict[str, Any]:
    """Delete the selected rows from silver (held or released ones) and mark them dropped."""
    found = _selected(spark, selection, (Q.HELD, Q.RELEASED)).cache()
    markers = found.where("row_hash IS NULL").count()
    if markers:
        found.unpersist()
        raise ResolveError(
            f"{markers} selected entries are hour markers of an aggregate rule (no single row "
            "broke it), which cannot be dropped: release them, or narrow the selection with "
            "--rule / --event-id"
        )
    hours, by_rule, rows = _summary(found)
    deleted = 0
    if rows:
        only = H.predicate(hours)
        silver = spark.table(qualified(SILVER)).where(only)
        kept = quar.without(silver, found)
        before = iceberg.current_snapshot_id(spark, SILVER)
        props = hold.commit_props(Q.DROP, run_id, hours)
        iceberg.overwrite_where(kept, SILVER, only, props)
        snap = iceberg.current_snapshot(spark, SILVER)
        if snap is not None and snap["snapshot_id"] != before:
            summary = snap["summary"]
            deleted = int(summary.get("deleted-records", 0)) - int(summary.get("added-records", 0))
        _mark(spark, found, Q.DROPPED, Q.DROP, run_id, hours)
    found.unpersist()
    return _result("drop", run_id, hours, by_rule, rows, deleted=deleted)


def _result(
    action: str, run_id: str, hours: list, by_rule: dict[str, int], rows: int, deleted: int
) -> dict[str, Any]:
    return {
        "action": action,
        "run_id": run_id,
        "rows": rows,
        "entries_by_rule": by_rule,
        "hours": [H.format_hour(h) for h in hours],
        "deleted_from_silver": deleted,
    }
