"""Medallion job: silver -> quality checks -> gold in one Spark application.

What the automation runs every five minutes (or on every bronze commit, eager): one JVM and one
catalog session for the three stages instead of three spark-submits, so a run's start-up is paid
once and before silver reads bronze. Silver reads bronze up to its newest snapshot *when the
stage starts* (not when the run was requested): everything that reached bronze while the run was
starting is in this run's gold (latency, issue 11). The checks and gold cover the run's
``--hours``; hours that silver touched beyond them stay pending (their silver write is newer
than their gold) and the next run takes them.

A failed blocking check quarantines its rows (``quality_check``) and stops gold: no gold table
is written, the result says why, and the exit status is 1 (0 with ``--no-fail``: Dagster turns
the reported blocking checks into the run's failure itself). ``--stages`` runs a subset (a
Dagster run that selected only gold, say).
"""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.spark_jobs import (
    gold_batch,
    quality_check,
    redact_batch,
    redact_check,
    runtime,
    silver_batch,
    silver_pointer,
)
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs.session import build_session
from wikistream_dagster.spark_jobs.tables import BRONZE, QUALITY_HISTORY, SILVER, ensure_tables

log = logging.getLogger(__name__)

STAGES = ("silver", "redact", "quality", "gold")


def run(
    spark: SparkSession,
    report: runtime.Reporter,
    stages: tuple[str, ...] = STAGES,
    hours: list[H.Hour] | None = None,
    rebuild_silver: bool = False,
    bronze_end: int | None = None,
    silver_settled: int | None = None,
    expire_hours: float = 24.0,
) -> dict[str, Any]:
    """Run ``stages`` in order in this session, reporting each as it lands.

    ``hours``: what the checks and gold cover (and silver rebuilds with ``rebuild_silver``);
    none: the hours of silver's newest write. Returns each stage's result and ``blocked``
    (the failed blocking checks that stopped gold).
    """
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s) {sorted(unknown)}: use {', '.join(STAGES)}")
    if rebuild_silver and not hours:
        raise ValueError("--rebuild-silver needs --hours (the hours to rebuild from bronze)")
    run_id = uuid.uuid4().hex
    out: dict[str, Any] = {"run_id": run_id, "stages": list(stages), "blocked": []}
    # Every table once, before silver reads bronze: catalog round trips off the latency path.
    ensure_tables(spark, BRONZE, SILVER, QUALITY_HISTORY, QUARANTINE, *gold_batch.GOLD_TABLES)
    ensure_tables(spark, *redact_batch.TABLES)
    if "silver" in stages:
        out["silver"] = silver_batch.run(
            spark,
            hours if rebuild_silver else None,
            run_id=run_id,
            bronze_end=bronze_end,
            ensure=False,
        )
        silver_batch.report_result(report, out["silver"])
    if "redact" in stages:
        # The run's hours, fixed before the redaction's silver commits name theirs; gold also
        # rebuilds every hour whose silver rows the redaction emptied (issue 14).
        hours = hours or silver_pointer.latest_hours(spark)
        wrote = H.parse_hours(out.get("silver", {}).get("hours") or [])
        out["redact"] = redact_batch.run(
            spark,
            sorted(set(hours) | set(wrote)),
            run_id=run_id,
            expire_hours=expire_hours,
            ensure=False,
        )
        redact_batch.report_result(report, out["redact"])
        extra = H.parse_hours(out["redact"]["gold_hours"])
        hours = sorted(set(hours) | set(extra)) if extra else hours
    if "quality" in stages:
        out["quality"] = quality_check.run(spark, hours, run_id=run_id, ensure=False)
        quality_check.report_outcome(report, out["quality"])
        out["blocked"] = quality_check.blocked(out["quality"])
    if "gold" in stages:
        if out["blocked"]:
            log.error("gold not written: blocking checks failed: %s", out["blocked"])
            out["gold"] = {"skipped": "blocking checks failed: " + ", ".join(out["blocked"])}
        else:
            out["gold"] = gold_batch.run(
                spark, hours, run_id=run_id, silver_settled=silver_settled, ensure=False
            )
            gold_batch.report_result(report, out["gold"])
    if "quality" in stages:  # the checks were selected: this one too, once gold is written
        out["redacted_check"] = redact_check.run(spark, hours or [])
        redact_check.report(report, out["redacted_check"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--stages",
        default=",".join(STAGES),
        help=f"comma-separated subset of {','.join(STAGES)}, run in that order (default: all)",
    )
    runtime.add_hours_arg(
        parser, "the hours the checks and gold cover (default: the hours of silver's newest write)"
    )
    parser.add_argument(
        "--rebuild-silver",
        action="store_true",
        help="silver rebuilds --hours from bronze instead of reading new bronze rows",
    )
    parser.add_argument(
        "--bronze-snapshot-end",
        type=int,
        default=None,
        help="silver reads bronze up to this snapshot (default: the newest when silver starts)",
    )
    parser.add_argument(
        "--silver-settled",
        type=int,
        default=None,
        help="gold records that every silver write up to this snapshot is in gold (automation)",
    )
    parser.add_argument(
        "--redaction-expire-hours",
        type=float,
        default=24.0,
        help="snapshots older than a redaction must be expired within this many hours "
        "(maintenance enforces it; WIKISTREAM_REDACTION_EXPIRE_HOURS)",
    )
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a blocking check stops gold"
    )
    args = runtime.parse_args(parser, argv)
    stages = tuple(s for s in args.stages.split(",") if s)
    spark = build_session("wikistream-medallion", runtime.catalog_config(args))
    try:
        with runtime.reporter() as report:
            result = run(
                spark,
                report,
                stages,
                H.parse_hours(args.hours) or None,
                rebuild_silver=args.rebuild_silver,
                bronze_end=args.bronze_snapshot_end,
                silver_settled=args.silver_settled,
                expire_hours=args.redaction_expire_hours,
            )
            runtime.write_result(args, result)
    finally:
        quality_check.stop_session(spark)
    return 1 if result["blocked"] and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
