"""``bench gold``'s redaction figure: the cost of deleting one page from a day of history.

After the benchmark's hour batch, a deletion log event of a page edited in two or three hours
of the history arrives in silver (as the silver stage would write it), and the redact stage
runs as in the medallion job: one query finds the hour partitions holding the page, UPDATEs
rewrite only those in silver (bronze holds only the new hour here), and gold rebuilds the hours
it changed.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any


def redact_one_page(spark: Any, hour: tuple, when: datetime) -> dict[str, Any]:
    """Delete a page of the history at ``when`` (in ``hour``); time the redaction and gold."""
    from pyspark.sql import functions as F

    from wikistream_dagster.spark_jobs import gold_batch, iceberg, redact_batch
    from wikistream_dagster.spark_jobs import hours as H
    from wikistream_dagster.spark_jobs.tables import SILVER, ensure_tables, qualified

    ensure_tables(spark, *redact_batch.TABLES)
    silver = spark.table(qualified(SILVER))
    # A page edited in a few hours of the day (as most are), the busiest of those: the cost
    # follows the hours holding the page (the busiest pages of the day are in all 24).
    pages = (
        silver.where("title IS NOT NULL AND type = 'edit'")
        .groupBy("wiki", "title")
        .agg(F.count(F.lit(1)).alias("n"), F.countDistinct("event_date", "event_hour").alias("h"))
    )
    top = pages.where("h BETWEEN 2 AND 3").orderBy(F.desc("n")).first() or pages.first()
    template = silver.where(H.predicate([hour])).limit(1)
    delete = template.select(
        F.lit(f"bench-delete-{uuid.uuid4().hex}").alias("event_id"),
        F.lit(when).cast("timestamp").alias("event_time"),
        *[
            F.col(c)
            for c in silver.columns
            if c
            not in (
                "event_id",
                "event_time",
                "wiki",
                "title",
                "type",
                "log_type",
                "log_action",
                "log_params",
            )
        ],
        F.lit(top["wiki"]).alias("wiki"),
        F.lit(top["title"]).alias("title"),
        F.lit("log").alias("type"),
        F.lit("delete").alias("log_type"),
        F.lit("delete").alias("log_action"),
        F.lit("[]").alias("log_params"),
    ).select(*silver.columns)
    iceberg.append(delete, SILVER, {})
    started = time.monotonic()
    done = redact_batch.run(spark, [hour], ensure=False)
    redact_s = time.monotonic() - started
    gold_hours = H.parse_hours(done["gold_hours"])
    started = time.monotonic()
    gold_batch.run(spark, gold_hours, ensure=False)
    gold_s = time.monotonic() - started
    return {
        "redact_page_s": round(redact_s, 1),
        "redact_page_gold_s": round(gold_s, 1),
        "redact_page_rows": done["rows"],
        "redact_page_hours": len(done["hours"]),
        "redact_page_history_hours": int(top["h"]),
    }


def deletion_time(first_new_hour: datetime) -> datetime:
    """A moment inside the new hour, after every history row."""
    return first_new_hour + timedelta(minutes=30)
