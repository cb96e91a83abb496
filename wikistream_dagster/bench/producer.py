"""Producer throughput: the real recording replayed as fast as possible through the replay
server and the producer into Kafka (acks=all, idempotent), next to Kafka's own
ProducerPerformance on the same broker with the same records."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import tempfile
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

from wikistream_dagster.config import Settings
from wikistream_dagster.local import kafka, maven
from wikistream_dagster.local.java import java_executable
from wikistream_dagster.local.replay import ReplayServerThread, default_recording
from wikistream_dagster.local.stack import producer_command

log = logging.getLogger(__name__)
DEFAULT_EVENTS = 100_000
UA = "WikiStream-bench/0.1 (https://example.org/wikistream; bench@example.org)"


def _topics(bootstrap: str, tag: str) -> list[str]:
    names = [f"bench-{tag}-raw", f"bench-{tag}-dlq", f"bench-{tag}-perf"]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futs = admin.create_topics([NewTopic(n, 3 if not n.endswith("dlq") else 1, 1) for n in names])
    for f in futs.values():
        f.result(30)
    return names


def _drop_topics(bootstrap: str, names: list[str]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # must outlive its futures
    for f in admin.delete_topics(names).values():
        try:
            f.result(30)
        except Exception as exc:  # noqa: BLE001 - cleanup must not hide the figures
            log.warning("could not delete bench topic", extra={"error": str(exc)})


def _producer_run(settings: Settings, url: str, raw: str, dlq: str, events: int) -> dict:
    with tempfile.TemporaryDirectory() as state:
        flags = {"raw_topic": raw, "dlq_topic": dlq, "metrics_port": 0, "max_events": events}
        cmd = producer_command(url, settings.kafka_bootstrap, state, UA, exit_on_idle=10, **flags)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    summary = next(
        (
            json.loads(line)
            for line in reversed(proc.stderr.splitlines())
            if '"producer stopped"' in line
        ),
        None,
    )
    if proc.returncode != 0 or summary is None:
        raise RuntimeError(
            f"benchmark producer failed (exit {proc.returncode}): {proc.stderr[-2000:]}"
        )
    return summary


def _kafka_tool(settings: Settings, topic: str, events: int, payloads: Path) -> dict:
    lib = maven.ensure_bundle(maven.KAFKA, settings.jars_dir)
    cmd = [
        java_executable(),
        "-Xmx512m",
        "-cp",
        maven.classpath(lib),
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(events),
        "--throughput",
        "-1",
        "--payload-file",
        str(payloads),
        "--producer-props",
        f"bootstrap.servers={settings.kafka_bootstrap}",
        "acks=all",
        "enable.idempotence=true",
        "linger.ms=25",
        "batch.size=1000000",
        "compression.type=lz4",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    m = re.search(r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\)", proc.stdout)
    if proc.returncode != 0 or not m:
        raise RuntimeError(
            f"ProducerPerformance failed: {proc.stdout[-1500:]}{proc.stderr[-1500:]}"
        )
    return {
        "records": int(m.group(1)),
        "records_per_s": float(m.group(2)),
        "mb_per_s": float(m.group(3)),
    }


def run_bench(settings: Settings, events: int | None = None) -> dict:
    """Run both measurements on one broker; print and return the figures."""
    events = events or DEFAULT_EVENTS
    kafka.start(settings)
    raw, dlq, perf = names = _topics(settings.kafka_bootstrap, uuid.uuid4().hex[:6])
    recording = default_recording()
    sizes = [len(line) for line in recording.read_bytes().splitlines() if line.strip()]
    try:
        log.info("bench: producer through the replay server", extra={"events": events})
        with ReplayServerThread(recording, speed=0, loop=True) as srv:
            summary = _producer_run(settings, srv.url, raw, dlq, events)
        log.info("bench: Kafka ProducerPerformance", extra={"events": events})
        tool = _kafka_tool(settings, perf, events, recording)
    finally:
        _drop_topics(settings.kafka_bootstrap, names)
    produced = summary["produced"]
    eps = produced / summary["busy_s"] if summary["busy_s"] else 0.0
    figures = {
        "events": produced,
        "events_per_s": round(eps, 1),
        "kafka_tool_events_per_s": tool["records_per_s"],
        "ratio": round(eps / tool["records_per_s"], 3) if tool["records_per_s"] else 0.0,
        "mean_record_bytes": round(sum(sizes) / len(sizes)),
        "dead_lettered": summary["dead_lettered"],
        "acks": "all",
        "idempotent": True,
    }
    print(
        f"producer (replay -> SSE -> producer -> Kafka): {figures['events_per_s']:,.0f} "
        f"events/s over {produced:,} events"
    )
    print(
        f"Kafka ProducerPerformance (same broker, same records): "
        f"{tool['records_per_s']:,.0f} records/s"
    )
    print(f"ratio: {figures['ratio']:.2f}  (targets: >= 20,000 events/s, ratio >= 0.25)")
    return figures
