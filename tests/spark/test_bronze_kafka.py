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


def bronze_args(raw: str, dlq: str, checkpoint: Path, *extra: str) -> list[str]:
    return ["--topic", raw, "--dlq-topic", dlq, "--checkpoint", str(checkpoint), *extra]


def bronze(settings, raw: str, dlq: str, checkpoint: Path, result: Path, *extra: str) -> dict:
    """Run the bronze job once over the topic's backlog (--available-now); return its result."""
    args = bronze_args(raw, dlq, checkpoint, "--available-now", "--result-json", str(result))
    assert spark_submit.run_job(settings, "bronze", [*args, *extra], timeout=600) == 0
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

    # What the supervisor reads as processed: the checkpoint's newest committed batch.
    from confluent_kafka import Consumer, TopicPartition

    from wikistream_dagster.spark_jobs import checkpoint as ckpt

    done = ckpt.latest_committed(*ckpt.local_io(str(checkpoint)))
    c = Consumer({"bootstrap.servers": kafka_broker, "group.id": "t"})
    parts = c.list_topics(raw, timeout=10).topics[raw].partitions
    ends = {str(p): c.get_watermark_offsets(TopicPartition(raw, p), timeout=10)[1] for p in parts}
    c.close()
    assert done is not None and done.topic(raw) == ends and ckpt.lag(ends, done.topic(raw)) == 0

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
    assert summary["wikistream.query-id"]  # the stream's id: one writer per query is checked
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
        bronze_args(
            raw, dlq, checkpoint, "--trigger-seconds", "0", "--max-offsets-per-trigger", "400"
        ),
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


# --- one writer per checkpoint, and every consumed offset accounted for (issue #10) ---------

KAFKA_SCHEMA = "value binary, topic string, partition int, offset long, timestamp timestamp"


def kafka_batch(spark, payloads: list[bytes], first_offset: int, topic: str = "raw-events"):
    """A static frame shaped like the Kafka source's rows, parsed like bronze parses them."""
    from datetime import datetime

    from wikistream_dagster.spark_jobs.transforms.bronze import parse_kafka

    rows = [
        (bytearray(p), topic, 0, first_offset + i, datetime(2024, 1, 1))
        for i, p in enumerate(payloads)
    ]
    return parse_kafka(spark.createDataFrame(rows, KAFKA_SCHEMA))


def events(prefix: str, n: int) -> list[bytes]:
    base = json.loads(ref.recorded_lines()[0])
    return [
        json.dumps(dict(base, meta=dict(base["meta"], id=f"{prefix}-{i:04d}"))).encode()
        for i in range(n)
    ]


def bronze_snapshots(spark) -> list[dict]:
    from wikistream_dagster.spark_jobs import iceberg

    return [{"summary": s["summary"]} for s in reversed(iceberg.snapshots(spark, BRONZE))]


