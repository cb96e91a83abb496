"""A poison record in raw-events (written past the producer, as a buggy upstream would) must not
stop bronze: the batch commits, the good rows land, the poison goes to dlq-events with a reason.

Issue #10: ``"timestamp": 10000000000000`` made ``timestamp_seconds`` throw ``long overflow`` for
the whole micro-batch, and every restart replayed the same offsets and died again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from confluent_kafka import Producer

from tests.kafka_helpers import new_topics, read_topic
from tests.spark import events as ref
from tests.spark.conftest import reset_lake
from wikistream_dagster.local import spark_submit
from wikistream_dagster.spark_jobs.tables import BRONZE, qualified

pytestmark = pytest.mark.slow


def _bronze_once(settings, raw: str, dlq: str, tmp: Path) -> dict:
    """The real bronze job over the topic's backlog (--available-now); its result JSON."""
    result = tmp / "result.json"
    args = ["--topic", raw, "--dlq-topic", dlq, "--checkpoint", str(tmp / "cp")]
    args += ["--available-now", "--result-json", str(result)]
    code = spark_submit.run_job(settings, "bronze", args, timeout=600)
    assert code == 0, "the bronze job failed: a poison record halted the stream"
    return json.loads(result.read_text())


def test_poison_records_are_dead_lettered_and_the_batch_commits(
    lake, catalog, kafka_broker, tmp_path
):
    reset_lake(lake)
    raw, dlq = new_topics(kafka_broker, "poison")
    lines = ref.recorded_lines()[:20]
    good = []
    for i, line in enumerate(lines):
        event = json.loads(line)
        event["meta"]["id"] = f"poison-good-{i:03d}"
        good.append(event)
    base = good[0]
    no_ts = {k: v for k, v in base.items() if k != "timestamp"}
    poison = {
        "poison-overflow": (
            dict(base, timestamp=10_000_000_000_000),
            "invalid_value",
            "timestamp=",
        ),
        "poison-past": (dict(base, timestamp=-(2**62)), "invalid_value", "timestamp="),
        "poison-dt": (
            dict(no_ts, meta=dict(base["meta"], dt="not a time")),
            "invalid_value",
            "meta.dt=",
        ),
        "poison-id": (dict(base, id=2**63), "invalid_value", "id is outside the 64-bit"),
    }
    carried = dict(base, namespace=2**40)  # what bronze merely carries: kept, namespace null
    carried["meta"] = dict(base["meta"], id="poison-carried")
    records = [(e["meta"]["id"], json.dumps(e).encode()) for e in good[:10]]
    for key, (event, _, _) in poison.items():
        event["meta"] = dict(event["meta"], id=key)
        records.append((key, json.dumps(event).encode()))
    records.append(("poison-carried", json.dumps(carried).encode()))
    records += [(e["meta"]["id"], json.dumps(e).encode()) for e in good[10:]]
    p = Producer({"bootstrap.servers": kafka_broker, "enable.idempotence": True})
    for key, value in records:
        p.produce(raw, key=key, value=value)  # straight to raw-events, past the producer
    assert p.flush(30) == 0

    result = _bronze_once(catalog, raw, dlq, tmp_path)

    assert (result["records"], result["dlq"]) == (len(records), len(poison))
    assert result["inserted"] == len(good) + 1
    letters = {
        json.loads(m.value())["event_id"]: json.loads(m.value())
        for m in read_topic(kafka_broker, dlq)
    }
    assert set(letters) == set(poison)
    for key, (_, reason, detail) in poison.items():
        assert letters[key]["reason"] == reason and letters[key]["detail"].startswith(detail)
        assert json.loads(letters[key]["raw"])["meta"]["id"] == key
    rows = {
        r["event_id"]: r
        for r in lake.table(qualified(BRONZE)).where("event_id LIKE 'poison-%'").collect()
    }
    assert set(rows) == {e["meta"]["id"] for e in good} | {"poison-carried"}
    assert rows["poison-carried"]["namespace"] is None
    assert json.loads(rows["poison-carried"]["raw_json"])["namespace"] == 2**40
