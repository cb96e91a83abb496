"""Quality job: Deequ constraints over the silver hours a run touched; history kept in Iceberg.

Exit status 1 when a blocking constraint fails (unless ``--no-fail``, for callers that turn the
reported checks into blocking Dagster asset checks themselves).
"""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg, runtime
from wikistream_dagster.spark_jobs.session import build_session
from wikistream_dagster.spark_jobs.silver_batch import HOURS
from wikistream_dagster.spark_jobs.tables import QUALITY_HISTORY, SILVER, ensure_tables, qualified
from wikistream_dagster.spark_jobs.transforms import quality

log = logging.getLogger(__name__)


def latest_silver_hours(spark: SparkSession) -> list[H.Hour]:
    """The hours the newest silver write touched (from its snapshot summary)."""
    raw = iceberg.latest_property(spark, SILVER, HOURS) or ""
    return H.parse_hours([raw]) if raw else []


def run(
    spark: SparkSession, hours: list[H.Hour] | None = None, run_id: str | None = None
) -> dict[str, Any]:
    """Check the silver rows of ``hours`` (default: the latest silver run's); append history."""
    ensure_tables(spark, SILVER, QUALITY_HISTORY)
    run_id = run_id or uuid.uuid4().hex
    hours = hours or latest_silver_hours(spark)
    scope = ",".join(H.format_hour(h) for h in hours)
    rows = spark.table(qualified(SILVER)).where(H.predicate(hours)).cache()
    outcome = quality.run_checks(spark, rows)
    rows.unpersist()
    if outcome["results"]:
        iceberg.append(
            quality.history_rows(spark, outcome, run_id, scope),
            QUALITY_HISTORY,
            {iceberg.PREFIX + "run-id": run_id},
        )
    return outcome | {"run_id": run_id, "hours": [H.format_hour(h) for h in hours]}


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--hours",
        action="append",
        default=None,
        help="UTC hours to check, e.g. 2018-03-07T16 (default: latest silver run)",
    )
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a blocking constraint fails"
    )
    args = runtime.parse_args(parser, argv)
    spark = build_session("wikistream-quality", runtime.catalog_config(args))
    try:
        with runtime.reporter() as report:
            outcome = run(spark, H.parse_hours(args.hours) or None)
            for r in outcome["results"]:
                report.check(
                    SILVER,
                    r["check_name"],
                    r["passed"],
                    r["severity"],
                    {
                        "description": r["description"],
                        "metric": r["metric"],
                        "value": r["value"],
                        "message": r["message"],
                        "rows": outcome["rows"],
                        "hours": outcome["hours"],
                    },
                )
            runtime.write_result(args, outcome)
    finally:
        # pydeequ's py4j callback server keeps the driver alive: close it or spark-submit hangs.
        spark.sparkContext._gateway.shutdown_callback_server()
        spark.stop()
    failed = outcome["status"] == "failed"
    if failed:
        names = [r["check_name"] for r in outcome["results"] if r["blocking"] and not r["passed"]]
        log.error("blocking data-quality constraints failed: %s", names)
    return 1 if failed and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
