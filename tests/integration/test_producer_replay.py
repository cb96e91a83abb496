"""The real recording through the replay server and the producer into a real Kafka broker."""

from __future__ import annotations

import json
import signal
import subprocess
import time

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


def test_sigterm_flushes_and_saves_position(kafka_broker, tmp_path):
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
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
    assert p.returncode == 0, err[-2000:]
    s = last_summary(err)
    assert s["in_flight"] == 0 and s["produced"] > 0
    assert len(read_topic(kafka_broker, raw)) == s["produced"]
    assert json.loads((state / "position.json").read_text())["last_event_id"] == s["position"]
