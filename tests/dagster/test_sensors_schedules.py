"""Sensor and schedule ticks with fakes: absent -> start, healthy -> report, dead -> restart,
stalled -> restart, restart loop -> alert; the 5-minute schedule picks the affected hours."""

from __future__ import annotations

import time

import dagster as dg

from tests.dagster.fakes import (
    FakeAlerter,
    FakeKafka,
    FakeLake,
    FakeStreaming,
    bronze_snapshot,
    snapshot,
)
from wikistream_dagster.defs.automation import medallion_every_5_minutes
from wikistream_dagster.defs.bronze import bronze_supervisor
from wikistream_dagster.defs.supervision import Cursor


class FakeProducer:
    def health(self):
        return {"last_canary_dt": "2026-11-26T09:00:00Z", "received": 9, "dead_lettered": 1}


class FakeMetrics:
    def __init__(self):
        self.published = []

    def publish(self, values):
        self.published.append(values)


def tick(streaming, lake, kafka, cursor=None, instance=None, metrics=None):
    alerter = FakeAlerter()
    ctx = dg.build_sensor_context(
        instance=instance or dg.DagsterInstance.ephemeral(),
        cursor=cursor,
        resources={
            "streaming": streaming,
            "lake": lake,
            "kafka": kafka,
            "alerter": alerter,
            "metrics": metrics or FakeMetrics(),
            "producer": FakeProducer(),
        },
    )
    result = bronze_supervisor(ctx)
    return result, Cursor.from_json(ctx.cursor), alerter


def test_absent_job_is_started():
    s = FakeStreaming(running=False)
    result, cur, _ = tick(s, FakeLake(), FakeKafka())
    assert s.actions == ["start"] and not result.asset_events


def test_healthy_job_reports_new_snapshots_as_materializations():
    now = time.time()
    s = FakeStreaming(running=True, started_at=now - 100, processed={"0": 20})
    lake = FakeLake(
        bronze=[
            bronze_snapshot(1, now - 40, "2026-11-26T09", {"0": [0, 10]}),
            bronze_snapshot(2, now - 10, "2026-11-26T09", {"0": [10, 20]}),
        ]
    )
    metrics = FakeMetrics()
    result, cur, _ = tick(s, lake, FakeKafka(raw_end={"0": 25}, dlq_end=3), metrics=metrics)
    assert s.actions == []
    assert metrics.published == [{"BronzeRowsAdded": 20, "BronzeKafkaLag": 5}]
    assert result.asset_events[-1].metadata["last_canary_dt"].value == "2026-11-26T09:00:00Z"
    events = result.asset_events
    assert [e.metadata["snapshot_id"].value for e in events] == ["1", "2"]
    assert events[-1].metadata["kafka_lag"].value == 5
    assert events[-1].metadata["dlq_topic_messages"].value == 3
    assert cur.last_snapshot_id == 2
    again, _, _ = tick(s, lake, FakeKafka(raw_end={"0": 20}), cursor=cur.to_json())
    assert not again.asset_events  # each snapshot is reported once


def test_dead_job_is_restarted():
    s = FakeStreaming(running=False)
    cur = Cursor(last_snapshot_id=None, last_progress_ts=time.time() - 60)
    _, new_cur, _ = tick(s, FakeLake(), FakeKafka(), cursor=cur.to_json())
    assert s.actions == ["start"] and len(new_cur.restarts) == 1


def test_stalled_job_is_stopped_then_started_on_a_later_tick():
    now = time.time()
    s = FakeStreaming(running=True, started_at=now - 3600, processed={"0": 10})
    lake = FakeLake(bronze=[bronze_snapshot(1, now - 1800, "2026-11-26T09", {"0": [0, 10]})])
    _, cur, _ = tick(s, lake, FakeKafka(raw_end={"0": 500}))
    assert s.actions == ["stop"] and len(cur.restarts) == 1 and cur.pending_start
    s.busy = s.running = True  # the old job is still stopping (EMR CANCELLING, local control)
    _, cur, _ = tick(s, lake, FakeKafka(raw_end={"0": 500}), cursor=cur.to_json())
    assert s.actions == ["stop"]  # never a second job while the first is going away
    s.busy = s.running = False
    cur.next_start_at = 0  # backoff over
    _, cur, _ = tick(s, lake, FakeKafka(raw_end={"0": 500}), cursor=cur.to_json())
    assert s.actions == ["stop", "start"] and len(cur.restarts) == 1 and not cur.pending_start


def test_idle_caught_up_job_is_not_restarted_however_long_the_quiet():
    """Issue #10 item 5: the source paused, bronze consumed everything, its last batches held
    only DLQ or canary records (no snapshot): the checkpoint says nothing is waiting."""
    now = time.time()
    s = FakeStreaming(running=True, started_at=now - 3600, processed={"0": 500, "1": 70})
    lake = FakeLake(bronze=[bronze_snapshot(1, now - 1800, "2026-11-26T09", {"0": [0, 10]})])
    kafka = FakeKafka(raw_end={"0": 500, "1": 70})
    _, cur, _ = tick(s, lake, kafka)
    _, cur, _ = tick(s, lake, kafka, cursor=cur.to_json())
    assert s.actions == [] and cur.restarts == []


