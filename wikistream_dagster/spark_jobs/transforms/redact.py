"""Silver log events -> page-state changes and hidden revisions (issue 14), pure DataFrames.

What the wikis log (MediaWiki ``LogFormatter`` subclasses; the recentchange feed sends an entry's
parameters with their ``N::`` prefixes stripped, ``MachineReadableRCFeedFormatter``):

- ``delete/delete`` (and ``delete/delete_redir``): the page ``title`` is deleted;
- ``delete/restore``: it is restored (``log_params`` ``{"count": {"revisions": n, ...}}``);
- ``delete/revision`` and ``suppress/revision``: revision deletion, ``log_params``
  ``{"type": "revision", "ids": [...], "ofield": old bits, "nfield": new bits}`` with the bits of
  ``RevisionRecord::DELETED_*`` (1 content, 2 comment, 4 user, 8 restricted); ``ids`` may be a
  comma-separated string in old entries (``DeleteLogFormatter::getParametersForApi``);
- ``move/move`` and ``move/move_redir``: ``log_params`` ``{"target": new title, ...}``.

Titles are compared through ``title_key`` = SHA-256 of the trimmed title.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wikistream_dagster.contracts.tables_redact import (
    DELETED_ACTION,
    DELETED_COMMENT,
    DELETED_USER,
)

PAGE_ACTIONS = {"delete": True, "delete_redir": True, "restore": False}
MOVE_ACTIONS = ("move", "move_redir")
REVISION_LOG_TYPES = ("delete", "suppress")

_REVDEL = T.StructType(
    [
        T.StructField("type", T.StringType()),
        T.StructField("ids", T.StringType()),  # an array or a comma list: read as JSON text
        T.StructField("ofield", T.StringType()),
        T.StructField("nfield", T.StringType()),
    ]
)


def title_key(title: Column) -> Column:
    """How a title is matched everywhere: SHA-256 of the trimmed title (null for none)."""
    t = F.trim(title)
    return F.when(t.isNull() | (t == ""), None).otherwise(F.sha2(t, 256))


def _is_log(action: Column, log_type: str = "delete") -> Column:
    return (F.col("type") == "log") & (F.col("log_type") == log_type) & action


def page_changes(silver: DataFrame) -> DataFrame:
    """The delete/restore/move log events of ``silver`` as page-state rows, one per event.

    Columns: wiki, title_key, namespace, title (null for a deletion: the page's title is what
    gets redacted), deleted, since, log_event_id, log_id, log_action, moved_to_key.
    """
    action = F.col("log_action")
    deletes = _is_log(action.isin(*PAGE_ACTIONS))
    moves = _is_log(action.isin(*MOVE_ACTIONS), "move")
    rows = silver.where((deletes | moves) & F.col("title").isNotNull())
    deleted = F.when(action.isin("delete", "delete_redir"), True).otherwise(False)
    target = F.get_json_object("log_params", "$.target")
    return rows.select(
        "wiki",
        title_key(F.col("title")).alias("title_key"),
        "namespace",
        F.when(deleted, None).otherwise(F.trim("title")).alias("title"),
        deleted.alias("deleted"),
        F.col("event_time").alias("since"),
        F.col("event_id").alias("log_event_id"),
        "log_id",
        F.col("log_action"),
        F.when(action.isin(*MOVE_ACTIONS), title_key(target)).alias("moved_to_key"),
    )


def latest(changes: DataFrame, keys: tuple[str, ...] = ("wiki", "title_key")) -> DataFrame:
    """The newest change per key (by event time, then log id, then event id): the state."""
    order = Window.partitionBy(*keys).orderBy(
        F.desc("since"), F.desc_nulls_last("log_id"), F.desc("log_event_id")
    )
    return changes.withColumn("_n", F.row_number().over(order)).where("_n = 1").drop("_n")


def state_rows(changes: DataFrame) -> DataFrame:
    """Page-state rows: the newest change per page, with the newest deletion among ``changes``
    (``deleted_upto``, ``deletion_event_id``, ``deletion_log_id``; null if none)."""
    deletions = latest(changes.where("deleted")).select(
        "wiki",
        "title_key",
        F.col("since").alias("deleted_upto"),
        F.col("log_event_id").alias("deletion_event_id"),
        F.col("log_id").alias("deletion_log_id"),
    )
    return latest(changes).join(deletions, ["wiki", "title_key"], "left")


def deleted_upto() -> Column:
    """Up to when rows of a page-state row's title are redacted (null: none). A table of an
    earlier version has no ``deleted_upto`` for pages it deleted: their ``since`` then."""
    return F.coalesce(F.col("deleted_upto"), F.when(F.col("deleted"), F.col("since")))


def _bits(text: Column) -> Column:
    """A bit field as MediaWiki logs it: a number or a numeric string (null: unknown)."""
    return F.regexp_replace(text, '"', "").cast("int")


def _ids(text: Column) -> Column:
    """``ids`` as an array of revision ids, from a JSON array or a comma-separated string."""
    as_array = F.from_json(text, T.ArrayType(T.StringType()))
    as_list = F.split(F.regexp_replace(text, '"', ""), ",")
    parts = F.when(F.trim(text).startswith("["), as_array).otherwise(as_list)
    return F.filter(F.transform(parts, lambda x: F.trim(x).cast("long")), lambda x: x.isNotNull())


def hidden_revisions(silver: DataFrame) -> DataFrame:
    """One row per revision a revision-deletion event sets the visibility of.

    Columns: wiki, revision_id, title_key, bitmask, hide_comment, hide_user, since,
    log_event_id, log_id, log_type. A bitmask of 0 un-hides (nothing comes back: the values
    were emptied; a later event can carry them again).
    """
    revdel = F.col("log_action") == "revision"
    events = silver.where(
        (F.col("type") == "log") & F.col("log_type").isin(*REVISION_LOG_TYPES) & revdel
    )
    params = F.from_json("log_params", _REVDEL)
    parsed = events.select("*", params.alias("p")).where(F.col("p.type") == "revision")
    bits = _bits(F.col("p.nfield"))
    return _visibility(parsed, F.col("p.ids"), bits, "revision")


def _visibility(events: DataFrame, ids: Column, bits: Column, item_type: str) -> DataFrame:
    """One hidden_revisions row per id in ``ids`` of each event (null bits: skipped)."""
    return events.select(
        "wiki",
        F.explode(_ids(ids)).alias("revision_id"),
        title_key(F.col("title")).alias("title_key"),
        bits.alias("bitmask"),
        ((bits.bitwiseAND(DELETED_COMMENT)) != 0).alias("hide_comment"),
        ((bits.bitwiseAND(DELETED_USER)) != 0).alias("hide_user"),
        F.col("event_time").alias("since"),
        F.col("event_id").alias("log_event_id"),
        "log_id",
        "log_type",
        F.lit(item_type).alias("item_type"),
        (F.lit(item_type == "logging") & (bits.bitwiseAND(DELETED_ACTION) != 0)).alias(
            "hide_action"
        ),
    ).where(F.col("bitmask").isNotNull())


def hidden_log_entries(silver: DataFrame) -> DataFrame:
    """One row per log entry a log-entry deletion (``delete/event``, ``suppress/event``) sets
    the visibility of, in ``hidden_revisions``' columns with ``item_type`` logging.

    ``log_params`` in the feed (``RevDelLogList::getLogParams`` with the ``N::`` prefixes
    stripped): ``{"ids": [log ids], "ofield": n, "nfield": n}`` (``"type": "logging"`` is only
    added by the API; accepted); entries older than MediaWiki 1.19 have a list
    ``["id,id", "ofield=n", "nfield=n"]``. Bits: 1 action and target, 2 comment, 4 user.
    """
    events = silver.where(
        (F.col("type") == "log")
        & F.col("log_type").isin(*REVISION_LOG_TYPES)
        & (F.col("log_action") == "event")
    )
    text = F.trim("log_params")
    listed = F.from_json(text, T.ArrayType(T.StringType()))
    p = F.from_json(text, _REVDEL)
    is_list = text.startswith("[")
    ids = F.when(is_list, listed[0]).otherwise(p["ids"])
    nfield = F.when(is_list, listed[2]).otherwise(p["nfield"])
    bits = F.regexp_extract(nfield, r"(\d+)", 1)
    bits = F.when(bits != "", bits.cast("int"))
    ok = is_list | p["type"].isNull() | (p["type"] == "logging")
    return _visibility(events.where(ok), ids, bits, "logging")


def still_hidden(rows: DataFrame, hidden: DataFrame) -> DataFrame:
    """Rows (silver's columns) still holding a field ``hidden`` (hidden_revisions) hides: the
    comment or user of a hidden revision, the target, comment or user of a hidden log entry."""
    h = hidden.where("hide_comment OR hide_user OR hide_action").select(
        "wiki",
        "revision_id",
        F.coalesce("item_type", F.lit("revision")).alias("h_type"),
        "hide_comment",
        "hide_user",
        F.coalesce("hide_action", F.lit(False)).alias("hide_action"),
    )
    by_rev = h.where("h_type = 'revision'").withColumnRenamed("revision_id", "revision_new")
    by_log = h.where("h_type = 'logging'").withColumnRenamed("revision_id", "log_id")
    cols = ("comment", "user", "title", "hide_comment", "hide_user", "hide_action")
    hits = (
        rows.join(F.broadcast(by_rev.drop("h_type")), ["wiki", "revision_new"])
        .select(*cols)
        .unionByName(
            rows.where(F.col("type") == "log")
            .join(F.broadcast(by_log.drop("h_type")), ["wiki", "log_id"])
            .select(*cols)
        )
    )
    return hits.where(
        (F.col("hide_comment") & F.col("comment").isNotNull())
        | (F.col("hide_user") & F.col("user").isNotNull())
        | (F.col("hide_action") & F.col("title").isNotNull())
    )
