"""The real recording through the replay twin and the producer into a real Kafka broker.

The twin serves KafkaSSE ids and resumes like it; with whole-second and out-of-order
timestamps, a datacenter switchover, every kind of server-side close and kill -9, raw-events
must get every event exactly once."""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.kafka_helpers import last_summary, new_topics, producer_cmd, read_topic, run_producer
from wikistream_dagster.local.replay import ReplayServerThread, default_recording

pytestmark = pytest.mark.slow
HARD = {"whole_seconds": True, "disorder_ms": 1500, "switchover_at": 2500}  # like the live stream


def _recorded_ids() -> list[str]:
    return [
        json.loads(line)["meta"]["id"]
        for line in default_recording().read_text().splitlines()
        if line.strip()
    ]


def test_every_recorded_event_reaches_kafka_keyed_by_id(kafka_broker, tmp_path):
    raw, dlq = new_topics(kafka_broker, "replay")
    with ReplayServerThread(speed=0) as srv:
        proc = run_producer(
            srv.url, kafka_broker, tmp_path / "state", raw, dlq, "--exit-on-idle", "2"
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    msgs = read_topic(kafka_broker, raw)
    ids = _recorded_ids()
    assert sorted(m.key().decode() for m in msgs) == sorted(ids)
    assert all(json.loads(m.value())["meta"]["id"] == m.key().decode() for m in msgs)
    s = last_summary(proc.stderr)
    assert s["produced"] == len(ids) and s["dead_lettered"] == 0 and s["in_flight"] == 0
    assert s["received"] == s["produced"] + s["dead_lettered"] + s["filtered"]
    saved = json.loads((tmp_path / "state" / "position.json").read_text())["last_event_id"]
    assert json.loads(saved)[0]["timestamp"] > 0


def test_sigterm_flushes_and_saves_position_and_serves_metrics(kafka_broker, tmp_path):
    raw, dlq = new_topics(kafka_broker, "term")
    state = tmp_path / "state"
    with ReplayServerThread(speed=50) as srv:
        p = subprocess.Popen(
            producer_cmd(srv.url, kafka_broker, state, raw, dlq),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)
        port = int((state / "metrics.port").read_text())
        health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/health").read())
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
    assert p.returncode == 0, err[-2000:]
    assert health["status"] == "ok" and health["connected"] and health["received"] > 0
    assert health["received"] == (
        health["produced"] + health["dead_lettered"] + health["filtered"] + health["in_flight"]
    )
    values = dict(
        re.findall(r'^wikistream_producer_events_total\{outcome="(\w+)"\} (\d+)$', metrics, re.M)
    )
    assert int(values["received"]) >= health["received"] > 0
    s = last_summary(err)
    assert s["in_flight"] == 0 and s["produced"] > 0
    assert len(read_topic(kafka_broker, raw)) == s["produced"]
    assert json.loads((state / "position.json").read_text())["last_event_id"] == s["position"]


def test_since_starts_from_a_time(kafka_broker, tmp_path):
    raw, dlq = new_topics(kafka_broker, "since")
    events = [json.loads(line) for line in default_recording().read_text().splitlines() if line]
    since = "2018-03-07T16:20:00Z"
    want = {e["meta"]["id"] for e in events if e["meta"]["dt"] >= "2018-03-07T16:20:00+00:00"}
    with ReplayServerThread(speed=0) as srv:
        proc = run_producer(
            srv.url, kafka_broker, tmp_path / "s", raw, dlq, "--since", since, "--exit-on-idle", "2"
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {m.key().decode() for m in read_topic(kafka_broker, raw)}
    assert want <= got  # nothing at or after `since` is missing
    assert len(got) < len(events) / 2  # and the stream did not start from the beginning


def _served(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line]


def _raw_keys(bootstrap: str, topic: str) -> list[str]:
    return [m.key().decode() for m in read_topic(bootstrap, topic)]


def test_server_closes_of_every_kind_lose_and_duplicate_nothing(kafka_broker, tmp_path):
    raw, dlq = new_topics(kafka_broker, "closes")
    log = tmp_path / "served.log"
    twin = {**HARD, "disconnect_every": 150, "disconnect_mode": "cycle", "served_log": log}
    with ReplayServerThread(speed=0, **twin) as srv:
        proc = run_producer(
            srv.url, kafka_broker, tmp_path / "s", raw, dlq,
            "--resume-rewind-s", "3", "--exit-on-idle", "3",
        )  # fmt: skip
        closes = srv.stats()["closes"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    served, got = _served(log), _raw_keys(kafka_broker, raw)
    assert all(closes.get(m, 0) >= 2 for m in ("clean", "drop", "after_id", "in_data")), closes
    lost = set(_recorded_ids()) - set(got)
    assert not lost, f"{len(lost)} events lost"
    assert set(got) == set(served)
    dups = [k for k, n in Counter(got).items() if n > 1]
    assert not dups, f"{len(dups)} events written twice to raw-events"
    s = last_summary(proc.stderr)
    assert s["received"] == s["produced"] + s["dead_lettered"] + s["filtered"]
    assert s["produced"] == len(got) and s["dead_lettered"] == 0
    reasons = s["filter_reasons"]
    # a cut inside data is one incomplete frame; the rest were complete (the last connection's
    # re-sent frames may still be unread in the socket when the producer stops on idle)
    assert reasons["incomplete_frame"] == closes["in_data"]
    complete = s["received"] - closes["in_data"]
    assert complete == len(got) + reasons["duplicate"] <= len(served)
    assert 0 < reasons["duplicate"] == s["duplicates_dropped"] <= len(served) - len(set(served))
    assert s["rewinds"] == s["connects"] - 1 and s["connects"] >= 8


def test_three_kill_9_restarts_lose_and_duplicate_nothing(kafka_broker, tmp_path):
    raw, dlq = new_topics(kafka_broker, "kill9")
    state, log = tmp_path / "state", tmp_path / "served.log"
    rng = random.Random(20261201)
    # ~313 s of recorded time at 25x: ~12 s of stream, killed three times on the way
    with ReplayServerThread(speed=25, served_log=log, **HARD) as srv:
        for _ in range(3):
            p = subprocess.Popen(
                producer_cmd(srv.url, kafka_broker, state, raw, dlq),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(1.5, 3.5))
            p.send_signal(signal.SIGKILL)
            p.wait(10)
        final = run_producer(srv.url, kafka_broker, state, raw, dlq, "--exit-on-idle", "3")
    assert final.returncode == 0, final.stderr[-3000:]
    got = _raw_keys(kafka_broker, raw)
    lost = set(_recorded_ids()) - set(got)
    assert not lost, f"{len(lost)} events lost"
    assert set(got) == set(_served(log))
    dups = [k for k, n in Counter(got).items() if n > 1]
    assert not dups, f"{len(dups)} events written twice to raw-events after kill -9"
    s = last_summary(final.stderr)
    assert s["seeded_ids"] > 0 and s["rewinds"] >= 1
    assert s["received"] == s["produced"] + s["dead_lettered"] + s["filtered"]
    seeded = [line for line in final.stderr.splitlines() if "dedup window seeded" in line]
    assert len(seeded) == 2 and all('"seconds"' in line for line in seeded)
