"""Bronze end to end: real Kafka, the real bronze job (spark-submit), the real catalog.

Exactly once: each event id lands in bronze once whatever happens to the job (rerun from the
checkpoint, checkpoint deleted, SIGKILL in the middle of a micro-batch).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer

from tests.kafka_helpers import new_topics, read_topic, run_producer
from tests.spark import events as ref
from tests.spark.conftest import reset_lake
from wikistream_dagster.local import spark_submit
from wikistream_dagster.local.replay import ReplayServerThread, default_recording
from wikistream_dagster.spark_jobs.tables import BRONZE, qualified

pytestmark = pytest.mark.slow


def bronze(settings, raw: str, dlq: str, checkpoint: Path, result: Path, *extra: str) -> dict:
    """Run the bronze job once over the topic's backlog (--available-now); return its result."""
    args = [
        "--topic",
        raw,
        "--dlq-topic",
        dlq,
        "--checkpoint",
        str(checkpoint),
        "--available-now",
        "--result-json",
        str(result),
        *extra,
    ]
    assert spark_submit.run_job(settings, "bronze", args, timeout=600) == 0
    return json.loads(result.read_text())


def produce(bootstrap: str, topic: str, records: list[tuple[str | None, bytes]]) -> None:
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for key, value in records:
        p.produce(topic, value=value, key=key)
        p.poll(0)
    assert p.flush(30) == 0


def id_counts(spark, prefix: str = "") -> tuple[int, int]:
    """(rows, distinct ids) in bronze, optionally for ids starting with ``prefix``."""
    df = spark.table(qualified(BRONZE)).where(f"event_id LIKE '{prefix}%'")
    row = df.selectExpr("count(*) AS n", "count(DISTINCT event_id) AS d").first()
    return row["n"], row["d"]


@pytest.fixture(scope="module")
def clean_lake(lake):
    reset_lake(lake)
    return lake


