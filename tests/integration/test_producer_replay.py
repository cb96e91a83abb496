"""The real recording through the replay server and the producer into a real Kafka broker."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.request

import pytest

from tests.kafka_helpers import last_summary, new_topics, producer_cmd, read_topic, run_producer
from wikistream_dagster.local.replay import ReplayServerThread, default_recording

pytestmark = pytest.mark.slow


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


def test_disconnects_and_two_sigkills_lose_no_event(kafka_broker, tmp_path):
    raw, dlq = new_topics(kafka_broker, "kill")
    state = tmp_path / "state"
    ids = _recorded_ids()
    # ~313 s of recorded time at 25x: ~12 s of stream, long enough to kill the producer twice.
    with ReplayServerThread(speed=25, disconnect_every=300) as srv:
        for _ in range(2):
            p = subprocess.Popen(
                producer_cmd(srv.url, kafka_broker, state, raw, dlq),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            time.sleep(3.5)
            p.send_signal(signal.SIGKILL)
            p.wait(10)
            assert (state / "position.json").exists()
        final = run_producer(srv.url, kafka_broker, state, raw, dlq, "--exit-on-idle", "3")
    assert final.returncode == 0, final.stderr[-3000:]
    got = [m.key().decode() for m in read_topic(kafka_broker, raw)]
    missing = set(ids) - set(got)
    assert not missing, f"{len(missing)} events lost"
    dups = len(got) - len(set(got))
    assert set(got) == set(ids)
    print(f"events={len(ids)} kafka_records={len(got)} duplicates={dups}")
    assert last_summary(final.stderr)["reconnects"] >= 1


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
