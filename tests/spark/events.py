"""The real recorded events as test input, and reference figures computed in plain Python.

Nothing here uses Spark: expected values come from the NDJSON directly, so the Spark jobs are
checked against an independent implementation.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from wikistream_dagster.spark_jobs.hours import PARTITION_START

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = ROOT / "wikistream_dagster" / "local" / "recordings"


def recorded_lines() -> list[str]:
    """Every recorded event payload bronze keeps: the 2018 NDJSON files and the 2022 SSE
    capture, without the one event before the first hour partition (hijack.ndjson has one
    on 2018-03-06, which bronze dead-letters: ``event_time_before_partition_start``)."""
    start = datetime.combine(PARTITION_START, datetime.min.time(), UTC)
    return [x for x in _all_recorded_lines() if event_time(json.loads(x)) >= start]


def _all_recorded_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(RECORDINGS.glob("*.ndjson")):
        lines += [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    for path in sorted(RECORDINGS.glob("*.sse")):
        lines += [
            x[len("data: ") :]
            for x in path.read_text(encoding="utf-8").splitlines()
            if x.startswith("data: ")
        ]
    return lines


def first_by_id(lines: list[str]) -> dict[str, dict]:
    """Events keyed by meta.id, keeping the first occurrence (what bronze keeps)."""
    out: dict[str, dict] = {}
    for line in lines:
        event = json.loads(line)
        out.setdefault(event["meta"]["id"], event)
    return out


def event_time(event: dict) -> datetime:
    if event.get("timestamp") is not None:
        return datetime.fromtimestamp(event["timestamp"], UTC)
    return datetime.fromisoformat(event["meta"]["dt"].replace("Z", "+00:00"))


def is_anonymous(user: str | None) -> bool:
    if not user:
        return False
    try:
        ipaddress.ip_address(user.strip())
        return True
    except ValueError:
        return user.startswith("~") and user[1:5].isdigit()


def percentile(values: list[float], q: float) -> float:
    """Exact percentile with linear interpolation (what Spark's ``percentile`` computes)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def hour_stats(events: dict[str, dict], wiki: str, day: str, hour: int) -> dict:
    """Reference ``gold.hourly_edit_stats`` figures for one wiki and hour."""
    rows = [
        e
        for e in events.values()
        if e["wiki"] == wiki
        and event_time(e).strftime("%Y-%m-%d") == day
        and event_time(e).hour == hour
    ]
    types = Counter(e["type"] for e in rows)
    deltas = [
        (e["length"]["new"] or 0) - (e["length"].get("old") or 0)
        for e in rows
        if e["type"] in ("edit", "new") and e.get("length")
    ]
    return {
        "events": len(rows),
        "edits": types["edit"],
        "new_pages": types["new"],
        "log_events": types["log"],
        "events_by_type": dict(types),
        "bot_events": sum(1 for e in rows if e.get("bot")),
        "anonymous_events": sum(1 for e in rows if is_anonymous(e.get("user"))),
        "distinct_editors": len({e.get("user") for e in rows if e.get("user")}),
        "bytes_added": sum(d for d in deltas if d > 0),
        "bytes_removed": -sum(d for d in deltas if d < 0),
        "mean_abs_byte_delta": sum(abs(d) for d in deltas) / len(deltas),
        "p95_abs_byte_delta": percentile([abs(d) for d in deltas], 0.95),
        "editor_counts": Counter(e.get("user") for e in rows if e.get("user")),
    }


def redacted_ids(events: dict[str, dict]) -> set[str]:
    """Events a deletion in ``events`` redacts (issue 14): every event of the deleted page (same
    wiki and title) up to the deletion's time, the deletion itself included."""
    deletions = [
        (e["wiki"], e["title"], event_time(e))
        for e in events.values()
        if e["type"] == "log" and e.get("log_type") == "delete" and e.get("log_action") == "delete"
    ]
    return {
        i
        for i, e in events.items()
        if any(
            (e["wiki"], e.get("title")) == (w, t) and event_time(e) <= at for w, t, at in deletions
        )
    }