def test_producer_to_bronze_exactly_once_across_reruns(clean_lake, catalog, kafka_broker, tmp_path):
    raw, dlq = new_topics(kafka_broker, "bronze")
    with ReplayServerThread(default_recording(), speed=0) as srv:
        proc = run_producer(
            srv.url, kafka_broker, tmp_path / "producer", raw, dlq, "--exit-on-idle", "2"
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    ids = set(ref.first_by_id(default_recording().read_text().splitlines()))
    checkpoint = tmp_path / "checkpoint"

    first = bronze(catalog, raw, dlq, checkpoint, tmp_path / "r1.json")
    assert first["records"] >= len(ids) and first["inserted"] == len(ids)
    assert first["dlq"] == 0
    assert id_counts(clean_lake) == (len(ids), len(ids))
    ingested = {
        r["event_id"] for r in clean_lake.table(qualified(BRONZE)).select("event_id").collect()
    }
    assert ingested == ids

    again = bronze(catalog, raw, dlq, checkpoint, tmp_path / "r2.json")  # from the checkpoint
    assert (again["records"], again["inserted"]) == (0, 0)

    shutil.rmtree(checkpoint)  # from scratch: the whole topic again, MERGE inserts nothing
    replay = bronze(catalog, raw, dlq, checkpoint, tmp_path / "r3.json")
    assert replay["records"] == first["records"] and replay["inserted"] == 0
    assert id_counts(clean_lake) == (len(ids), len(ids))

    summary = clean_lake.sql(
        f"SELECT summary FROM {qualified(BRONZE)}.snapshots ORDER BY committed_at LIMIT 1"
    ).first()["summary"]
    offsets = json.loads(summary["wikistream.kafka-offsets"])
    assert set(offsets) == {raw} and summary["wikistream.batch-id"] == "0"
    assert sum(hi - lo for lo, hi in offsets[raw].values()) == int(summary["wikistream.records"])


def _mid_batch(checkpoint: Path) -> int | None:
    """A micro-batch planned (offsets/N written) but not committed (no commits/N), if any."""
    offsets = {int(p.name) for p in (checkpoint / "offsets").glob("[0-9]*")}
    commits = {int(p.name) for p in (checkpoint / "commits").glob("[0-9]*")}
    running = sorted(offsets - commits)
    return running[-1] if running and commits else None


def test_sigkill_mid_batch_then_restart_loses_and_duplicates_nothing(
    clean_lake, catalog, kafka_broker, tmp_path
):
    raw, dlq = new_topics(kafka_broker, "kill")
    records = []
    for i, line in enumerate(ref.recorded_lines()):
        event = json.loads(line)
        event["meta"]["id"] = f"kill-{i:05d}"
        records.append((event["meta"]["id"], json.dumps(event).encode()))
    produce(kafka_broker, raw, records)
    checkpoint = tmp_path / "checkpoint"
    cmd = spark_submit.spark_submit_command(
        catalog,
        "bronze",
        [
            "--topic",
            raw,
            "--dlq-topic",
            dlq,
            "--checkpoint",
            str(checkpoint),
            "--trigger-seconds",
            "0",
            "--max-offsets-per-trigger",
            "400",
        ],
        spark_submit.prepare(catalog),
    )
    job = subprocess.Popen(
        cmd,
        env=spark_submit.spark_submit_env(catalog),
        cwd=ref.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    killed_in = None
    deadline = time.monotonic() + 240
    try:
        while killed_in is None and time.monotonic() < deadline and job.poll() is None:
            killed_in = _mid_batch(checkpoint)
            time.sleep(0.05)
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait(30)
    assert killed_in is not None, "the job never reached a second micro-batch"
    partial = id_counts(clean_lake, "kill-")
    assert partial[0] == partial[1] < len(records)

    after = bronze(catalog, raw, dlq, checkpoint, tmp_path / "after.json")
    assert after["records"] > 0  # the interrupted batch and the rest of the backlog
    assert id_counts(clean_lake, "kill-") == (len(records), len(records))


def test_malformed_kafka_records_go_to_the_dlq_with_a_reason(
    clean_lake, catalog, kafka_broker, tmp_path
):
    raw, dlq = new_topics(kafka_broker, "dlq")
    good = json.loads(ref.recorded_lines()[0])
    good["meta"]["id"] = "dlq-good"
    no_id = dict(good, meta=dict(good["meta"], id=None))
    bad = [
        ("a", b'{"meta": {"id": "truncated"'),
        ("b", b"\xc3\x28 invalid utf-8"),
        ("c", b'"just a string"'),
        ("d", json.dumps(no_id).encode()),
        ("e", json.dumps(dict(good, bot="yes")).encode()),
    ]
    produce(kafka_broker, raw, [*bad, ("dlq-good", json.dumps(good).encode())])
    result = bronze(catalog, raw, dlq, tmp_path / "cp", tmp_path / "r.json")
    assert (result["records"], result["dlq"], result["inserted"]) == (6, 5, 1)
    letters = sorted(
        (json.loads(m.value()) for m in read_topic(kafka_broker, dlq)),
        key=lambda x: x["kafka_offset"],
    )
    by_raw_offset = {x["kafka_offset"]: x for x in letters}
    assert len(letters) == 5
    reasons = [x["reason"] for x in letters]
    assert sorted(reasons) == sorted(
        ["invalid_json", "invalid_utf8", "not_an_object", "missing_field", "wrong_type"]
    )
    utf8 = next(x for x in letters if x["reason"] == "invalid_utf8")
    assert utf8["raw_encoding"] == "base64"
    assert base64.b64decode(utf8["raw"]) == b"\xc3\x28 invalid utf-8"
    for x in by_raw_offset.values():
        assert x["kafka_topic"] == raw and x["source"].startswith(f"kafka://{raw}/")
        assert x["producer"] == "wikistream-bronze" and x["received_at"]
    assert id_counts(clean_lake, "dlq-") == (1, 1)
