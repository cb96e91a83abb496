"""Quality job: Deequ constraints over the silver hours a run touched; history kept in Iceberg.

Exit status 1 when a blocking constraint fails (unless ``--no-fail``, for callers that turn the
reported checks into blocking Dagster asset checks themselves). A blocking failure also puts the
rows that break the failing rules in ``silver.quarantine`` (held), which holds their hours until
``./wikistream quarantine release|drop``; released rows are not checked again (``quarantine.py``).
"""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg, runtime, silver_pointer
from wikistream_dagster.spark_jobs import quarantine as quar
from wikistream_dagster.spark_jobs import quarantine_hold as hold
from wikistream_dagster.spark_jobs.tables import QUALITY_HISTORY, SILVER, ensure_tables, qualified
from wikistream_dagster.spark_jobs.transforms import quality

log = logging.getLogger(__name__)


def run(
    spark: SparkSession,
    hours: list[H.Hour] | None = None,
    run_id: str | None = None,
    constraints: tuple[quality.Constraint, ...] = quality.CONSTRAINTS,
    ensure: bool = True,
) -> dict[str, Any]:
    """Check the silver rows of ``hours`` (default: the latest silver run's); append history.

    Released rows are skipped; on a blocking failure the violating rows are quarantined.
    ``ensure=False``: the caller has created the tables already.
    """
    if ensure:
        ensure_tables(spark, SILVER, QUALITY_HISTORY, QUARANTINE)
    run_id = run_id or uuid.uuid4().hex
    hours = hours or silver_pointer.latest_hours(spark)
    scope = ",".join(H.format_hour(h) for h in hours)
    silver = spark.table(qualified(SILVER)).where(H.predicate(hours))
    rows = quar.skip_resolved(silver, spark).cache()
    outcome = quality.run_checks(spark, rows, constraints)
    if outcome["status"] == "failed":
        outcome = _quarantine(spark, rows, outcome, run_id, hours, constraints)
    rows.unpersist()
    if outcome["results"]:
        iceberg.append(
            quality.history_rows(spark, outcome, run_id, scope),
            QUALITY_HISTORY,
            {S.RUN_ID: run_id},
        )
    held = quar.held_hours(spark, hours) if hours else []
    return outcome | {"run_id": run_id, "hours": [H.format_hour(h) for h in hours], "held": held}


def _quarantine(
    spark: SparkSession,
    rows: DataFrame,
    outcome: dict[str, Any],
    run_id: str,
    hours: list[H.Hour],
    constraints: tuple[quality.Constraint, ...],
) -> dict[str, Any]:
    """Quarantine the rows breaking the failed blocking rules; hold the hours of the rest.

    Each failed blocking result gains ``quarantined`` (rows of this run's hours now held for
    it) and ``quarantine_sample`` (markdown). A failed rule without violating rows (aggregate)
    holds every hour with a marker, unless its markers were released (waived: it passes).
    """
    by_name = {c.name: c for c in constraints}
    failed = {
        r["check_name"]: by_name[r["check_name"]]
        for r in outcome["results"]
        if r["blocking"] and not r["passed"]
    }
    found = quar.violations(rows, failed.values())
    counts: dict[str, int] = {}
    if found is not None:
        found = found.cache()
        counts = {r["rule"]: r["count"] for r in found.groupBy("rule").count().collect()}
    aggregate = {name for name in failed if not counts.get(name)}
    waived = hold.waived_rules(spark, aggregate, hours)
    new = None if found is None or not counts else hold.entries(found, run_id)
    if aggregate - waived:
        markers = hold.hour_markers(spark, aggregate - waived, hours, run_id)
        new = markers if new is None else new.unionByName(markers)
    if new is not None:
        touched = hours if aggregate - waived else _hours_of(found)
        hold.hold(spark, new, run_id, touched)
    results = []
    for r in outcome["results"]:
        name = r["check_name"]
        if name in waived:
            r = r | {"passed": True, "status": "passed", "message": "waived: hour released"}
        elif name in failed:
            r = r | {"quarantined": counts.get(name, 0)}
            if counts.get(name):
                r["quarantine_sample"] = hold.sample_markdown(found, name)
            else:
                r["quarantine_sample"] = "aggregate rule: every hour of the run is held"
        results.append(r)
    if found is not None:
        found.unpersist()
    still = any(r["blocking"] and not r["passed"] for r in results)
    warn = any(not r["passed"] for r in results)
    status = "failed" if still else "warning" if warn else "passed"
    return outcome | {"results": results, "status": status, "quarantined": sum(counts.values())}


def _hours_of(found: DataFrame) -> list[H.Hour]:
    got = found.select("event_date", "event_hour").distinct().collect()
    return [(r["event_date"], r["event_hour"]) for r in got]


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    runtime.add_hours_arg(parser, "the hours to check (default: the latest silver run's)")
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a blocking constraint fails"
    )
    args = runtime.parse_args(parser, argv)
    hours = H.parse_hours(args.hours) or None
    compute = lambda spark: run(spark, hours)  # noqa: E731
    outcome = runtime.run_batch("wikistream-quality", args, compute, report_outcome, stop_session)
    failed = blocked(outcome)
    return 1 if failed and not args.no_fail else 0


def report_outcome(
    report: runtime.Reporter,
    outcome: dict[str, Any],
    constraints: tuple[quality.Constraint, ...] = quality.CONSTRAINTS,
) -> None:
    """One check result per constraint (to Dagster through Pipes, or the log).

    Hours without silver rows: Deequ has nothing to measure, so nothing can be violated; each
    constraint passes with ``rows: 0`` (said here, where it is known, not guessed by Dagster).
    """
    if outcome["status"] == "skipped":
        for c in constraints:
            report.check(
                SILVER,
                c.name,
                True,
                "ERROR" if c.blocking else "WARN",
                {"rows": 0, "hours": outcome["hours"], "note": "no silver rows in these hours"},
            )
        return
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
                **_quarantine_meta(r, outcome),
            },
        )


def blocked(outcome: dict[str, Any]) -> list[str]:
    """The blocking constraints that failed (logged: they stop gold)."""
    names = [r["check_name"] for r in outcome["results"] if r["blocking"] and not r["passed"]]
    if outcome["status"] == "failed" and names:
        log.error("blocking data-quality constraints failed: %s", names)
    return names if outcome["status"] == "failed" else []


def stop_session(spark: SparkSession) -> None:
    """pydeequ's py4j callback server keeps the driver alive: close it or spark-submit hangs."""
    spark.sparkContext._gateway.shutdown_callback_server()
    spark.stop()


def _quarantine_meta(result: dict[str, Any], outcome: dict[str, Any]) -> dict[str, Any]:
    """What the Dagster UI shows about the quarantine on a failed check."""
    if "quarantined" not in result:
        return {}
    return {
        "quarantined_rows": result["quarantined"],
        "quarantine_sample": {"raw_value": result["quarantine_sample"], "type": "md"},
        "held_hours": outcome["held"],
        "resolve": "./wikistream quarantine list|release|drop --hours ...",
    }


if __name__ == "__main__":
    sys.exit(main())
