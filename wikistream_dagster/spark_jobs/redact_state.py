"""The redact stage's bookkeeping: page and revision state, and the audit rows.

State tables are upserted with the newest event per key (an older event never overwrites a
newer state); ``silver.redactions`` gets one row per applied log event and one per table hour a
redaction emptied (see ``contracts/tables_redact.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.contracts.tables import table as definition
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs.tables import HIDDEN_REVISIONS, PAGE_STATE, REDACTIONS, qualified


def merge_state(spark: SparkSession, rows: DataFrame, table: str, keys: tuple[str, ...]) -> None:
    """Upsert the newest state per key; an older event never overwrites a newer state."""
    cols = definition(table).column_names
    view = f"redact_state_{uuid.uuid4().hex}"
    rows.withColumn("updated_at", F.current_timestamp()).select(*cols).createOrReplaceTempView(view)
    on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    try:
        spark.sql(
            f"MERGE INTO {qualified(table)} t USING {view} s ON {on} "
            "WHEN MATCHED AND s.since >= t.since THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
        )
    finally:
        spark.catalog.dropTempView(view)


def merge_page_state(spark: SparkSession, rows: DataFrame) -> None:
    """Upsert ``transforms.redact.state_rows``: the newest state per page, and the newest
    deletion ever seen (a restore, or an older event arriving late, never moves it back)."""
    cols = definition(PAGE_STATE).column_names
    view = f"redact_state_{uuid.uuid4().hex}"
    rows.withColumn("updated_at", F.current_timestamp()).select(*cols).createOrReplaceTempView(view)
    had = "coalesce(t.deleted_upto, CASE WHEN t.deleted THEN t.since END)"
    newer = f"(s.deleted_upto IS NOT NULL AND ({had} IS NULL OR s.deleted_upto >= {had}))"
    keep = {
        "deleted_upto": had,
        "deletion_event_id": "coalesce(t.deletion_event_id, "
        "CASE WHEN t.deleted THEN t.log_event_id END)",
        "deletion_log_id": "coalesce(t.deletion_log_id, CASE WHEN t.deleted THEN t.log_id END)",
    }
    state = ", ".join(f"t.{c} = s.{c}" for c in cols if c not in keep)
    deletion = ", ".join(
        f"t.{c} = CASE WHEN {newer} THEN s.{c} ELSE {old} END" for c, old in keep.items()
    )
    try:
        spark.sql(
            f"MERGE INTO {qualified(PAGE_STATE)} t USING {view} s "
            "ON t.wiki = s.wiki AND t.title_key = s.title_key "
            f"WHEN MATCHED AND s.since >= t.since THEN UPDATE SET {state}, {deletion} "
            f"WHEN MATCHED AND {newer} THEN UPDATE SET "
            + ", ".join(f"t.{c} = s.{c}" for c in keep)
            + " WHEN NOT MATCHED THEN INSERT *"
        )
    finally:
        spark.catalog.dropTempView(view)


def extend_deletions(spark: SparkSession, targets: list) -> None:
    """Record a former title's bound (``PageTarget``s of the titles a deleted page was moved
    from) as its newest deletion, unless it has a newer one; nothing else of its state."""
    if not targets:
        return
    view = f"redact_moved_{uuid.uuid4().hex}"
    rows = [(t.wiki, t.title_key, t.upto_us, t.log_event_id, t.log_id) for t in targets]
    schema = "wiki string, title_key string, upto long, event_id string, log_id bigint"
    spark.createDataFrame(rows, schema).createOrReplaceTempView(view)
    had = "coalesce(t.deleted_upto, CASE WHEN t.deleted THEN t.since END)"
    src = (
        "SELECT wiki, title_key, max_by(named_struct('at', timestamp_micros(upto), "
        f"'event_id', event_id, 'log_id', log_id), upto) AS d FROM {view} GROUP BY 1, 2"
    )
    try:
        spark.sql(
            f"MERGE INTO {qualified(PAGE_STATE)} t USING ({src}) s "
            "ON t.wiki = s.wiki AND t.title_key = s.title_key "
            f"WHEN MATCHED AND ({had} IS NULL OR s.d.at > {had}) THEN UPDATE SET "
            "t.deleted_upto = s.d.at, t.deletion_event_id = s.d.event_id, "
            "t.deletion_log_id = s.d.log_id"
        )
    finally:
        spark.catalog.dropTempView(view)


def add_missing_columns(spark: SparkSession, table: str) -> list[str]:
    """Add the columns a later version added at the end of ``table``'s definition; their
    names (none: the table was up to date)."""
    have = set(spark.table(qualified(table)).columns)
    missing = [c for c in definition(table).columns if c.name not in have]
    if missing:
        spec = ", ".join(c.sql for c in missing)
        spark.sql(f"ALTER TABLE {qualified(table)} ADD COLUMNS ({spec})")
        spark.catalog.refreshTable(qualified(table))
    return [c.name for c in missing]


def state_audit(changes: list[dict], hidden: list[dict]) -> list[dict]:
    """One audit row per applied log event (also restores, moves and un-hiding)."""
    out = []
    for ch in changes:
        reason = {
            "delete": "page_deleted",
            "delete_redir": "page_deleted",
            "restore": "page_restored",
        }.get(ch["log_action"], "page_moved")
        out.append(
            {
                "table_name": PAGE_STATE,
                "rows": 1,
                "reason": reason,
                "wiki": ch["wiki"],
                "title_key": ch["title_key"],
                "log_event_id": ch["log_event_id"],
                "log_id": ch["log_id"],
            }
        )
    by_event: dict[str, list[dict]] = {}
    for h in hidden:
        by_event.setdefault(h["log_event_id"], []).append(h)
    for event_id, revs in by_event.items():
        hides = any(r["hide_comment"] or r["hide_user"] or r.get("hide_action") for r in revs)
        kind = "log" if revs[0].get("item_type") == "logging" else "revision"
        out.append(
            {
                "table_name": HIDDEN_REVISIONS,
                "rows": len(revs),
                "reason": f"{kind}_hidden" if hides else f"{kind}_unhidden",
                "wiki": revs[0]["wiki"],
                "title_key": revs[0]["title_key"],
                "revision_ids": ",".join(str(r["revision_id"]) for r in revs),
                "log_event_id": event_id,
                "log_id": revs[0]["log_id"],
            }
        )
    return out


def audit_rows(
    table: str, cols: Any, targets: list, found: dict[tuple, int], snapshot: int | None
) -> list[dict]:
    """One audit row per (hour, target) of ``found`` that ``table``'s commit ``snapshot`` holds."""
    audit = []
    for (day, hour, i), n in sorted(found.items()):
        t = targets[i]
        audit.append(
            {
                "table_name": table,
                "event_date": day,
                "event_hour": hour,
                "rows": n,
                "reason": t.reason,
                "fields": ",".join(cols.name(f) for f in t.fields(cols)),
                "wiki": t.wiki,
                "title_key": getattr(t, "title_key", None),
                "revision_ids": ",".join(map(str, getattr(t, "revision_ids", None) or ()))
                or ",".join(map(str, getattr(t, "log_ids", ())))
                or None,
                "log_event_id": t.log_event_id,
                "log_id": t.log_id,
                "snapshot_id": snapshot,
            }
        )
    return audit


def append_audit(
    spark: SparkSession, audit: list[dict], run_id: str, now: datetime, expire_by: datetime
) -> None:
    """Append ``audit`` (dicts of the audit's columns; the rest defaulted) in one commit."""
    cols = definition(REDACTIONS).columns
    schema = ", ".join(f"`{c.name}` {c.type}" for c in cols)
    base = {
        "applied_at": now,
        "run_id": run_id,
        "event_date": None,
        "event_hour": None,
        "fields": "",
        "title_key": None,
        "revision_ids": None,
        "snapshot_id": None,
        "expire_by": expire_by,
    }
    rows = [tuple((base | a).get(c.name) for c in cols) for a in audit]
    iceberg.append(spark.createDataFrame(rows, schema), REDACTIONS, {S.RUN_ID: run_id})
