"""Bronze and batch throughput on one Kafka backlog, in an isolated lake.

1. A backlog of real recorded events (looped with new ids) in a fresh topic shaped like
   ``raw-events``: one warm-up trigger's worth in the hour before, then the measured events
   (>= 100,000) all within one hour.
2. The bronze job drains it twice, with the production trigger size: with its MERGE sink and
   with Spark's native Iceberg append. Throughput is the records of the batches after the
   warm-up ones over their execution time: the first batches of a fresh JVM pay class loading,
   code generation and JIT compilation (reported separately as ``*_warmup_s``); a stream that has
   been running does not. Whole-run rates, warm-up included, are reported too (``*_run_*``).
3. Silver + quality + gold for the measured hour, as three spark-submit runs (what Dagster
   launches for an hour partition).
4. Bronze is filled to >= 1,000,000 rows in other hours, and MERGE runs again on a new backlog:
   the rate must not fall, since the MERGE only scans the hours its batch touches.

The lake is a temporary catalog and warehouse under the state directory, removed afterwards.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import time
import uuid
from datetime import UTC, datetime

import orjson
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from wikistream_dagster.bench import bronze_scale
from wikistream_dagster.config import Settings
from wikistream_dagster.contracts.tables import BRONZE_TABLE
from wikistream_dagster.local import catalog, kafka, spark_submit
from wikistream_dagster.local.process import free_port
from wikistream_dagster.local.replay import default_recording

log = logging.getLogger(__name__)
DEFAULT_EVENTS = 100_000
TRIGGER = 50_000  # the bronze job's default --max-offsets-per-trigger
WARMUP_TRIGGERS = 2  # batches a fresh JVM needs before its JIT-compiled code runs steadily
SPARE = 20  # batches hold TRIGGER..TRIGGER+8 records: 2*TRIGGER + 100,020 fill exactly 4
FILL_ROWS = 1_000_000  # bronze holds at least this many rows before the last MERGE run
HOUR_SPREAD_S = 131  # each loop of the recording is shifted by this much within the hour


def backlog(events: int, tag: str, hour_shift: int = 0) -> list[tuple[str, bytes]]:
    """``events`` recorded events, looped with fresh ids, all within the recording's hour
    (moved by ``hour_shift`` hours)."""
    lines = [orjson.loads(x) for x in default_recording().read_bytes().splitlines() if x.strip()]
    t0 = min(e["timestamp"] for e in lines)
    hour = t0 - t0 % 3600
    out = []
    for i in range(events):
        loop, e = divmod(i, len(lines))
        e = dict(lines[e])
        ts = hour + hour_shift * 3600 + (e["timestamp"] - t0 + loop * HOUR_SPREAD_S) % 3600
        eid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{e['meta']['id']}/{loop}/{tag}"))
        e["timestamp"] = ts
        e["meta"] = dict(e["meta"], id=eid, dt=datetime.fromtimestamp(ts, UTC).isoformat())
        out.append((eid, orjson.dumps(e)))
    return out


def _produce(bootstrap: str, topic: str, records: list[tuple[str, bytes]]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # must outlive its futures
    partitions = kafka.LOCAL_RAW_PARTITIONS  # shaped like the local raw-events
    dlq = f"{topic}-dlq"  # bronze's dead letters (the broker does not create topics)
    created = admin.create_topics([NewTopic(topic, partitions, 1), NewTopic(dlq, 1, 1)])
    for future in created.values():
        future.result(30)
    p = Producer(
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 20,
            "compression.type": "lz4",
            "enable.idempotence": True,
            "queue.buffering.max.messages": 200_000,
        }
    )
    for key, value in records:
        while True:
            try:
                p.produce(topic, value=value, key=key)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    if p.flush(120):
        raise RuntimeError(f"could not write the benchmark backlog to {topic}")


def _job(settings: Settings, job: str, args: list[str], memory: str = "1g") -> tuple[float, dict]:
    """Run a Spark job; return its wall seconds and its result file."""
    out = settings.path("bench-results", f"{job}-{uuid.uuid4().hex[:6]}.json")
    started = time.monotonic()
    rc = spark_submit.run_job(settings, job, [*args, "--result-json", str(out)], memory)
    if rc != 0:
        raise RuntimeError(f"benchmark Spark job {job} failed (exit {rc}); see the output above")
    return time.monotonic() - started, json.loads(out.read_text())


def _bronze(settings: Settings, bootstrap: str, topic: str, sink: str) -> dict:
    args = [
        "--bootstrap-servers",
        bootstrap,
        "--topic",
        topic,
        "--dlq-topic",
        f"{topic}-dlq",
        "--checkpoint",
        str(settings.path("checkpoints", f"{topic}-{sink}")),
        "--available-now",
        "--max-offsets-per-trigger",
        # Spark floors each partition's share: a few spare offsets keep every batch at TRIGGER
        # records or more, so no few-record batch is left at the end of the backlog.
        str(TRIGGER + 8),
        "--sink",
        sink,
        "--table",
        f"{BRONZE_TABLE}_append" if sink == "append" else BRONZE_TABLE,
    ]
    wall, result = _job(settings, "bronze", args, "2g")
    batches = result.pop("batch_progress")
    warm, steady = batches[:WARMUP_TRIGGERS], batches[WARMUP_TRIGGERS:]
    busy = sum(s for _, s in steady)
    result |= {
        "steady_records": sum(n for n, _ in steady),
        "steady_events_per_s": round(sum(n for n, _ in steady) / busy, 1) if busy else 0.0,
        "warmup_s": round(sum(s for _, s in warm), 1),
        "batches_s": [round(s, 2) for _, s in batches],
    }
    log.info("bench bronze", extra={"sink": sink, "wall_s": round(wall, 1), **result})
    return result


def _per_s(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds else 0.0


def _fill(settings: Settings, copies: int) -> int:
    """Copy bronze into ``copies`` earlier days (other partitions); return bronze's rows."""
    main = f"{__name__}:fill_main"
    return int(bronze_scale.spark_child(settings, main, str(copies), timeout=1800))


