"""What ``./wikistream quarantine`` does: list without Spark, release/drop through the Spark job.

Listing reads ``silver.quarantine`` with pyiceberg and DuckDB (seconds); release and drop run
``spark_jobs/quarantine_job.py`` with spark-submit, since a drop rewrites silver's hours.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wikistream_dagster.config import Settings
from wikistream_dagster.contracts import hours as H
from wikistream_dagster.contracts import quarantine as Q


class QuarantineError(RuntimeError):
    """A quarantine command failed; the message names the cause and the fix."""


@dataclass(frozen=True)
class Filters:
    """The rows a command concerns: every filter given must match."""

    hours: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()

    def where(self) -> str:
        """SQL (DuckDB) over silver.quarantine."""
        terms = []
        for d, h in H.parse_hours(self.hours):
            terms.append(f"(event_date = DATE '{d.isoformat()}' AND event_hour = {h})")
        clauses = [f"({' OR '.join(terms)})"] if terms else []
        for col, values in (
            ("rule", self.rules),
            ("run_id", self.runs),
            ("event_id", self.event_ids),
        ):
            if values:
                clauses.append(f"{col} IN ({', '.join(_lit(v) for v in values)})")
        return " AND ".join(clauses) or "true"

    def job_args(self) -> list[str]:
        pairs = (
            ("--hours", self.hours),
            ("--rule", self.rules),
            ("--run", self.runs),
            ("--event-id", self.event_ids),
        )
        return [arg for flag, values in pairs for v in values for arg in (flag, v)]


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _query(settings: Settings, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    from wikistream_dagster.query import QueryError, query_rows

    try:
        return query_rows(settings, sql)
    except QueryError as exc:
        if f"table {Q.QUARANTINE} does not exist" in str(exc):
            return [], []  # nothing was ever quarantined
        raise QuarantineError(str(exc)) from None


def list_entries(settings: Settings, filters: Filters, status: str, limit: int) -> dict[str, Any]:
    """Counts per hour, rule and status, and the newest ``limit`` entries."""
    where = filters.where() + ("" if status == "all" else f" AND status = {_lit(status)}")
    _, counts = _query(
        settings,
        "SELECT strftime(event_date, '%Y-%m-%d') || 'T' || lpad(CAST(event_hour AS VARCHAR), 2, "
        f"'0') AS hour, rule, status, count(*) FROM {Q.QUARANTINE} WHERE {where} "
        "GROUP BY ALL ORDER BY hour, rule, status",
    )
    _, rows = _query(
        settings,
        "SELECT event_id, strftime(event_date, '%Y-%m-%d') || 'T' || "
        "lpad(CAST(event_hour AS VARCHAR), 2, '0') AS hour, rule, status, run_id, "
        "quarantined_at, json_extract_string(row_json, '$.type') AS type, "
        f"json_extract_string(row_json, '$.title') AS title FROM {Q.QUARANTINE} "
        f"WHERE {where} ORDER BY quarantined_at DESC, event_id LIMIT {int(limit)}",
    )
    return {
        "status": status,
        "counts": [{"hour": h, "rule": r, "status": s, "entries": n} for h, r, s, n in counts],
        "latest": [
            dict(
                zip(
                    (
                        "event_id",
                        "hour",
                        "rule",
                        "status",
                        "run_id",
                        "quarantined_at",
                        "type",
                        "title",
                    ),
                    row,
                    strict=True,
                )
            )
            for row in rows
        ],
        "held_hours": held(settings),
    }


def held(settings: Settings) -> list[str]:
    from wikistream_dagster.query import rest_catalog
    from wikistream_dagster.resources.quarantine import held_hours

    try:
        return sorted(held_hours(rest_catalog(settings)))
    except Exception as exc:  # pyiceberg raises several types for a refused connection
        raise QuarantineError(
            f"cannot read {Q.QUARANTINE} at {settings.catalog_uri} ({exc}): "
            "start the catalog with ./wikistream catalog start"
        ) from None


def list_lines(result: dict[str, Any]) -> list[str]:
    if not result["counts"]:
        which = "" if result["status"] == "all" else f"{result['status']} "
        return [f"{Q.QUARANTINE}: no {which}rows match", _held_line(result["held_hours"])]
    total = sum(c["entries"] for c in result["counts"])
    lines = [f"{Q.QUARANTINE}: {total} entries ({result['status']}), per hour and rule:"]
    lines += [
        f"  {c['hour']}  {c['rule']:<24} {c['status']:<9} {c['entries']}" for c in result["counts"]
    ]
    lines.append(f"latest {len(result['latest'])}:")
    lines += [
        f"  {e['event_id']}  {e['hour']}  {e['rule']}  {e['status']}  type={e['type']}  "
        f"title={(e['title'] or '')[:40]!r}  run={e['run_id']}"
        for e in result["latest"]
    ]
    lines.append(_held_line(result["held_hours"]))
    return lines


def _held_line(hours: list[str]) -> str:
    if not hours:
        return "held hours: none (nothing waits for an operator)"
    return (
        f"held hours: {', '.join(hours)} (not scheduled until resolved: "
        "./wikistream quarantine release|drop --hours ...)"
    )


def resolve(settings: Settings, action: str, filters: Filters, everything: bool) -> dict[str, Any]:
    """Run the Spark quarantine job (release or drop); its result plus the held hours after."""
    from wikistream_dagster.local import spark_submit

    if filters == Filters() and not everything:
        raise QuarantineError(
            f"{action} needs a filter: --hours, --rule, --run or --event-id "
            "(see ./wikistream quarantine list), or --all for every quarantined row"
        )
    H.parse_hours(filters.hours)  # a bad hour fails here, before Spark starts
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        args = [action, *filters.job_args(), "--result-json", str(out)]
        rc = spark_submit.run_job(settings, "quarantine", args + (["--all"] if everything else []))
        if rc != 0 or not out.exists():
            raise QuarantineError(
                f"the quarantine job failed (exit {rc}); its log above says why, "
                "fix that and run the same command again (it is safe to repeat)"
            )
        result = json.loads(out.read_text())
    return result | {"held_hours": held(settings)}


def resolve_lines(result: dict[str, Any]) -> list[str]:
    verb = {"release": "released", "drop": "dropped"}[result["action"]]
    if not result["rows"]:
        return [
            f"nothing {verb}: no quarantined rows match (see ./wikistream quarantine list)",
            _held_line(result["held_hours"]),
        ]
    rules = ", ".join(f"{k}={v}" for k, v in sorted(result["entries_by_rule"].items()))
    lines = [
        f"{verb} {result['rows']} rows ({rules}) in hours {', '.join(result['hours'])}",
    ]
    if result["action"] == "drop":
        lines.append(f"  deleted from silver: {result['deleted_from_silver']} rows")
    else:
        lines.append("  the checks skip them from now on; gold reads them")
    lines.append(_held_line(result["held_hours"]))
    lines.append("  hours no longer held are rebuilt by the next scheduled run")
    return lines
