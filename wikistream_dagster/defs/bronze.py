"""Bronze: a long-running streaming job kept alive by a sensor, never by a waiting run.

Users set the desired state with the ``bronze_start`` / ``bronze_stop`` jobs (the latest
successful one wins; none yet means "running"). The ``bronze_supervisor`` sensor starts the job
when absent, restarts it with backoff when it died or stalled, raises an alert on a restart
loop, and reports each new bronze snapshot as a runless materialization with its metadata.
"""

import time

import dagster as dg

from wikistream_dagster.config import DLQ_TOPIC, RAW_TOPIC
from wikistream_dagster.contracts.snapshot import BronzeBatch
from wikistream_dagster.contracts.tables import BRONZE_TABLE
from wikistream_dagster.defs import supervision as sv
from wikistream_dagster.defs.common import BRONZE_KEY, RAW_TOPIC_KEY
from wikistream_dagster.defs.reconcile_check import bronze_reconciliation
from wikistream_dagster.defs.schemas import table_asset
from wikistream_dagster.resources.alerts import Alerter
from wikistream_dagster.resources.lake import KafkaOffsets, LakeReader, ProducerHealth
from wikistream_dagster.resources.metrics import MetricsSink
from wikistream_dagster.resources.streaming import StreamingRunner
from wikistream_dagster.spark_jobs import checkpoint as ckpt

MAX_REPORTED_PER_TICK = 200  # materializations per tick; a larger backlog takes more ticks

bronze_spec = table_asset(
    BRONZE_KEY,
    RAW_TOPIC_KEY,
    "Every valid event exactly once (MERGE on meta.id), with Kafka topic/partition/"
    "offset and ingest time. Written continuously by the bronze Structured Streaming job (30 s "
    "micro-batches, 5-min watermark); malformed records go to dlq-events. Materializations are "
    "reported by the bronze_supervisor sensor from the table's snapshots.",
)


@dg.op
def set_bronze_running(context: dg.OpExecutionContext, streaming: StreamingRunner) -> None:
    """Desired state: running. Starts the job now if absent; the sensor keeps it so."""
    context.log.info(f"bronze: {streaming.start(wait=True)}")  # no-op if already running


@dg.op
def set_bronze_stopped(context: dg.OpExecutionContext, streaming: StreamingRunner) -> None:
    """Desired state: stopped. Stops the job; the sensor will not restart it."""
    stopped = streaming.stop(wait=True)
    context.log.info("bronze stopped" if stopped else "bronze was not running")


@dg.job(description="Start the bronze streaming job and keep it running (the desired state).")
def bronze_start():
    set_bronze_running()


@dg.job(description="Stop the bronze streaming job and keep it stopped (the desired state).")
def bronze_stop():
    set_bronze_stopped()


