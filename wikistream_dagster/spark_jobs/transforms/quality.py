"""Deequ constraints on silver rows, returned as plain dicts shaped like Dagster asset checks.

Each constraint is its own Deequ ``Check`` named like the asset check it becomes, so results map
one to one. Blocking constraints (Deequ level Error) fail the run and stop gold. Each blocking
constraint also defines its row rule (``row_ok`` / ``unique_key``, built from the same arguments
as the Deequ rule): the rows that break it go to ``silver.quarantine`` (``quarantine.py``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

os.environ.setdefault("SPARK_VERSION", "3.5")  # pydeequ refuses to import without it

from pydeequ.checks import Check, CheckLevel  # noqa: E402
from pydeequ.verification import VerificationResult, VerificationSuite  # noqa: E402
from pyspark.sql import DataFrame, SparkSession  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

KNOWN_TYPES = ("edit", "new", "log", "categorize", "external")
FUTURE_TOLERANCE = "INTERVAL 10 MINUTES"

# The first label of the domain (the second after "www.") starts the wiki id:
# en.wikipedia.org -> enwiki, www.wikidata.org -> wikidatawiki, zh-min-nan... -> zh_min_nanwiki.
_DOMAIN_KEY = (
    "replace(CASE WHEN split(domain, '[.]')[0] = 'www' THEN split(domain, '[.]')[1] "
    "ELSE split(domain, '[.]')[0] END, '-', '_')"
)


@dataclass(frozen=True)
class Constraint:
    """One data-quality rule: ``name`` is the asset check name Dagster shows.

    ``row_ok`` is the SQL a good row satisfies, the same string Deequ measures, so the row rule
    that quarantines rows cannot drift from the Deequ rule; ``unique_key`` marks a uniqueness
    rule, whose violating rows are the extra copies of a key. A rule with neither is
    aggregate-only: its failure holds whole hours (see ``quarantine.py``).
    """

    name: str
    description: str
    blocking: bool
    add: Callable[[Check], Check]
    row_ok: str | None = None
    unique_key: str | None = None

    @property
    def row_level(self) -> bool:
        return self.row_ok is not None or self.unique_key is not None


def complete(name: str, column: str, description: str, blocking: bool) -> Constraint:
    """Deequ completeness: the share of rows where ``column`` is not null."""
    return Constraint(
        name, description, blocking, lambda c: c.isComplete(column), f"{column} IS NOT NULL"
    )


def unique(name: str, column: str, description: str, blocking: bool) -> Constraint:
    """Deequ uniqueness; the violating rows are every copy of a key after its first."""
    return Constraint(name, description, blocking, lambda c: c.isUnique(column), unique_key=column)


def satisfies(
    name: str, condition: str, description: str, blocking: bool, at_least: float = 1.0
) -> Constraint:
    """Deequ compliance with ``condition``; a row rule only when every row must comply."""

    def add(check: Check) -> Check:
        return check.satisfies(condition, name, lambda x: x >= at_least)

    return Constraint(name, description, blocking, add, condition if at_least == 1.0 else None)


def contained_in(
    name: str, column: str, values: tuple[str, ...], description: str, blocking: bool
) -> Constraint:
    """Deequ's ``isContainedIn`` as the compliance it is (nulls allowed), with its SQL shared."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return satisfies(name, f"{column} IS NULL OR {column} IN ({allowed})", description, blocking)


CONSTRAINTS: tuple[Constraint, ...] = (
    complete("event_id_complete", "event_id", "every row has an event id", True),
    complete("event_time_complete", "event_time", "every row has an event time", True),
    unique("event_id_unique", "event_id", "event ids are unique", True),
    complete("wiki_complete", "wiki", "every row names its wiki", True),
    contained_in(
        "type_known", "type", KNOWN_TYPES, f"type is one of {', '.join(KNOWN_TYPES)}", True
    ),
    satisfies(
        "event_time_not_future",
        f"event_time <= current_timestamp() + {FUTURE_TOLERANCE}",
        "event time at most 10 minutes in the future",
        True,
    ),
    satisfies(
        "event_time_plausible",
        "event_time >= TIMESTAMP'2001-01-15'",
        "event time after Wikipedia's launch (2001-01-15)",
        False,
    ),
    satisfies(
        "namespace_in_range",
        "namespace IS NULL OR namespace BETWEEN -2 AND 15000",
        "namespace between -2 and 15000",
        False,
    ),
    satisfies(
        "title_length",
        "title IS NULL OR char_length(title) <= 255",
        "title at most 255 characters",
        False,
    ),
    satisfies(
        "user_length",
        "user IS NULL OR char_length(user) <= 255",
        "user name at most 255 characters",
        False,
    ),
    satisfies(
        "comment_length",
        "comment IS NULL OR char_length(comment) <= 1000",
        "comment at most 1000 characters",
        False,
    ),
    satisfies(
        "byte_delta_plausible",
        "byte_delta IS NULL OR abs(byte_delta) <= 4194304",
        "byte delta within a page's maximum size (4 MiB)",
        False,
    ),
    satisfies(
        "revision_ids_increase",
        "type <> 'edit' OR revision_new > coalesce(revision_old, 0)",
        "an edit's new revision id is above the old one",
        False,
    ),
    satisfies(
        "wiki_domain_consistent",
        f"domain IS NULL OR wiki LIKE concat({_DOMAIN_KEY}, '%')",
        "wiki id matches the domain (>= 99% of rows)",
        False,
        0.99,
    ),
)


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
        suite = suite.addCheck(c.add(Check(spark, level, c.name)))
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