def fill_main(argv: list[str]) -> int:
    """``catalog_uri jars_dir copies``: child process of :func:`_fill` (its own Spark driver)."""
    from pathlib import Path

    from pyspark.sql import functions as F

    from wikistream_dagster.local.spark_jars import spark_jars
    from wikistream_dagster.spark_jobs.catalog_conf import CatalogConfig
    from wikistream_dagster.spark_jobs.session import build_session
    from wikistream_dagster.spark_jobs.tables import qualified

    jars = ",".join(str(j) for j in spark_jars(Path(argv[1])))
    spark = build_session(
        "wikistream-bench-fill",
        CatalogConfig(uri=argv[0]),
        master="local[2]",
        conf={"spark.jars": jars, "spark.ui.enabled": "false", "spark.driver.memory": "2g"},
    )
    bronze = spark.table(qualified(BRONZE_TABLE))
    copies = spark.range(1, int(argv[2]) + 1).withColumnRenamed("id", "copy")
    shifted = F.col("event_time") - F.make_interval(days=F.col("copy").cast("int"))
    out = (
        bronze.crossJoin(copies)
        .withColumn("event_id", F.concat("event_id", F.lit("-copy-"), F.col("copy")))
        .withColumn("event_time", shifted)
        .withColumn("event_date", F.to_date(shifted))
        .withColumn("event_hour", F.hour(shifted))
        .select(*bronze.columns)
    )
    out.writeTo(qualified(BRONZE_TABLE)).option("fanout-enabled", "true").append()
    print(spark.table(qualified(BRONZE_TABLE)).count())  # noqa: T201 - read by the parent
    spark.stop()
    return 0


def _backlog(bootstrap: str, topic: str, events: int, tag: str) -> int:
    """Warm-up events a week after (outside gold's trailing 24-hour baseline of the measured
    hour; a week before would precede the first hour partition and be dead-lettered), then
    ``events`` (and a few spare) in the measured hour: the batches after the warm-up ones hold
    at least ``events``, and the last batch is a full one. Returns the total."""
    warm = backlog(WARMUP_TRIGGERS * TRIGGER, tag + "w", 7 * 24)
    _produce(bootstrap, topic, warm + backlog(events + SPARE, tag))
    return len(warm) + events + SPARE


def _measured_hour() -> str:
    first = orjson.loads(default_recording().read_bytes().splitlines()[0])
    return datetime.fromtimestamp(first["timestamp"] - first["timestamp"] % 3600, UTC).strftime(
        "%Y-%m-%dT%H"
    )


