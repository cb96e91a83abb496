"""Deequ evaluation of the check registry (``contracts/checks.py``), results shaped like Dagster
asset checks.

Each constraint is its own Deequ ``Check`` named like the asset check it becomes, so results map
one to one. Blocking constraints (Deequ level Error) fail the run and stop gold. The rows that
break a blocking rule go to ``silver.quarantine`` (``quarantine.py``), selected by the rule's
``row_ok`` / ``unique_key``. pydeequ needs ``SPARK_VERSION`` in the environment: spark-submit
and the EMR request set it (``config.SPARK_ENV``).
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Any

from pydeequ.checks import Check, CheckLevel
from pydeequ.verification import VerificationResult, VerificationSuite
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from wikistream_dagster.contracts.checks import (
    COMPLETE,
    CONSTRAINTS,
    SATISFIES,
    SIZE,
    UNIQUE,
    Constraint,
)

__all__ = ["CONSTRAINTS", "Constraint", "add_to", "history_rows", "run_checks"]


def add_to(check: Check, c: Constraint) -> Check:
    """The Deequ rule of ``c`` added to ``check``."""
    if c.kind == COMPLETE:
        return check.isComplete(c.column)
    if c.kind == UNIQUE:
        return check.isUnique(c.column)
    if c.kind == SATISFIES:
        at_least = c.at_least
        return check.satisfies(c.condition, c.name, lambda x: x >= at_least)
    if c.kind == SIZE:
        min_rows = c.min_rows
        return check.hasSize(lambda n: n >= min_rows)
    raise ValueError(f"constraint {c.name}: unknown kind {c.kind!r} (see contracts/checks.py)")


def _metric_for(constraint: str, metrics: list[dict[str, Any]]) -> tuple[str | None, float | None]:
    """Find the Deequ metric a constraint string refers to (``Completeness(event_id,...``)."""
    for m in metrics:
        name, instance = m["name"], m["instance"]
        if f"{name}({instance}," in constraint or f"{name}(List({instance})" in constraint:
            return name, m["value"]
    return None, None


def run_checks(
    spark: SparkSession, rows: DataFrame, constraints: tuple[Constraint, ...] = CONSTRAINTS
) -> dict[str, Any]:
    """Run ``constraints`` over ``rows`` with Deequ.

    Returns:
        ``{"status": passed|warning|failed|skipped, "rows": n, "results": [...]}`` where each
        result has ``check_name``, ``description``, ``blocking``, ``severity`` (ERROR/WARN),
        ``passed``, ``status``, ``metric``, ``value`` and ``message``.
    """
    n = rows.count()
    if n == 0:
        return {"status": "skipped", "rows": 0, "results": []}
    suite = VerificationSuite(spark).onData(rows)
    for c in constraints:
        level = CheckLevel.Error if c.blocking else CheckLevel.Warning
        suite = suite.addCheck(add_to(Check(spark, level, c.name), c))
    result = suite.run()
    with warnings.catch_warnings():  # pydeequ builds DataFrames with the internal constructor
        warnings.filterwarnings("ignore", message="DataFrame constructor is internal")
        checks = VerificationResult.checkResultsAsDataFrame(spark, result).collect()
        metrics = [
            r.asDict()
            for r in VerificationResult.successMetricsAsDataFrame(spark, result).collect()
        ]
    by_name = {r["check"]: r for r in checks}
    results = []
    for c in constraints:
        row = by_name[c.name]
        passed = row["constraint_status"] == "Success"
        metric, value = _metric_for(row["constraint"], metrics)
        results.append(
            {
                "check_name": c.name,
                "description": c.description,
                "blocking": c.blocking,
                "severity": "ERROR" if c.blocking else "WARN",
                "passed": passed,
                "status": "passed" if passed else "failed",
                "metric": metric,
                "value": value,
                "message": row["constraint_message"] or "",
            }
        )
    failed = [r for r in results if not r["passed"]]
    status = "failed" if any(r["blocking"] for r in failed) else "warning" if failed else "passed"
    return {"status": status, "rows": n, "results": results}


HISTORY_SCHEMA = T.StructType(
    [
        T.StructField("run_id", T.StringType()),
        T.StructField("checked_at", T.TimestampType()),
        T.StructField("scope", T.StringType()),
        T.StructField("rows", T.LongType()),
        T.StructField("check_name", T.StringType()),
        T.StructField("constraint", T.StringType()),
        T.StructField("status", T.StringType()),
        T.StructField("blocking", T.BooleanType()),
        T.StructField("metric_value", T.DoubleType()),
        T.StructField("message", T.StringType()),
    ]
)


def history_rows(
    spark: SparkSession,
    outcome: dict[str, Any],
    run_id: str,
    scope: str,
    checked_at: datetime | None = None,
) -> DataFrame:
    """The outcome as ``silver.quality_history`` rows (one per constraint)."""
    at = checked_at or datetime.now(UTC)  # aware: pyspark would read a naive one as local
    data = [
        (
            run_id,
            at,
            scope,
            outcome["rows"],
            r["check_name"],
            r["description"],
            r["status"],
            r["blocking"],
            None if r["value"] is None else float(r["value"]),
            r["message"],
        )
        for r in outcome["results"]
    ]
    return spark.createDataFrame(data, HISTORY_SCHEMA)
