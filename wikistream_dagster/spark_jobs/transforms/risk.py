"""Per-edit vandalism/anomaly risk (0-1) with the reasons behind it, and a per-editor rollup.

Each signal that fires contributes its weight ``w`` independently ("noisy OR"):
``risk = 1 - prod(1 - w)`` over the fired signals, so one strong signal gives about its weight
and several weak ones add up without ever exceeding 1. Edits by bot accounts are multiplied by
``BOT_FACTOR``: bots are flagged by the community and rarely vandalise.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from wikistream_dagster.contracts.tables import RISK_SCORES_TABLE, table

RISK_SCORES_COLUMNS = table(RISK_SCORES_TABLE).column_names

BOT_FACTOR = 0.2
RISKY = 0.5  # an edit at or above this counts as risky in the editor rollup

BURST_WINDOW_S = 300  # an editor's edits in the trailing 5 minutes
BURST_EDITS = 10
PAGE_WINDOW_S = 3600  # a page's edits in the trailing hour
WAR_REVERTS = 2  # and more than one editor on the page in that hour
REVERT_RE = (
    r"(?i)(\brevert(ed|ing|s)?\b|\bundo\b|\bundid\b|\brv[vs]?\b|\brollback\b|\brolled back\b"
    r"|\brestored? (a )?(previous )?revision\b)"
)
# Every match of REVERT_RE contains one of these (lower-cased): a cheap test first, so the
# regular expression runs on the few comments that can match (it was half of the risk cost).
REVERT_WORDS = ("revert", "undo", "undid", "rv", "rollback", "rolled back", "restore")


def is_revert(comment: Column) -> Column:
    """True when ``comment`` reads like a revert (REVERT_RE), False for none or empty."""
    lowered = F.lower(comment)
    maybe = reduce(lambda a, b: a | b, [lowered.contains(w) for w in REVERT_WORDS])
    return F.coalesce(F.when(maybe, comment.rlike(REVERT_RE)), F.lit(False))


# reason -> weight; the README's scoring table is this dict.
WEIGHTS: dict[str, float] = {
    "anonymous_editor": 0.30,
    "blanking": 0.60,
    "large_removal": 0.35,
    "large_addition_by_anonymous": 0.15,
    "empty_comment": 0.15,
    "editor_burst": 0.25,
    "edit_war": 0.30,
    "revert_comment": 0.20,
}


def _conditions() -> dict[str, Column]:
    """reason -> when it fires; reads the context columns ``score_edits`` adds."""
    delta, old, new = F.col("byte_delta"), F.col("length_old"), F.col("length_new")
    blanking = (F.coalesce(old, F.lit(0)) >= 500) & (F.coalesce(new, F.lit(0)) < 50)
    removed_share = F.when(old > 0, -delta / old)
    return {
        "anonymous_editor": F.col("is_anonymous"),
        "blanking": blanking,
        "large_removal": ~blanking
        & ((delta <= -2000) | ((delta <= -200) & (removed_share >= 0.5))),
        "large_addition_by_anonymous": F.col("is_anonymous") & (delta >= 10000),
        "empty_comment": (F.col("type") == "edit")
        & (F.coalesce(F.trim("comment"), F.lit("")) == ""),
        "editor_burst": ~F.col("is_bot") & (F.col("editor_recent_edits") >= BURST_EDITS),
        "edit_war": (F.col("page_recent_reverts") >= WAR_REVERTS) & F.col("page_several_editors"),
        "revert_comment": F.col("is_revert"),
    }


def score_edits(silver: DataFrame) -> DataFrame:
    """``gold.risk_scores`` rows for every edit and page creation in ``silver``.

    Give it the target hours plus the hour before: the burst and edit-war windows look back in
    time. Filter to the target hours afterwards.
    """
    edits = (
        silver.where(F.col("type").isin("edit", "new"))
        .withColumn("ts", F.col("event_time").cast("long"))
        .withColumn("is_revert", is_revert(F.col("comment")))
    )
    by_editor = (
        Window.partitionBy("wiki", "user").orderBy("ts").rangeBetween(-(BURST_WINDOW_S - 1), 0)
    )
    by_page = (
        Window.partitionBy("wiki", "title").orderBy("ts").rangeBetween(-(PAGE_WINDOW_S - 1), 0)
    )
    ctx = edits.select(
        "*",
        F.count(F.lit(1)).over(by_editor).alias("editor_recent_edits"),
        F.sum(F.col("is_revert").cast("int")).over(by_page).alias("page_recent_reverts"),
        # "Two or more editors" is "the smallest and largest user name differ": two cheap
        # window aggregates instead of a set of names built for every edit's hour.
        (F.min("user").over(by_page) < F.max("user").over(by_page)).alias("page_several_editors"),
    )
    fired = {name: F.coalesce(cond, F.lit(False)) for name, cond in _conditions().items()}
    reasons = F.filter(
        F.array(*[F.when(cond, F.lit(name)) for name, cond in fired.items()]),
        lambda r: r.isNotNull(),
    )
    keep = F.aggregate(
        F.array(
            *[
                F.when(cond, F.lit(1.0 - WEIGHTS[name])).otherwise(F.lit(1.0))
                for name, cond in fired.items()
            ]
        ),
        F.lit(1.0),
        lambda acc, x: acc * x,
    )
    risk = (1.0 - keep) * F.when(F.col("is_bot"), BOT_FACTOR).otherwise(1.0)
    computed = {"risk_score": F.round(risk, 4), "reasons": reasons}
    computed["computed_at"] = F.current_timestamp()
    # The table's columns, in its order: the rest pass through from silver.
    return ctx.select(*[computed[c].alias(c) if c in computed else c for c in RISK_SCORES_COLUMNS])


def editor_risk(scores: DataFrame) -> DataFrame:
    """``gold.editor_risk``: per wiki, hour and editor, how risky their edits were."""
    return (
        scores.where(F.col("user").isNotNull())
        .groupBy("wiki", "event_date", "event_hour", "user")
        .agg(
            F.bool_or("is_bot").alias("is_bot"),
            F.bool_or("is_anonymous").alias("is_anonymous"),
            F.count(F.lit(1)).alias("edits"),
            F.avg("risk_score").alias("mean_risk"),
            F.max("risk_score").alias("max_risk"),
            F.count_if(F.col("risk_score") >= RISKY).alias("risky_edits"),
            F.array_sort(F.array_distinct(F.flatten(F.collect_list("reasons")))).alias("reasons"),
        )
        .withColumn("computed_at", F.current_timestamp())
    )
