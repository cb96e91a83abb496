"""The redact stage's bookkeeping: page and revision state, and the audit rows.

State tables are upserted with the newest event per key (an older event never overwrites a
newer state); ``silver.redactions`` gets one row per applied log event and one per table hour a
redaction emptied (see ``contracts/tables_redact.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

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
        hides = any(r["hide_comment"] or r["hide_user"] for r in revs)
        out.append(
            {
                "table_name": HIDDEN_REVISIONS,
                "rows": len(revs),
                "reason": "revision_hidden" if hides else "revision_unhidden",
                "wiki": revs[0]["wiki"],
                "title_key": revs[0]["title_key"],
                "revision_ids": ",".join(str(r["revision_id"]) for r in revs),
                "log_event_id": event_id,
                "log_id": revs[0]["log_id"],
            }
        )
    return out


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
