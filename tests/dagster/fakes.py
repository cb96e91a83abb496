"""A fake SparkJobRunner: records the jobs it is asked to run and answers like the real jobs."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from wikistream_dagster.contracts.checks import CONSTRAINTS, LAKE_CHECKS
from wikistream_dagster.resources.spark_runner import SparkJobRunner


class _Invocation:
    def __init__(self, results, messages=()):
        self._results = results
        self._messages = list(messages)

    def get_results(self, **kwargs):
        return self._results

    def get_custom_messages(self):
        return self._messages


class FakeSparkRunner(SparkJobRunner):
    """Writes one JSON line per call to ``log_path``; ``failing_checks`` fail in the quality
    stage and, like the real medallion job, a failing blocking check leaves gold unwritten."""

    log_path: str
    failing_checks: list[str] = []
    unreported_checks: list[str] = []

    def calls(self) -> list[dict]:
        p = Path(self.log_path)
        return [json.loads(line) for line in p.read_text().splitlines()] if p.exists() else []

    def run(self, context, job, args, extras=None):
        with open(self.log_path, "a") as f:
            f.write(json.dumps({"job": job, "args": list(args)}) + "\n")
        stages = args[args.index("--stages") + 1].split(",") if "--stages" in args else []
        results = []
        if "quality" in stages:
            results += [
                dg.AssetCheckResult(
                    asset_key=dg.AssetKey(["silver", "wiki_events_cleaned"]),
                    check_name=c.name,
                    passed=c.name not in self.failing_checks,
                    severity=dg.AssetCheckSeverity.ERROR
                    if c.blocking
                    else dg.AssetCheckSeverity.WARN,
                    metadata={"value": 1.0},
                )
                for c in (*CONSTRAINTS, *LAKE_CHECKS)  # the real job reports both kinds
                if c.name not in self.unreported_checks
            ]
        blocked = any(c.blocking and c.name in self.failing_checks for c in CONSTRAINTS)
        keys = sorted(context.selected_asset_keys, key=lambda k: k.to_user_string())
        results += [
            dg.MaterializeResult(asset_key=k, metadata={"rows_written": 7})
            for k in keys
            if not (blocked and k.path[0] == "gold")
        ]
        # The redact stage's counts come back as a Pipes custom message (redact_batch.py).
        redact = {"events": 2, "pages_deleted": 1, "rows": {"silver.wiki_events_cleaned": 9}}
        return _Invocation(results, [{"redact": redact}] if "redact" in stages else [])


class FakeStreaming:
    """Stands in for StreamingRunner in sensor ticks (resources may be plain objects there).

    ``processed`` is the raw-events offsets of the checkpoint's newest committed batch (None:
    nothing committed yet); ``failure`` the job's last failure record.
    """

    def __init__(
        self,
        running: bool = False,
        started_at: float | None = None,
        processed: dict | None = None,
        failure=None,
        busy: bool = False,
    ):
        from wikistream_dagster.resources.streaming import StreamStatus

        self._status = StreamStatus
        self.running, self.started_at, self.actions = running, started_at, []
        self.processed, self.failure, self.busy = processed, failure, busy

    def status(self):
        busy = {"busy": True} if self.busy else {}
        return self._status(self.running, self.started_at, "1", "fake", **busy)

    def start(self, wait=False):
        import time

        self.actions.append("start")
        self.running, self.started_at = True, time.time()
        return "1"

    def stop(self, wait=False):
        self.actions.append("stop")
        was, self.running = self.running, False
        return was

    def progress(self):
        from wikistream_dagster.spark_jobs.checkpoint import CommittedBatch

        if self.processed is None:
            return None
        return CommittedBatch(len(self.actions), {"raw-events": dict(self.processed)})

    def last_failure(self):
        return self.failure


class FakeLake:
    """Snapshots as the real LakeReader returns them."""

    def __init__(self, bronze=None, silver=None, gold=None):
        self.tables = {
            "bronze.wiki_events": bronze or [],
            "silver.wiki_events_cleaned": silver or [],
            **(gold or {}),
        }

    def snapshots(self, table, after_id=None):
        snaps = self.tables.get(table, [])
        ids = [s["snapshot_id"] for s in snaps]
        return snaps[ids.index(after_id) + 1 :] if after_id in ids else list(snaps)

    def snapshots_since(self, table, after_id):
        ids = [s["snapshot_id"] for s in self.tables.get(table, [])]
        return self.snapshots(table, after_id), after_id is None or after_id in ids

    def current_property(self, table, key):
        for s in reversed(self.tables.get(table, [])):
            if key in s["summary"]:
                return s["summary"][key]
        return None


class FakeKafka:
    def __init__(self, raw_end=None, dlq_end=0):
        self.ends = {"raw-events": raw_end or {}, "dlq-events": {"0": dlq_end}}

    def end_offsets(self, topic):
        return self.ends[topic]


class FakeAlerter:
    def __init__(self):
        self.alerts = []

    def alert(self, subject, message):
        self.alerts.append((subject, message))


def snapshot(sid: int, ts: float, operation: str, summary: dict) -> dict:
    """A snapshot as ``LakeReader.snapshots`` lists it."""
    return {
        "snapshot_id": sid,
        "timestamp_ms": int(ts * 1000),
        "operation": operation,
        "summary": summary,
    }


def bronze_snapshot(sid: int, ts: float, hours: str, offsets: dict, added: int = 10) -> dict:
    summary = {
        "added-records": str(added),
        "total-records": str(added * sid),
        "wikistream.batch-id": str(sid),
        "wikistream.records": str(added),
        "wikistream.dlq-records": "1",
        "wikistream.hours": hours,
        "wikistream.kafka-offsets": json.dumps({"raw-events": offsets}),
    }
    return snapshot(sid, ts, "append", summary)


def silver_snapshot(sid: int, ts: float, hours: str, bronze_upto: int | None = None) -> dict:
    """A silver write as silver_batch commits it (hours written, bronze pointer if incremental)."""
    summary = {"added-records": "3", "wikistream.hours": hours}
    if bronze_upto is not None:
        summary["wikistream.bronze-snapshot-id"] = str(bronze_upto)
    return snapshot(sid, ts, "append", summary)


def gold_snapshot(sid: int, ts: float, hours: str, silver_read: int, settled=None) -> dict:
    """A gold table's overwrite as gold_batch commits it."""
    summary = {"wikistream.hours": hours, "wikistream.silver-snapshot-id": str(silver_read)}
    if settled is not None:
        summary["wikistream.silver-settled-id"] = str(settled)
    return snapshot(sid, ts, "overwrite", summary)
