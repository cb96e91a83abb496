"""What a redact run must empty: targets from new log events and from rows that came late.

A target is a page (wiki, title key, up to the deletion's time, in micros) or a set of hidden
revisions (wiki, ids, which fields). Rows are matched through SQL on each table's own columns
(``redact_apply.Columns``), so the same target updates bronze and silver.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs.redact_apply import Columns, sql_str
from wikistream_dagster.spark_jobs.tables import qualified
from wikistream_dagster.spark_jobs.transforms import redact as rx


@dataclass(frozen=True)
class PageTarget:
    wiki: str
    title_key: str
    upto_us: int  # rows at or before the deletion (a later page of that title is another page)
    reason: str  # page_deleted | late_arrival
    log_event_id: str
    log_id: int | None

    def fields(self, c: Columns) -> tuple[str, ...]:
        return c.fields

    def condition(self, c: Columns) -> str:
        return (
            f"({c.wiki} = {sql_str(self.wiki)} AND sha2({c.title}, 256) = "
            f"{sql_str(self.title_key)} AND unix_micros({c.time}) <= {int(self.upto_us)})"
        )


@dataclass(frozen=True)
class RevisionTarget:
    wiki: str
    revision_ids: tuple[int, ...]
    hide_comment: bool
    hide_user: bool
    reason: str  # revision_hidden | late_arrival
    log_event_id: str
    log_id: int | None

    def condition(self, c: Columns) -> str:
        ids = ", ".join(str(int(i)) for i in sorted(self.revision_ids))
        return f"({c.wiki} = {sql_str(self.wiki)} AND {c.revision} IN ({ids}))"

    def fields(self, c: Columns) -> tuple[str, ...]:
        out = ((c.comment,) if self.hide_comment else ()) + ((c.user,) if self.hide_user else ())
        return out + tuple(f for f in c.fields if f == "raw_json")


MAX_MOVES = 16  # how far back a chain of moves is followed (A -> B -> ... -> deleted)


def moved_from(state: DataFrame, changes: list[dict]) -> list[dict]:
    """Page-state rows of the titles the deleted pages among ``changes`` were moved from,
    followed back through every move (A -> B -> C, C deleted: B's and A's rows), one query per
    step. Columns: wiki, title_key, moved_to_key, since_us (the move)."""
    wanted = {(c["wiki"], c["title_key"]) for c in changes if c["deleted"]}
    seen, out = set(wanted), []
    for _ in range(MAX_MOVES):
        if not wanted:
            break
        rows = (
            state.where(F.col("moved_to_key").isin(sorted({k for _, k in wanted})))
            .select("wiki", "title_key", "moved_to_key", F.unix_micros("since").alias("since_us"))
            .collect()
        )
        found = [
            r.asDict()
            for r in rows
            if (r["wiki"], r["moved_to_key"]) in wanted and (r["wiki"], r["title_key"]) not in seen
        ]
        out += found
        wanted = {(r["wiki"], r["title_key"]) for r in found}
        seen |= wanted
    return out


def page_targets(changes: list[dict], moved_from: list[dict]) -> list[PageTarget]:
    """Every deletion among ``changes``, and the former titles of a deleted page that was moved,
    through every move back: each one's rows up to its move (the old title is a redirect,
    another page, after it) and up to the deletion."""
    out = []
    for ch in changes:
        if not ch["deleted"]:
            continue
        event = ("page_deleted", ch["log_event_id"], ch["log_id"])
        out.append(PageTarget(ch["wiki"], ch["title_key"], ch["since_us"], *event))
        walk, done = [(ch["title_key"], ch["since_us"])], {ch["title_key"]}
        while walk:
            key, upto = walk.pop()
            for old in moved_from:
                if (old["wiki"], old["moved_to_key"]) == (ch["wiki"], key) and old[
                    "title_key"
                ] not in done:
                    bound = min(upto, old["since_us"])
                    out.append(PageTarget(ch["wiki"], old["title_key"], bound, *event))
                    walk.append((old["title_key"], bound))
                    done.add(old["title_key"])
    return out


def late_page_targets(scope: DataFrame, state: DataFrame, known: set) -> list[PageTarget]:
    """Rows in ``scope`` (silver) from before their page's newest deletion, also when the page
    was restored since (the row came late: after the restore)."""
    deleted = state.where(rx.deleted_upto().isNotNull()).select(
        "wiki",
        "title_key",
        F.unix_micros(rx.deleted_upto()).alias("upto"),
        F.coalesce("deletion_event_id", "log_event_id").alias("log_event_id"),
        F.coalesce("deletion_log_id", "log_id").alias("log_id"),
    )
    rows = scope.where(F.col("title").isNotNull()).select(
        "wiki", rx.title_key(F.col("title")).alias("title_key"), "event_time"
    )
    hits = (
        rows.join(F.broadcast(deleted), ["wiki", "title_key"])
        .where(F.unix_micros("event_time") <= F.col("upto"))
        .select("wiki", "title_key", "upto", "log_event_id", "log_id")
        .distinct()
        .collect()
    )
    return [
        PageTarget(
            r["wiki"], r["title_key"], r["upto"], "late_arrival", r["log_event_id"], r["log_id"]
        )
        for r in hits
        if (r["wiki"], r["title_key"]) not in known
    ]


def revision_targets(hidden: list[dict]) -> list[RevisionTarget]:
    """One target per log event that hides a comment or a user name."""
    by_event: dict[tuple, list[int]] = {}
    for h in hidden:
        if h.get("item_type") in (None, "revision") and (h["hide_comment"] or h["hide_user"]):
            key = (h["wiki"], h["hide_comment"], h["hide_user"], h["log_event_id"], h["log_id"])
            by_event.setdefault(key, []).append(int(h["revision_id"]))
    return [
        RevisionTarget(w, tuple(ids), c, u, "revision_hidden", e, lid)
        for (w, c, u, e, lid), ids in by_event.items()
    ]


def late_revision_targets(scope: DataFrame, hidden: DataFrame) -> list[RevisionTarget]:
    """Rows in ``scope`` of revisions hidden earlier that still hold a hidden field."""
    rows = scope.select("wiki", F.col("revision_new").alias("revision_id"), "comment", "user")
    hits = (
        rows.join(F.broadcast(hidden.where("hide_comment OR hide_user")), ["wiki", "revision_id"])
        .where(
            (F.col("hide_comment") & F.col("comment").isNotNull())
            | (F.col("hide_user") & F.col("user").isNotNull())
        )
        .select("wiki", "revision_id", "hide_comment", "hide_user", "log_event_id", "log_id")
        .distinct()
        .collect()
    )
    return [
        RevisionTarget(
            t.wiki,
            t.revision_ids,
            t.hide_comment,
            t.hide_user,
            "late_arrival",
            t.log_event_id,
            t.log_id,
        )
        for t in revision_targets([r.asDict() for r in hits])
    ]


def holding(
    spark: SparkSession, table: str, c: Columns, targets: list, where: str
) -> dict[tuple, int]:
    """(event_date, event_hour, target index) -> rows of ``table`` a target still has to empty,
    among the rows matching ``where`` (partition predicate first: it prunes the scan)."""
    if not targets:
        return {}
    branches = " ".join(f"WHEN {pending(t, c)} THEN {i}" for i, t in enumerate(targets))
    sql = (
        f"SELECT event_date, event_hour, CASE {branches} END AS target, count(*) AS n "
        f"FROM {qualified(table)} WHERE {where} "
        f"GROUP BY 1, 2, 3 HAVING target IS NOT NULL"
    )
    return {(r[0], r[1], r[2]): r[3] for r in spark.sql(sql).collect()}


def pending(target: PageTarget | RevisionTarget, c: Columns) -> str:
    """SQL: a row of ``target`` that still holds one of the fields the target empties."""
    has_value = " OR ".join(f"{f} IS NOT NULL" for f in target.fields(c))
    return f"({target.condition(c)} AND ({has_value}))"


def hours_of(found: dict[tuple, int]) -> list[H.Hour]:
    return sorted({(d, h) for d, h, _ in found})
