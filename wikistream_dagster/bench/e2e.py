"""End-to-end latency at live pace: ``./wikistream bench e2e [--json] [--minutes N]
[--automation schedule|eager]``.

Runs the whole local stack (``up`` with the replay at ~30 events/s, ``dagster dev``, the bronze
supervisor and the 5-minute schedule, or the eager sensor) in a scratch state directory, kills
the bronze job once, and measures from the lake's own metadata:
- event -> bronze: snapshot commit time of the row's micro-batch minus the time the producer
  wrote the event to Kafka (its Kafka timestamp);
- event -> gold: commit time of the first gold snapshot covering the event's hour after it
  reached bronze, minus the same Kafka timestamp;
- recovery: SIGKILL of bronze -> the next bronze snapshot;
- the peak resident memory of every process of the stack.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from wikistream_dagster.bench.scratch import descendants, scratch_stack
from wikistream_dagster.config import Settings
from wikistream_dagster.contracts import snapshot as pointers
from wikistream_dagster.contracts.tables import BRONZE_TABLE, HOURLY_STATS_TABLE
from wikistream_dagster.local import bronze_control, catalog, kafka
from wikistream_dagster.resources.lake import LakeReader

log = logging.getLogger(__name__)
REPLAY_SPEED = 2.5  # the recording runs at ~12 events/s: 2.5x is the live stream's ~30/s


def _rss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _stack_pids(up_pid: int, s: Settings) -> set[int]:
    roots = {up_pid}
    for service in (kafka.service, catalog.service, bronze_control.service):
        pid = service(s).pid()
        if pid:
            roots.add(pid)
    return descendants(roots)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# Events younger than this at the end could not be in gold yet: > the trigger's cadence + a
# medallion run + bronze's trigger, with slack (5-minute schedule; eager: no cadence).
GOLD_HORIZON_S = {"schedule": 420, "eager": 180}
TARGETS = {"schedule": "p50 <= 240 s, p95 <= 330 s", "eager": "p95 <= 120 s"}


def _latencies(s: Settings, end: float, horizon: float) -> tuple[list[float], list[float], int]:
    """Event -> bronze and event -> gold seconds; gold over the events emitted at least
    ``horizon`` s before ``end`` (younger ones could not be in gold yet: leaving out only those
    not in gold would bias the figure down), an event still not in gold counting as
    ``end - emitted`` (a lower bound). Also returns how many such events gold never showed."""
    from wikistream_dagster.query import query_rows

    lake = LakeReader(uri=s.catalog_uri)
    bronze = lake.snapshots(BRONZE_TABLE)
    at = {x["snapshot_id"]: x["timestamp_ms"] / 1000 for x in bronze}
    commit = {
        int(x["summary"][pointers.BATCH_ID]): x["timestamp_ms"] / 1000
        for x in bronze
        if pointers.BATCH_ID in x["summary"]
    }
    # A gold snapshot shows an event when it covers the event's hour and the silver it read had
    # processed bronze up to (at least) the event's micro-batch: gold records that bronze
    # snapshot, so a gold commit that merely lands later does not count.
    gold = sorted(
        (
            x["timestamp_ms"] / 1000,
            at.get(int(x["summary"].get(pointers.BRONZE_SNAPSHOT) or 0), 0.0),
            set(pointers.hour_list(x["summary"])),
        )
        for x in lake.snapshots(HOURLY_STATS_TABLE)
    )
    # Emitted = when the producer wrote it to Kafka (CreateTime): the replay's event times run
    # ahead of the clock when it loops faster than recorded, so they cannot be the start.
    _, rows = query_rows(
        s, f"SELECT epoch(kafka_timestamp), epoch(event_time), batch_id FROM {BRONZE_TABLE}"
    )
    to_bronze, to_gold, missing = [], [], 0
    for emitted, event_ts, batch in rows:
        if batch not in commit:
            continue
        in_bronze = commit[batch]
        to_bronze.append(in_bronze - emitted)
        if emitted > end - horizon:
            continue
        hour = time.strftime("%Y-%m-%dT%H", time.gmtime(event_ts))
        seen = next((ts for ts, upto, hours in gold if upto >= in_bronze and hour in hours), None)
        missing += seen is None
        to_gold.append((end if seen is None else seen) - emitted)
    return to_bronze, to_gold, missing


def run_bench(
    settings: Settings,
    events: int | None = None,
    minutes: float = 13.0,
    automation: str = "schedule",
) -> dict:
    """Run the stack for ``minutes`` (kill bronze after a third of it); print the figures."""
    state, env, s = scratch_stack(settings, "wikistream-e2e-")
    horizon = GOLD_HORIZON_S[automation]
    cmd = [
        sys.executable,
        "-m",
        "wikistream_dagster",
        "up",
        "--source",
        "replay",
        "--replay-speed",
        str(REPLAY_SPEED),
        "--automation",
        automation,
    ]
    with open(state / "up.log", "wb") as out:
        up = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    log.info("bench e2e: stack starting", extra={"state_dir": str(state), "minutes": minutes})
    lake = LakeReader(uri=s.catalog_uri)
    started, peak, killed_at, recovered_at = time.monotonic(), 0.0, None, None
    bronze = bronze_control.service(s)
    try:
        while time.monotonic() - started < minutes * 60:
            time.sleep(5)
            if up.poll() is not None:
                tail = (state / "up.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the stack exited (code {up.returncode}): {tail}")
            peak = max(peak, _rss_mb(_stack_pids(up.pid, s)))
            if killed_at is None and time.monotonic() - started > minutes * 20 and bronze.pid():
                snaps_before = len(lake.snapshots(BRONZE_TABLE))
                for pid in descendants({bronze.pid()}):  # spark-submit and its JVM
                    os.kill(pid, signal.SIGKILL)
                killed_at = time.time()
                log.info("bench e2e: bronze killed (SIGKILL)")
            elif killed_at and recovered_at is None:
                snaps = lake.snapshots(BRONZE_TABLE)
                if len(snaps) > snaps_before and snaps[-1]["timestamp_ms"] / 1000 > killed_at:
                    recovered_at = snaps[-1]["timestamp_ms"] / 1000
                    log.info(
                        "bench e2e: bronze progressing again",
                        extra={"after_s": round(recovered_at - killed_at, 1)},
                    )
        to_bronze, to_gold, not_in_gold = _latencies(s, time.time(), horizon)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGINT)  # `up` stops every process it started
            up.wait(180)
    figures = {
        "automation": automation,
        "events": len(to_bronze),
        "bronze_p50_s": round(_percentile(to_bronze, 0.5), 1),
        "bronze_p95_s": round(_percentile(to_bronze, 0.95), 1),
        "gold_p50_s": round(_percentile(to_gold, 0.5), 1),
        "gold_p95_s": round(_percentile(to_gold, 0.95), 1),
        "gold_events": len(to_gold),
        "gold_events_never_shown": not_in_gold,
        "recovery_s": round(recovered_at - killed_at, 1) if recovered_at and killed_at else None,
        "peak_rss_mb": round(peak),
        "minutes": minutes,
    }
    print(
        f"event -> bronze: p50 {figures['bronze_p50_s']} s, p95 {figures['bronze_p95_s']} s "
        f"over {figures['events']:,} events (target p95 <= trigger + 5 s = 35 s)"
    )
    print(
        f"event -> gold:   p50 {figures['gold_p50_s']} s, p95 {figures['gold_p95_s']} s over "
        f"{figures['gold_events']:,} events emitted >= {horizon} s before the end, "
        f"{not_in_gold:,} of them never in gold (target {automation}: {TARGETS[automation]})"
    )
    print(f"bronze killed -> progressing again: {figures['recovery_s']} s (target <= 90 s)")
    print(f"peak resident memory of the whole stack: {figures['peak_rss_mb']} MB")
    return figures