def test_two_writers_racing_on_one_checkpoint_add_no_duplicates(clean_lake, tmp_path, monkeypatch):
    """Both writers plan the same batch before either commits (a double start): the loser's
    commit fails Iceberg's validation and it stops naming the cause; no row is doubled.
    Before the fix both MERGEs committed as appends and every row landed twice."""
    import threading

    from pyspark.sql import functions as F

    from wikistream_dagster.spark_jobs import bronze_writer, iceberg

    reset_lake(clean_lake)
    real_merge = iceberg.merge_insert_new
    both_ready = threading.Barrier(2)  # no timeout: the machine may be slow
    slow = F.udf(lambda v: time.sleep(0.05) or v, "string")

    def racing_merge(spark, source, *args, **kw):
        both_ready.wait()  # both writers are at their MERGE: plan both, then commit
        return real_merge(spark, source.withColumn("event_id", slow("event_id")), *args, **kw)

    monkeypatch.setattr(iceberg, "merge_insert_new", racing_merge)
    checkpoint = str(tmp_path / "cp")
    writers = [bronze_writer.BronzeBatchWriter(None, checkpoint, query_id="q") for _ in "ab"]
    errors: list[BaseException] = []

    def run(writer):
        try:  # each writer its own session, like two jobs (SQL settings are per session)
            writer(kafka_batch(clean_lake.newSession(), events("race", 60), 0), 0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            both_ready.abort()  # a writer that failed early must not leave the other waiting

    threads = [threading.Thread(target=run, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(1200)
    assert not any(t.is_alive() for t in threads)
    assert len(errors) == 1, errors
    assert id_counts(clean_lake, "race-") == (60, 60)
    assert isinstance(errors[0], bronze_writer.WriterConflict)
    assert "another writer committed" in str(errors[0]) and "Fix:" in str(errors[0])
    failure = json.loads((tmp_path / "cp" / "wikistream" / "last-failure.json").read_text())
    assert failure["batch_id"] == 0 and "WriterConflict" in failure["error_class"]


def test_a_writer_behind_the_table_refuses_to_commit(clean_lake, tmp_path):
    from wikistream_dagster.spark_jobs.bronze_writer import BronzeBatchWriter, WriterConflict

    reset_lake(clean_lake)
    checkpoint = str(tmp_path / "cp")
    a, b = (BronzeBatchWriter(None, checkpoint, query_id="q") for _ in "ab")
    a(kafka_batch(clean_lake, events("behind", 10), 0), 0)
    b(kafka_batch(clean_lake, events("behind", 20)[10:], 10), 1)  # b took over batch 1
    with pytest.raises(WriterConflict, match="batch 1 was committed after this writer's batch 0"):
        a(kafka_batch(clean_lake, events("behind", 30)[20:], 20), 2)
    stale = BronzeBatchWriter(None, checkpoint, query_id="q")
    with pytest.raises(WriterConflict, match="already has batch 1, past this writer's batch 0"):
        stale(kafka_batch(clean_lake, events("behind", 10), 0), 0)
    assert id_counts(clean_lake, "behind-") == (20, 20)


def test_dlq_only_batches_are_reconciled_and_real_gaps_found(clean_lake, tmp_path):
    """Batches of only DLQ or canary records commit no snapshot; the next snapshot carries
    their spans (also across a restart of the writer), so no false gap; a skip is a gap."""
    from wikistream_dagster.defs.reconcile import reconcile
    from wikistream_dagster.spark_jobs.bronze_writer import BronzeBatchWriter

    reset_lake(clean_lake)
    checkpoint = str(tmp_path / "cp")
    writer = BronzeBatchWriter(None, checkpoint, query_id="q")
    writer(kafka_batch(clean_lake, events("gap", 10), 0), 0)  # offsets 0-9
    writer(kafka_batch(clean_lake, [b"not json"] * 5, 10), 1)  # 10-14: DLQ only
    writer = BronzeBatchWriter(None, checkpoint, query_id="q")  # the job restarted
    writer(kafka_batch(clean_lake, [b"{broken"] * 2, 15), 2)  # 15-16: DLQ only
    writer(kafka_batch(clean_lake, events("gap", 20)[10:], 17), 3)  # 17-26
    assert reconcile(bronze_snapshots(clean_lake))["offset_gaps"] == {}
    writer(kafka_batch(clean_lake, events("gap", 25)[20:], 30), 4)  # 27-29 never read
    r = reconcile(bronze_snapshots(clean_lake))
    assert r["offset_gaps"] == {"raw-events/0": 3}
    assert (r["records_read"], r["dead_lettered"], r["rows_inserted"]) == (32, 7, 25)


def test_maintenance_between_merge_and_publish_is_no_conflict(clean_lake, tmp_path, monkeypatch):
    """A compaction or manifest rewrite (no rows added) moves main while a batch is staged:
    the writer stages its MERGE again on top instead of stopping the stream."""
    from wikistream_dagster.spark_jobs import bronze_writer, iceberg
    from wikistream_dagster.spark_jobs.catalog_conf import CATALOG

    reset_lake(clean_lake)
    writer = bronze_writer.BronzeBatchWriter(None, str(tmp_path / "cp"), query_id="q")
    writer(kafka_batch(clean_lake, events("maint", 10), 0), 0)
    writer(kafka_batch(clean_lake, events("maint", 20)[10:], 10), 1)  # two manifests
    real_merge, calls = iceberg.merge_insert_new, []

    def merge_then_maintain(spark, *args, **kw):
        seconds = real_merge(spark, *args, **kw)
        if not calls:
            spark.sql(f"CALL {CATALOG}.system.rewrite_manifests(table => '{BRONZE}')")
        calls.append(seconds)
        return seconds

    monkeypatch.setattr(iceberg, "merge_insert_new", merge_then_maintain)
    writer(kafka_batch(clean_lake, events("maint", 30)[20:], 20), 2)
    assert len(calls) == 2 and writer.last["inserted"] == 10
    assert id_counts(clean_lake, "maint-") == (30, 30)
    ops = [s["operation"] for s in iceberg.snapshots(clean_lake, BRONZE)]
    assert ops.count("replace") == 1
