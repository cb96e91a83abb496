"""The chaos run's end-to-end accounting, computed independently of the pipeline's own code:
Kafka topics read record by record, the lake read through DuckDB, gold recomputed in plain
Python from the events' payloads (the rules of spark_jobs/transforms/silver.py and gold.py
restated, not imported)."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from wikistream_dagster.config import Settings
from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.contracts.tables import HOURLY_STATS_TABLE

GOLD_COLUMNS = (
    "events",
    "edits",
    "new_pages",
    "log_events",
    "distinct_editors",
    "bot_events",
    "anonymous_events",
    "bytes_added",
    "bytes_removed",
)
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")
_IPV6 = re.compile(r"^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$", re.I)
_TEMP = re.compile(r"^~\d{4}-\d+(-\d+)?$")


def read_topic(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) of ``topic``, all partitions, from the low to the high watermark."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "wikistream-chaos",
            "enable.auto.commit": False,
        }
    )
    out: list[tuple[bytes | None, bytes | None]] = []
    try:
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        for p in parts:
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high <= low:
                continue
            c.assign([TopicPartition(topic, p, low)])
            pos = low
            while pos < high:
                msg = c.poll(10)
                if msg is None:
                    raise RuntimeError(f"{topic}[{p}] stopped at offset {pos} of {high}")
                if msg.error():
                    continue
                out.append((msg.key(), msg.value()))
                pos = msg.offset() + 1
    finally:
        c.close()
    return out


def end_offsets(bootstrap: str, topic: str) -> dict[str, int]:
    from wikistream_dagster.resources.lake import KafkaOffsets

    return KafkaOffsets(bootstrap_servers=bootstrap).end_offsets(topic)


def checkpoint_offsets(checkpoint: Path) -> dict[str, dict[str, int]]:
    """The Kafka offsets up to which the streaming query's last committed batch read."""
    commits = [int(f.name) for f in (checkpoint / "commits").glob("[0-9]*")]
    if not commits:
        return {}
    lines = (checkpoint / "offsets" / str(max(commits))).read_text().splitlines()
    out: dict[str, dict[str, int]] = {}
    for line in lines[2:]:
        for topic, parts in json.loads(line).items():
            out.setdefault(topic, {}).update({str(p): int(o) for p, o in parts.items()})
    return out


def snapshot_offsets(snapshots: list[dict]) -> dict[str, dict[str, int]]:
    """The Kafka offsets up to which bronze's committed snapshots read (their summaries)."""
    out: dict[str, dict[str, int]] = {}
    for snap in snapshots:
        raw = snap["summary"].get(S.KAFKA_OFFSETS)
        for topic, parts in json.loads(raw or "{}").items():
            for part, (_lo, hi) in parts.items():
                cur = out.setdefault(topic, {})
                cur[part] = max(cur.get(part, 0), int(hi))
    return out


def event_time(e: dict) -> datetime | None:
    ts = e.get("timestamp")
    if isinstance(ts, int) and not isinstance(ts, bool):
        return datetime.fromtimestamp(ts, UTC)
    dt = (e.get("meta") or {}).get("dt")
    try:
        return datetime.fromisoformat(dt).astimezone(UTC) if isinstance(dt, str) else None
    except ValueError:
        return None


def _anonymous(user: str | None) -> bool:
    return bool(user) and any(r.match(user) for r in (_IPV4, _IPV6, _TEMP))


def expected_gold(payloads: dict[str, bytes]) -> dict[tuple[str, str], dict[str, int]]:
    """``gold.hourly_edit_stats``'s counting columns per (wiki, hour), from the raw events."""
    acc: dict[tuple[str, str], dict] = defaultdict(lambda: Counter())
    editors: dict[tuple[str, str], set[str]] = defaultdict(set)
    for raw in payloads.values():
        e = json.loads(raw)
        t = event_time(e)
        if t is None:
            continue
        key = ((e.get("wiki") or "").strip().lower(), t.strftime("%Y-%m-%dT%H"))
        kind = (e.get("type") or "").strip().lower()
        user = (e.get("user") or "").strip() or None
        c = acc[key]
        c["events"] += 1
        c["edits"] += kind == "edit"
        c["new_pages"] += kind == "new"
        c["log_events"] += kind == "log"
        c["bot_events"] += bool(e.get("bot"))
        c["anonymous_events"] += _anonymous(user)
        if user:
            editors[key].add(user)
        length = e.get("length") or {}
        if kind in ("edit", "new") and length.get("new") is not None:
            delta = length["new"] - (length.get("old") or 0)
            c["bytes_added"] += max(delta, 0)
            c["bytes_removed"] += max(-delta, 0)
    return {
        k: {col: (len(editors[k]) if col == "distinct_editors" else c[col]) for col in GOLD_COLUMNS}
        for k, c in acc.items()
    }


def _rows(settings: Settings, sql: str) -> list[tuple]:
    """Rows of ``sql`` over the lake; none when its table was never written (a halted run)."""
    from wikistream_dagster.query import QueryError, query_rows

    try:
        return query_rows(settings, sql)[1]
    except QueryError as exc:
        if "does not exist" not in str(exc):
            raise
        return []


def lake_gold(settings: Settings) -> dict[tuple[str, str], dict[str, int]]:
    cols = ", ".join(GOLD_COLUMNS)
    rows = _rows(settings, f"SELECT wiki, event_date, event_hour, {cols} FROM {HOURLY_STATS_TABLE}")
    return {
        (r[0] or "", f"{r[1]}T{r[2]:02d}"): dict(zip(GOLD_COLUMNS, r[3:], strict=True))
        for r in rows
    }


def gold_mismatches(expected: dict, actual: dict) -> list[dict]:
    """(wiki, hour) keys whose columns differ, or that only one side has."""
    out = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key), actual.get(key)
        if want != got:
            diff = {c: (want or {}).get(c, 0) - (got or {}).get(c, 0) for c in GOLD_COLUMNS}
            out.append({"wiki": key[0], "hour": key[1], "expected_minus_gold": diff})
    return out


def id_counts(settings: Settings, table: str) -> Counter:
    """event_id -> rows in ``table``."""
    rows = _rows(settings, f"SELECT event_id, count(*) FROM {table} GROUP BY event_id")
    return Counter({i: n for i, n in rows})


def dlq_summary(records: list[tuple[bytes | None, bytes | None]], poison: dict[str, str]) -> dict:
    """Reasons of the dead letters, and the reason each injected poison record got (or None)."""
    reasons: Counter = Counter()
    found: dict[str, str | None] = {i: None for i in poison}
    for key, value in records:
        try:
            env = json.loads(value or b"{}")
        except ValueError:
            env = {}
        reason = env.get("reason", "unknown") if isinstance(env, dict) else "unknown"
        reasons[reason] += 1
        text = (key or b"").decode(errors="replace") + (value or b"").decode(errors="replace")
        for i in found:
            if found[i] is None and i in text:
                found[i] = reason
    return {"reasons": dict(reasons), "poison": found}
