"""Hidden log entries (``delete/event``, ``suppress/event``): what a redact run empties.

MediaWiki hides a log entry's action and target (bit 1), reason (2) or performer (4) through
the same RevisionDelete machinery as revisions (type ``logging``, ids = log ids), so the state
lives in ``silver.hidden_revisions`` with ``item_type`` logging. The rows are the log events
whose ``log_id`` is hidden; matched like the other targets (``redact_targets``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wikistream_dagster.spark_jobs.redact_apply import Columns, sql_str


@dataclass(frozen=True)
class LogTarget:
    """Hidden log entries (``delete/event``): their rows lose the hidden fields, and always the
    formatted action text (``log_action_comment`` names the target, the user and the reason)."""

    wiki: str
    log_ids: tuple[int, ...]
    hide_action: bool
    hide_comment: bool
    hide_user: bool
    reason: str  # log_hidden | late_arrival
    log_event_id: str
    log_id: int | None

    def condition(self, c: Columns) -> str:
        ids = ", ".join(str(int(i)) for i in sorted(self.log_ids))
        p = c.prefix
        return (
            f"({c.wiki} = {sql_str(self.wiki)} AND lower({p}type) = 'log' AND {p}log_id IN ({ids}))"
        )

    def fields(self, c: Columns) -> tuple[str, ...]:
        p = c.prefix
        out = (f"{p}title", f"{p}log_params") if self.hide_action else ()
        out += ((c.comment,) if self.hide_comment else ()) + ((c.user,) if self.hide_user else ())
        out += (f"{p}log_action_comment",)
        return out + tuple(f for f in c.fields if f == "raw_json")


def log_targets(hidden: list[dict], reason: str = "log_hidden") -> list[LogTarget]:
    """One target per log event that hides a log entry's action, comment or user."""
    by_event: dict[tuple, list[int]] = {}
    for h in hidden:
        if h.get("item_type") == "logging" and (
            h["hide_action"] or h["hide_comment"] or h["hide_user"]
        ):
            key = (h["wiki"], h["hide_action"], h["hide_comment"], h["hide_user"])
            key += (h["log_event_id"], h["log_id"])
            by_event.setdefault(key, []).append(int(h["revision_id"]))
    return [
        LogTarget(w, tuple(ids), a, c, u, reason, e, lid)
        for (w, a, c, u, e, lid), ids in by_event.items()
    ]


def late_log_targets(scope: DataFrame, hidden: DataFrame) -> list[LogTarget]:
    """Log rows in ``scope`` of log entries hidden earlier that still hold a hidden field."""
    rows = scope.where("type = 'log'").select(
        "wiki", F.col("log_id").alias("revision_id"), "title", "comment", "user"
    )
    entries = hidden.where("item_type = 'logging' AND (hide_action OR hide_comment OR hide_user)")
    hits = (
        rows.join(F.broadcast(entries), ["wiki", "revision_id"])
        .where(
            (F.col("hide_action") & F.col("title").isNotNull())
            | (F.col("hide_comment") & F.col("comment").isNotNull())
            | (F.col("hide_user") & F.col("user").isNotNull())
        )
        .select(
            "wiki",
            "revision_id",
            "item_type",
            "hide_action",
            "hide_comment",
            "hide_user",
            "log_event_id",
            "log_id",
        )
        .distinct()
        .collect()
    )
    return log_targets([r.asDict() for r in hits], "late_arrival")