def desired_state(instance: dg.DagsterInstance) -> tuple[bool, str | None]:
    """(running?, run id) from the newest successful bronze_start / bronze_stop run."""
    latest = None
    for job in ("bronze_start", "bronze_stop"):
        runs = instance.get_run_records(
            dg.RunsFilter(job_name=job, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1
        )
        if runs and (latest is None or runs[0].create_timestamp > latest[1].create_timestamp):
            latest = (job, runs[0])
    if latest is None:
        return True, None
    return latest[0] == "bronze_start", latest[1].dagster_run.run_id


def snapshot_event(
    snap: dict, lag: int | None, dlq_total: int | None, producer: dict | None = None
) -> dg.AssetMaterialization:
    s = snap["summary"]
    batch = BronzeBatch.from_properties(s)
    meta = {
        "snapshot_id": str(snap["snapshot_id"]),
        "rows_added": int(s.get("added-records", 0)),
        "total_rows": int(s.get("total-records", 0)),
        "batch_id": batch.batch_id,
        "records_consumed": batch.records,
        "dlq_records": batch.dlq_records,
        "canary_records": batch.canary_records,
        "max_event_time": batch.max_event_time,
        "kafka_offsets": dg.MetadataValue.json(batch.kafka_offsets),
    }
    if lag is not None:
        meta["kafka_lag"] = lag
    if dlq_total is not None:
        meta["dlq_topic_messages"] = dlq_total
    if producer:  # the producer drops canaries; their time shows the stream is alive
        meta["last_canary_dt"] = producer.get("last_canary_dt") or "none seen yet"
        meta["producer_received"] = producer.get("received", 0)
        meta["producer_dead_lettered"] = producer.get("dead_lettered", 0)
    return dg.AssetMaterialization(BRONZE_KEY, metadata=meta)


def _observe(context, streaming: StreamingRunner, kafka: KafkaOffsets):
    """(processed raw-events offsets, lag, dlq total); None where a source cannot be read."""
    processed = lag = dlq_total = None
    try:
        batch = streaming.progress()
        processed = batch.topic(RAW_TOPIC) if batch else {}
    except Exception as exc:  # noqa: BLE001 - an unreadable checkpoint must not stop supervision
        context.log.warning(f"could not read bronze's checkpoint: {exc}")
    try:
        ends = kafka.end_offsets(RAW_TOPIC)
        if ends and processed is not None:
            lag = ckpt.lag(ends, processed)
        dlq_total = sum(kafka.end_offsets(DLQ_TOPIC).values())
    except Exception as exc:  # noqa: BLE001 - Kafka down must not stop supervision
        context.log.warning(f"could not read Kafka offsets: {exc}")
    return processed, lag, dlq_total


def _failure_note(streaming: StreamingRunner) -> str:
    try:
        failure = streaming.last_failure()
    except Exception as exc:  # noqa: BLE001
        return f"; last failure unreadable: {exc}"
    return f"; last failure: {failure.describe()}" if failure else ""


def _supervise(
    context: dg.SensorEvaluationContext,
    streaming: StreamingRunner,
    lake: LakeReader,
    kafka: KafkaOffsets,
    alerter: Alerter,
    metrics: MetricsSink,
    producer: ProducerHealth,
):
    cur = sv.Cursor.from_json(context.cursor)
    desired, run_id = desired_state(context.instance)
    if run_id != cur.desired_run_id:  # a person set the state again: forget old restarts
        cur = sv.Cursor(
            cur.last_snapshot_id,
            cur.last_progress_ts,
            desired_run_id=run_id,
            processed=cur.processed,
        )
    now = time.time()
    status = streaming.status()
    # Only what is new since the cursor is read and processed (flat work per tick); a backlog
    # (the sensor was off, or its first tick on an old table) is reported in chunks.
    unseen = lake.snapshots(BRONZE_TABLE, cur.last_snapshot_id)
    new = unseen[:MAX_REPORTED_PER_TICK]
    processed, lag, dlq_total = _observe(context, streaming, kafka)
    cur = sv.observe_progress(cur, processed, now)
    newest_ts = unseen[-1]["timestamp_ms"] / 1000 if unseen else None
    decision = sv.decide(
        sv.Observation(desired, status.running, status.started_at, newest_ts, lag, status.busy),
        cur,
        now,
    )
    note = _failure_note(streaming) if decision.action in ("restart", "alert") else ""
    context.log.info(f"bronze: {decision.action} ({decision.reason}){note}; {status.detail}")
    if decision.action in ("stop", "restart") and status.running:
        streaming.stop()
    elif decision.action in ("start", "restart"):
        context.log.info(f"bronze start: {streaming.start()}")
    if decision.action == "alert":
        alerter.alert("bronze streaming job in a restart loop", decision.reason + note)
    cur = sv.record(decision, cur, now, running=status.running)
    if new:
        cur.last_snapshot_id = new[-1]["snapshot_id"]
        cur.last_progress_ts = max(new[-1]["timestamp_ms"] / 1000, cur.last_progress_ts or 0.0)
    context.update_cursor(cur.to_json())
    rows_added = sum(int(x["summary"].get("added-records", 0)) for x in new)
    try:
        metrics.publish(
            {"BronzeRowsAdded": rows_added, **({"BronzeKafkaLag": lag} if lag is not None else {})}
        )
    except Exception as exc:  # noqa: BLE001 - metrics must not stop supervision
        context.log.warning(f"could not publish metrics: {exc}")
    health = producer.health() if new else None
    last = new[-1] if new else None
    events = [
        snapshot_event(
            s,
            lag if s is last else None,
            dlq_total if s is last else None,
            health if s is last else None,
        )
        for s in new
        if s["operation"] != "replace"
    ]
    return dg.SensorResult(
        asset_events=events, skip_reason=None if events else f"{decision.action}: {decision.reason}"
    )


def make_supervisor(autostart: bool = True) -> dg.SensorDefinition:
    """The supervisor sensor; with ``autostart`` it runs as soon as Dagster starts."""
    status = dg.DefaultSensorStatus.RUNNING if autostart else dg.DefaultSensorStatus.STOPPED
    return dg.sensor(
        name="bronze_supervisor",
        minimum_interval_seconds=30,
        default_status=status,
        description="Keeps the bronze streaming job in its desired state and reports bronze "
        "materializations from its Iceberg snapshots. Turning this sensor off leaves the job "
        "as it is (running or not) without supervision.",
    )(_supervise)


bronze_supervisor = make_supervisor()


def build_defs(autostart: bool = True) -> dg.Definitions:
    return dg.Definitions(
        assets=[bronze_spec],
        asset_checks=[bronze_reconciliation],
        jobs=[bronze_start, bronze_stop],
        sensors=[make_supervisor(autostart)],
    )