def test_records_waiting_and_processed_offsets_stuck_is_a_stall():
    now = time.time()
    s = FakeStreaming(running=True, started_at=now - 3600, processed={"0": 400})
    stuck = Cursor(processed={"0": 400}, last_progress_ts=now - 600)
    _, cur, _ = tick(s, FakeLake(), FakeKafka(raw_end={"0": 500}), cursor=stuck.to_json())
    assert s.actions == ["stop"]


def test_processed_offsets_moving_is_progress_without_any_snapshot():
    now = time.time()
    s = FakeStreaming(running=True, started_at=now - 3600, processed={"0": 450})
    before = Cursor(processed={"0": 400}, last_progress_ts=now - 600)
    _, cur, _ = tick(s, FakeLake(), FakeKafka(raw_end={"0": 500}), cursor=before.to_json())
    assert s.actions == [] and cur.last_progress_ts >= now


def test_restarts_followed_by_progress_are_not_a_loop():
    """A broker restart kills bronze, the restart recovers it: five of those in 30 minutes
    must not end supervision."""
    now = time.time()
    s = FakeStreaming(running=False, processed={"0": 900})
    many = Cursor(
        restarts=[now - 60 * i for i in range(1, 6)], processed={"0": 400}, last_progress_ts=now
    )
    _, cur, alerter = tick(s, FakeLake(), FakeKafka(raw_end={"0": 1000}), cursor=many.to_json())
    assert alerter.alerts == [] and s.actions == ["start"] and len(cur.restarts) == 1


def test_restart_loop_alert_says_which_offsets_and_why():
    from wikistream_dagster.spark_jobs.checkpoint import BatchFailure

    now = time.time()
    failure = BatchFailure(
        batch_id=42,
        offsets={"raw-events": {"0": [400, 900]}},
        error_class="org.apache.iceberg.exceptions.ServiceUnavailableException",
        message="catalog unavailable",
        at="2026-11-26T09:00:00Z",
    )
    s = FakeStreaming(running=False, processed={"0": 400}, failure=failure)
    loop = Cursor(
        restarts=[now - 60 * i for i in range(1, 6)], processed={"0": 400}, last_progress_ts=now
    )
    _, _, alerter = tick(s, FakeLake(), FakeKafka(raw_end={"0": 1000}), cursor=loop.to_json())
    text = alerter.alerts[0][1]
    assert "batch 42" in text and "raw-events/0 [400, 900)" in text
    assert "ServiceUnavailableException" in text and "catalog unavailable" in text


def test_materialization_shows_lag_from_the_checkpoint():
    now = time.time()
    s = FakeStreaming(running=True, started_at=now - 100, processed={"0": 480})
    lake = FakeLake(bronze=[bronze_snapshot(1, now - 10, "2026-11-26T09", {"0": [0, 10]})])
    result, _, _ = tick(s, lake, FakeKafka(raw_end={"0": 500}))
    assert result.asset_events[-1].metadata["kafka_lag"].value == 20


def test_restart_loop_raises_one_alert_and_stops_restarting():
    now = time.time()
    loop = Cursor(restarts=[now - 60 * i for i in range(1, 6)], last_progress_ts=now - 900)
    s = FakeStreaming(running=False)
    _, cur, alerter = tick(s, FakeLake(), FakeKafka(), cursor=loop.to_json())
    assert s.actions == [] and len(alerter.alerts) == 1 and "restart loop" in alerter.alerts[0][1]
    _, _, alerter2 = tick(s, FakeLake(), FakeKafka(), cursor=cur.to_json())
    assert s.actions == [] and alerter2.alerts == []


def test_schedule_requests_the_affected_hours_pinned_to_the_snapshot():
    now = time.time()
    lake = FakeLake(
        bronze=[
            bronze_snapshot(1, now - 400, "2026-11-26T08", {"0": [0, 5]}),
            bronze_snapshot(2, now - 200, "2026-11-26T08,2026-11-26T09", {"0": [5, 9]}),
            bronze_snapshot(3, now - 100, "2026-11-26T10", {"0": [9, 12]}),
        ],
        silver=[snapshot(7, 0, "append", {"wikistream.bronze-snapshot-id": "1"})],
    )
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(instance=instance, resources={"lake": lake})
        req = medallion_every_5_minutes(ctx)
    assert req.tags["wikistream/bronze_snapshot_end"] == "3"
    assert req.tags["wikistream/hours"] == "2026-11-26T08,2026-11-26T09,2026-11-26T10"
    assert req.tags["dagster/asset_partition_range_start"] == "2026-11-26-08:00"
    assert req.tags["dagster/asset_partition_range_end"] == "2026-11-26-10:00"


def test_schedule_skips_when_silver_is_up_to_date():
    lake = FakeLake(
        bronze=[bronze_snapshot(1, 0, "2026-11-26T08", {"0": [0, 5]})],
        silver=[snapshot(7, 0, "append", {"wikistream.bronze-snapshot-id": "1"})],
    )
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(instance=instance, resources={"lake": lake})
        result = medallion_every_5_minutes(ctx)
    assert isinstance(result, dg.SkipReason)
