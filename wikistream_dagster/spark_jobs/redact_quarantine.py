"""The quarantine's copies of redacted rows (issue 14): ``row_json`` loses the same fields.

``silver.quarantine`` keeps each held, released or dropped silver row as JSON (``row_json``),
and identifies it by ``row_hash``, a hash of the row's columns (``quarantine.identify``). When
the redact stage empties a row's title, comment or user in silver, the quarantine's copy loses
the same fields and its ``row_hash`` becomes the redacted row's: a held row stays held and out
of gold, ``quarantine release|drop`` still find it in silver, and a dropped row stays out if a
rebuild from bronze (redacted too) brings it back. Matching is done on the copy itself, so
dropped rows (no longer in silver) are redacted as well.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs import quarantine as quar
from wikistream_dagster.spark_jobs import redact_apply as RA
from wikistream_dagster.spark_jobs import redact_targets as RT
from wikistream_dagster.spark_jobs.tables import SILVER, qualified

# The silver row of an entry is the struct ``r`` (parsed ``row_json``).
COLUMNS = RA.Columns(
    "r.wiki",
    "r.title",
    ("r.title", "r.comment", "r.`user`", "r.log_action_comment", "r.log_params"),
    time="r.event_time",
    revision="r.revision_new",
    comment="r.comment",
    user="r.`user`",
    prefix="r.",
)
_ENTRY = ("event_date", "event_hour", "event_id", "row_hash", "copy_no", "rule")


def parsed(spark: SparkSession) -> DataFrame:
    """Quarantine entries that hold a row, with the row parsed back as silver's struct ``r``."""
    schema = spark.table(qualified(SILVER)).schema
    q = spark.table(qualified(QUARANTINE)).where("row_json IS NOT NULL")
    return q.select(
        *_ENTRY, "status", F.from_json("row_json", schema, quar.JSON_OPTIONS).alias("r")
    )


def _redacted_row(r_cols: list[str], clear: dict[str, Column]) -> tuple[Column, Column]:
    """``row_json`` and ``row_hash`` of ``r`` with the ``clear`` fields set to null where their
    condition holds: the same JSON and hash ``quarantine.identify`` gives the redacted row."""
    return quar.json_and_hash(
        {
            c: (
                F.when(clear[c], F.lit(None)).otherwise(F.col(f"r.{c}"))
                if c in clear
                else F.col(f"r.{c}")
            ).alias(c)
            for c in r_cols
        }
    )


def redact(spark: SparkSession, targets: list, run_id: str) -> tuple[dict[tuple, int], int | None]:
    """Empty the targets' fields in the quarantine's rows; (day, hour, target) -> entries."""
    if not targets or quar.never_used(spark):
        return {}, None
    entries = parsed(spark)
    hit = {i: F.expr(RT.pending(t, COLUMNS)) for i, t in enumerate(targets)}
    which = F.coalesce(*[F.when(h, F.lit(i)) for i, h in hit.items()], F.lit(None))
    found = entries.withColumn("target", which).where("target IS NOT NULL").cache()
    counts = {
        (r["event_date"], r["event_hour"], r["target"]): r["count"]
        for r in found.groupBy("event_date", "event_hour", "target").count().collect()
    }
    if not counts:
        found.unpersist()
        return {}, None
    clear: dict[str, Column] = {}
    for i, t in enumerate(targets):
        for f in t.fields(COLUMNS):
            name = COLUMNS.name(f)
            clear[name] = clear[name] | hit[i] if name in clear else hit[i]
    r_cols = entries.schema["r"].dataType.fieldNames()
    row_json, row_hash = _redacted_row(r_cols, clear)
    changed = found.select(*_ENTRY, row_json.alias("new_json"), row_hash.alias("new_hash"))
    changed = changed.localCheckpoint()  # the MERGE rewrites the table this was read from
    view = f"redact_quarantine_{run_id}"
    changed.createOrReplaceTempView(view)
    same = (
        "t.event_date = s.event_date AND t.event_hour = s.event_hour "
        "AND t.event_id <=> s.event_id AND t.row_hash = s.row_hash "
        "AND t.copy_no = s.copy_no AND t.rule = s.rule"
    )
    sql = (
        f"MERGE INTO {qualified(QUARANTINE)} t USING {view} s ON {same} "
        "WHEN MATCHED THEN UPDATE SET t.row_json = s.new_json, t.row_hash = s.new_hash"
    )
    reasons = ",".join(sorted({targets[i].reason for _, _, i in counts}))
    try:
        iceberg.with_commit_properties(
            spark, {S.RUN_ID: run_id, S.REDACTION: reasons}, lambda: spark.sql(sql)
        )
    finally:
        spark.catalog.dropTempView(view)
        found.unpersist()
    return counts, iceberg.current_snapshot_id(spark, QUARANTINE)


def left(spark: SparkSession, deleted: DataFrame, hidden: DataFrame) -> int:
    """Quarantine entries still holding a deleted page's title, comment or user (up to its
    newest deletion: ``deleted`` has wiki, title_key, upto) or a field ``hidden`` hides."""
    from wikistream_dagster.spark_jobs.transforms.redact import still_hidden, title_key

    if quar.never_used(spark):
        return 0
    rows = parsed(spark).select("r.*")
    keyed = rows.withColumn("title_key", title_key(F.col("title")))
    pages = keyed.join(F.broadcast(deleted), ["wiki", "title_key"]).where("event_time <= upto")
    return pages.count() + still_hidden(rows, hidden).count()