def run_bench(
    settings: Settings, events: int | None = None, json_out: bool = False, scale: bool = True
) -> dict:
    """Run the whole benchmark; print and return the figures (JSON fields of issues 4 and 11).

    ``scale``: also MERGE with >= 10 M rows in bronze and time the supervisor's tick with
    >= 10,000 snapshots (``bench_scale``; the slow part, skipped by ``--no-scale``)."""
    events = events or DEFAULT_EVENTS
    tag = uuid.uuid4().hex[:6]
    bench = dataclasses.replace(
        settings, state_dir=settings.path("bench", f"bronze-{tag}"), catalog_port=free_port()
    )
    kafka.start(settings)
    bootstrap = settings.kafka_bootstrap
    topics = [f"bench-bronze-{tag}-{x}" for x in "abc"]
    scaled: dict = {}
    hour = ["--hours", _measured_hour()]
    try:
        catalog.start(bench)
        log.info("bench: writing the backlog", extra={"events": events, "topic": topics[0]})
        total = _backlog(bootstrap, topics[0], events, tag + "a")
        merge = _bronze(bench, bootstrap, topics[0], "merge")
        append = _bronze(bench, bootstrap, topics[0], "append")
        hour_batch_s, in_job = 0.0, {}
        for job in ("silver", "quality", "gold"):
            wall, result = _job(bench, job, hour)
            hour_batch_s += wall
            in_job[job] = round(wall, 1)
        rows = _fill(bench, -(-FILL_ROWS // total) - 1)
        _backlog(bootstrap, topics[1], events, tag + "b")
        at_1m = _bronze(bench, bootstrap, topics[1], "merge")
        if scale:
            scaled["rows"] = bronze_scale.fill_rows(bench, bronze_scale.ROWS, _measured_hour())
            _backlog(bootstrap, topics[2], events, tag + "c")
            scaled["merge"] = _bronze(bench, bootstrap, topics[2], "merge")
            bronze_scale.add_snapshots(bench, bronze_scale.SNAPSHOTS)
            scaled["tick"] = bronze_scale.sensor_tick_s(bench)
    finally:
        catalog.stop(bench)
        shutil.rmtree(bench.state_dir, ignore_errors=True)
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for f in admin.delete_topics(topics + [f"{t}-dlq" for t in topics]).values():
            try:
                f.result(30)
            except Exception:  # noqa: BLE001 - cleanup must not hide the figures
                pass
    figures = {
        "events": merge["steady_records"],
        "merge_events_per_s": merge["steady_events_per_s"],
        "append_events_per_s": append["steady_events_per_s"],
        "ratio": round(merge["steady_events_per_s"] / append["steady_events_per_s"], 3),
        "hour_batch_s": round(hour_batch_s, 1),
        "hour_batch_jobs_s": in_job,
        "merge_events_per_s_at_1m": at_1m["steady_events_per_s"],
        "bronze_rows_at_1m": rows,
        "merge_warmup_s": merge["warmup_s"],
        "append_warmup_s": append["warmup_s"],
        "merge_batches_s": merge["batches_s"],
        "append_batches_s": append["batches_s"],
        "merge_batches_s_at_1m": at_1m["batches_s"],
        "run_events": merge["records"],
        "merge_run_events_per_s": merge["events_per_s"],
        "append_run_events_per_s": append["events_per_s"],
        "merge_run_events_per_s_at_1m": at_1m["events_per_s"],
        "merge_statement_events_per_s": _per_s(merge["inserted"], merge["merge_s"]),
        "merge_statement_events_per_s_at_1m": _per_s(at_1m["inserted"], at_1m["merge_s"]),
        "merge_phases_s": merge.get("phases_s", {}),
    }
    if scaled:
        figures |= {
            "merge_events_per_s_at_10m": scaled["merge"]["steady_events_per_s"],
            "bronze_rows_at_10m": scaled["rows"],
            "merge_batches_s_at_10m": scaled["merge"]["batches_s"],
            "merge_phases_s_at_10m": scaled["merge"].get("phases_s", {}),
            "sensor_tick_s_at_10k_snapshots": scaled["tick"]["steady_s"],
            "sensor_first_tick_s_at_10k_snapshots": scaled["tick"]["first_s"],
            "bronze_snapshots_at_10k": scaled["tick"]["snapshots"],
        }
    f = figures
    print(
        f"bronze MERGE sink:  {f['merge_events_per_s']:,.0f} events/s over {f['events']:,} "
        f"events after {WARMUP_TRIGGERS} warm-up batches (target >= 10,000); warm-up "
        f"{f['merge_warmup_s']} s; whole run {f['merge_run_events_per_s']:,.0f}/s over "
        f"{f['run_events']:,}; batches {f['merge_batches_s']} s"
    )
    print(
        f"bronze append sink: {f['append_events_per_s']:,.0f} events/s after the warm-up "
        f"(warm-up {f['append_warmup_s']} s; whole run "
        f"{f['append_run_events_per_s']:,.0f}/s); ratio {f['ratio']:.2f} (target >= 0.5)"
    )
    print(
        f"silver + quality + gold for one hour ({events:,} events): "
        f"{f['hour_batch_s']:.1f} s {in_job} (target <= 60 s)"
    )
    print(
        f"bronze MERGE with {rows:,} rows in bronze: {f['merge_events_per_s_at_1m']:,.0f} "
        f"events/s after the warm-up (whole run {f['merge_run_events_per_s_at_1m']:,.0f}/s;"
        " target >= 10,000)"
    )
    print(
        "the MERGE statements alone: "
        f"{f['merge_statement_events_per_s']:,.0f} rows/s into an empty table, "
        f"{f['merge_statement_events_per_s_at_1m']:,.0f} rows/s with {rows:,} rows"
    )
    if scaled:
        print(
            f"bronze MERGE with {f['bronze_rows_at_10m']:,} rows in bronze: "
            f"{f['merge_events_per_s_at_10m']:,.0f} events/s after the warm-up "
            "(target >= 10,000)"
        )
        print(
            f"supervisor tick with {f['bronze_snapshots_at_10k']:,} bronze snapshots: "
            f"{f['sensor_tick_s_at_10k_snapshots']} s with a cursor (target <= 2 s), "
            f"{f['sensor_first_tick_s_at_10k_snapshots']} s for a first tick"
        )
    if json_out:
        print(json.dumps(figures))
    return figures
