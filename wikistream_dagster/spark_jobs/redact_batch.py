"""Redact stage: the lake follows the wikis' deletions, restorations and hidden revisions.

Runs in the medallion application after silver, before the checks and gold (issue 14). From the
log events silver wrote for the run's hours that no earlier run applied (``silver.redactions``
lists every applied event), it

1. updates ``silver.page_state`` (deleted or not, since when, which event, moves) and
   ``silver.hidden_revisions``;
2. empties title, comment, user and log text (bronze: also ``raw_json``) of every row of a
   deleted page up to the deletion, in bronze and silver, and the hidden fields of hidden
   revisions; ids, times and sizes stay, so counts and the exactly-once checks still hold. It
   first finds the hour partitions holding such rows (one query), then UPDATEs only those;
3. does the same for rows of already deleted pages or hidden revisions that reached the run's
   hours late (events arrive out of order; the bronze stream appends during an UPDATE);
4. appends one audit row per event and per table hour to ``silver.redactions``, with the time
   by which maintenance must expire the older snapshots that still hold the values.

A restore flips page_state back; what was redacted stays redacted: the restore event and later
events carry the title again, so the page is counted again from them on. The silver commits
carry ``wikistream.hours`` (the hours changed): gold rebuilds them in this run, and the
automation sees them pending until it has.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.contracts.tables_redact import RESULT_COUNTS
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg, runtime
from wikistream_dagster.spark_jobs import redact_apply as RA
from wikistream_dagster.spark_jobs import redact_logs as RL
from wikistream_dagster.spark_jobs import redact_quarantine as RQ
from wikistream_dagster.spark_jobs import redact_state as RS
from wikistream_dagster.spark_jobs import redact_targets as RT
from wikistream_dagster.spark_jobs.tables import (
    BRONZE,
    HIDDEN_REVISIONS,
    PAGE_STATE,
    REDACTIONS,
    SILVER,
    ensure_tables,
    qualified,
)
from wikistream_dagster.spark_jobs.transforms import redact as rx

log = logging.getLogger(__name__)

TABLES = (PAGE_STATE, HIDDEN_REVISIONS, REDACTIONS)


def _redact(spark, table, cols, targets, found, run_id, attempts) -> tuple[list[dict], int]:
    """UPDATE ``table`` where ``found`` says target rows are; audit rows and attempts used."""
    groups: dict[tuple, set[int]] = {}
    for _, _, i in found:
        groups.setdefault(targets[i].fields(cols), set()).add(i)
    tries = 0
    for fields, idxs in groups.items():
        hours = sorted({(d, h) for d, h, i in found if i in idxs})
        cond = " OR ".join(RT.pending(targets[i], cols) for i in sorted(idxs))
        props = {S.RUN_ID: run_id, S.REDACTION: ",".join(sorted({targets[i].reason for i in idxs}))}
        if table == SILVER:  # gold must rebuild these hours: the automation reads this
            props[S.HOURS] = H.format_hours(hours)
        tries = max(
            tries,
            RA.update(
                spark,
                table,
                ", ".join(f"{f} = NULL" for f in fields),
                f"{H.predicate(hours)} AND ({cond})",
                props,
                attempts,
            ),
        )
    snapshot = iceberg.current_snapshot_id(spark, table)
    return RS.audit_rows(table, cols, targets, found, snapshot), tries


def run(
    spark: SparkSession,
    hours: list[H.Hour],
    run_id: str | None = None,
    expire_hours: float = 24.0,
    attempts: int = 4,
    ensure: bool = True,
) -> dict[str, Any]:
    """Apply the deletions, restorations and hidden revisions logged in silver's ``hours``."""
    started = time.monotonic()
    run_id = run_id or uuid.uuid4().hex
    if ensure:
        ensure_tables(spark, BRONZE, SILVER, *TABLES)
    out: dict[str, Any] = {
        "run_id": run_id,
        "events": 0,
        "rows": {BRONZE: 0, SILVER: 0, QUARANTINE: 0},
        "hours": [],
        "gold_hours": [],
    }
    if not hours:
        return out
    RA.ensure_row_level(spark, BRONZE, SILVER)
    RS.add_missing_columns(spark, PAGE_STATE)
    if "item_type" in RS.add_missing_columns(spark, HIDDEN_REVISIONS):  # rows of before: revisions
        spark.sql(f"UPDATE {qualified(HIDDEN_REVISIONS)} SET item_type = 'revision'")
    scope = spark.table(qualified(SILVER)).where(H.predicate(hours))
    applied = (
        spark.table(qualified(REDACTIONS))
        .where("reason <> 'late_arrival'")
        .select(F.col("log_event_id").alias("event_id"))
    )
    logs = scope.where("type = 'log'").join(applied, "event_id", "left_anti").cache()
    ch_df = rx.page_changes(logs)
    changes = [r.asDict() for r in ch_df.withColumn("since_us", F.unix_micros("since")).collect()]
    hid_df = rx.hidden_revisions(logs).unionByName(rx.hidden_log_entries(logs))
    hidden = [r.asDict() for r in hid_df.collect()]
    if changes:
        RS.merge_page_state(spark, rx.state_rows(ch_df))
    if hidden:
        RS.merge_state(
            spark,
            rx.latest(hid_df, ("wiki", "item_type", "revision_id")),
            HIDDEN_REVISIONS,
            ("wiki", "item_type", "revision_id"),
        )
    logs.unpersist()
    state = spark.table(qualified(PAGE_STATE))
    deleted = {(c["wiki"], c["title_key"]) for c in changes if c["deleted"]}
    new_events = {c["log_event_id"] for c in changes} | {h["log_event_id"] for h in hidden}
    pages = RT.page_targets(changes, RT.moved_from(state, changes) if deleted else [])
    # Former titles keep their bound in page_state: their late rows are redacted too.
    RS.extend_deletions(spark, [t for t in pages if (t.wiki, t.title_key) not in deleted])
    pages += RT.late_page_targets(scope, state, {(t.wiki, t.title_key) for t in pages})
    hidden_state = spark.table(qualified(HIDDEN_REVISIONS))
    revisions = hidden_state.where("item_type = 'revision'")
    revs = RT.revision_targets(hidden) + RL.log_targets(hidden)
    revs += [
        t
        for t in RT.late_revision_targets(scope, revisions)
        + RL.late_log_targets(scope, hidden_state)
        if t.log_event_id not in new_events
    ]
    targets = [*pages, *revs]
    audit = RS.state_audit(changes, hidden)
    tries, late = {}, 0
    if targets:
        where = H.predicate(hours)
        news = [t for t in targets if t.reason != "late_arrival"]
        if news:  # a new deletion reaches back through history, up to the event
            last = max(c["since"] for c in changes + hidden).date() + timedelta(days=1)
            where = f"(event_date <= DATE'{last.isoformat()}' OR {where})"
        found = RT.holding(spark, SILVER, RA.SILVER_COLUMNS, targets, where)
        touched = RT.hours_of(found)
        found_bronze = RT.holding(spark, BRONZE, RA.BRONZE_COLUMNS, targets, H.predicate(touched))
        # Bronze and the quarantine first: if they fail, silver still holds the values, so the
        # next run finds the same hours again (it looks for bronze rows where silver has some).
        if found_bronze:
            rows, tries[BRONZE] = _redact(
                spark, BRONZE, RA.BRONZE_COLUMNS, targets, found_bronze, run_id, attempts
            )
            audit += rows
            out["rows"][BRONZE] = sum(found_bronze.values())
        found_q, snap = RQ.redact(spark, targets, run_id)
        if found_q:
            audit += RS.audit_rows(QUARANTINE, RQ.COLUMNS, targets, found_q, snap)
            out["rows"][QUARANTINE] = sum(found_q.values())
        if found:
            rows, tries[SILVER] = _redact(
                spark, SILVER, RA.SILVER_COLUMNS, targets, found, run_id, attempts
            )
            audit += rows
            out["rows"][SILVER] = sum(found.values())
        late = sum(n for (_, _, i), n in found.items() if targets[i].reason == "late_arrival")
        out["gold_hours"] = [H.format_hour(h) for h in touched]
        out["hours"] = [
            H.format_hour(h) for h in sorted(set(touched) | set(RT.hours_of(found_bronze)))
        ]
    now = datetime.now(UTC)
    expire_by = now + timedelta(hours=expire_hours)
    if audit:
        RS.append_audit(spark, audit, run_id, now, expire_by)
    out |= {
        "events": len(new_events),
        "pages_deleted": sum(1 for c in changes if c["deleted"]),
        "pages_restored": sum(1 for c in changes if c["log_action"] == "restore"),
        "revisions_hidden": sum(
            1
            for h in hidden
            if h["item_type"] == "revision" and (h["hide_comment"] or h["hide_user"])
        ),
        "log_entries_hidden": sum(
            1
            for h in hidden
            if h["item_type"] == "logging"
            and (h["hide_action"] or h["hide_comment"] or h["hide_user"])
        ),
        "late_rows": late,  # silver rows of earlier deletions or hidings that came later
        "attempts": tries,
        "expire_by": expire_by.isoformat() if any(out["rows"].values()) else None,
        "audit_rows": len(audit),
        "seconds": round(time.monotonic() - started, 2),
    }
    return out


def report_result(report: runtime.Reporter, result: dict[str, Any]) -> None:
    """The redaction's counts as the audit table's materialization (Pipes, or the log)."""
    report.custom({"redact": result})  # the Dagster op records it on silver/redactions
    report.materialized(
        REDACTIONS,
        {k: result.get(k) for k in (*RESULT_COUNTS, "rows", "hours", "expire_by", "attempts")},
    )
