"""End to end with the real local runners: replayed real events -> producer -> Kafka -> bronze
(started by the sensor, killed and restarted by it) -> silver -> Deequ checks -> gold,
materialized by the schedule's job; then a bad event whose failing check blocks gold."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections import Counter

import dagster as dg
import pytest
from confluent_kafka import Producer

from tests.kafka_helpers import run_producer
from wikistream_dagster.definitions import build_definitions, local_resources
from wikistream_dagster.defs.automation import medallion_every_5_minutes
from wikistream_dagster.defs.bronze import bronze_supervisor
from wikistream_dagster.local.replay import ReplayServerThread, default_recording
from wikistream_dagster.query import query_rows
from wikistream_dagster.resources.quarantine import held_hours
from wikistream_dagster.resources.streaming import LocalStreamingRunner

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(stack_settings, kafka_broker, catalog):
    resources = local_resources(stack_settings)
    resources["streaming"] = LocalStreamingRunner(spark=resources["spark"], trigger_seconds=5)
    with dg.instance_for_test() as instance:  # the schedule looks for medallion runs in it
        yield stack_settings, resources, instance
    resources["streaming"].stop()


def _tick(resources, instance, cursor):
    with dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={
            k: resources[k]
            for k in ("streaming", "lake", "kafka", "alerter", "metrics", "producer")
        },
    ) as ctx:
        result = bronze_supervisor(ctx)
        return result, ctx.cursor


def _bronze_rows(resources) -> int:
    snaps = resources["lake"].snapshots("bronze.wiki_events")
    return int(snaps[-1]["summary"].get("total-records", 0)) if snaps else 0


def _wait(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _request(resources, instance):
    ctx = dg.build_schedule_context(instance=instance, resources={"lake": resources["lake"]})
    with ctx:
        return medallion_every_5_minutes(ctx)


def _run_schedule(defs, resources, instance):
    req = _request(resources, instance)
    assert isinstance(req, dg.RunRequest), req
    job = defs.resolve_job_def("medallion")
    return req, job.execute_in_process(instance=instance, tags=req.tags, raise_on_error=False)


def test_replayed_events_reach_gold_through_sensor_and_schedule(stack, tmp_path):
    settings, resources, instance = stack
    lines = default_recording().read_text().splitlines()
    events = [json.loads(line) for line in lines if line]
    ids = {e["meta"]["id"] for e in events}
    with ReplayServerThread(speed=0) as srv:
        proc = run_producer(
            srv.url,
            settings.kafka_bootstrap,
            tmp_path / "p",
            "raw-events",
            "dlq-events",
            "--exit-on-idle",
            "2",
        )
    assert proc.returncode == 0, proc.stderr[-2000:]

    result, cursor = _tick(resources, instance, None)  # absent -> start (asynchronous)
    _wait(
        lambda: resources["streaming"].status().running, 60, "the control process to start bronze"
    )
    _wait(lambda: _bronze_rows(resources) > 0, 240, "the first bronze snapshot")
    pid = int(resources["streaming"].status().handle)
    os.kill(pid, signal.SIGKILL)  # mid-stream: the job dies without warning
    _wait(lambda: not resources["streaming"].status().running, 30, "bronze to die")
    restart, cursor = _tick(resources, instance, cursor)  # dead -> restart (asynchronous)
    _wait(
        lambda: resources["streaming"].status().running, 60, "the control process to restart bronze"
    )
    _wait(lambda: _bronze_rows(resources) >= len(ids), 300, "bronze to hold every event")
    healthy, cursor = _tick(resources, instance, cursor)  # healthy -> report snapshots
    reported = restart.asset_events + healthy.asset_events
    assert reported and all(e.asset_key.path == ["bronze", "wiki_events"] for e in reported)
    assert sum(e.metadata["rows_added"].value for e in reported) == len(ids)

    cols, rows = query_rows(
        settings, "SELECT count(*), count(DISTINCT event_id) FROM bronze.wiki_events"
    )
    assert rows[0] == (len(ids), len(ids)), "bronze must hold each event id exactly once"

    defs = build_definitions(settings, resources)
    req, run = _run_schedule(defs, resources, instance)
    assert run.success, [e.message for e in run.all_events if e.is_failure]
    assert req.tags["dagster/asset_partition_range_start"] == "2018-03-07-16:00"
    checks = run.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks if c.severity == dg.AssetCheckSeverity.ERROR)
    edits = Counter(
        (e["wiki"], e["meta"]["dt"][:13])
        for e in {e["meta"]["id"]: e for e in events}.values()
        if e["type"] == "edit"
    )
    cols, rows = query_rows(settings, "SELECT wiki, hour_start, edits FROM gold.hourly_edit_stats")
    got = {(w, str(h)[:13].replace(" ", "T")): n for w, h, n in rows}
    assert got[("wikidatawiki", "2018-03-07T16")] == edits[("wikidatawiki", "2018-03-07T16")]


def test_failing_blocking_check_stops_gold(stack):
    settings, resources, instance = stack
    _, gold_before = query_rows(settings, "SELECT count(*) FROM gold.hourly_edit_stats")
    bad = json.loads(default_recording().read_text().splitlines()[0])
    bad["meta"]["id"] = str(uuid.uuid4())
    bad["type"] = "teleport"  # the producer would dead-letter it; bronze keeps unknown types
    p = Producer({"bootstrap.servers": settings.kafka_bootstrap})
    p.produce("raw-events", json.dumps(bad).encode(), bad["meta"]["id"].encode())
    p.flush(10)
    before = _bronze_rows(resources)
    _wait(lambda: _bronze_rows(resources) > before, 120, "bronze to take the bad event")
    defs = build_definitions(settings, resources)
    _, run = _run_schedule(defs, resources, instance)
    assert not run.success
    failed = [c.check_name for c in run.get_asset_check_evaluations() if not c.passed]
    assert "type_known" in failed
    # the UI shows the quarantined row with the failed check; its hour is held
    [check] = [c for c in run.get_asset_check_evaluations() if c.check_name == "type_known"]
    assert check.metadata["quarantined_rows"].value == 1
    assert bad["meta"]["id"] in check.metadata["quarantine_sample"].value
    hour = time.strftime("%Y-%m-%dT%H", time.gmtime(bad["timestamp"]))
    assert held_hours(resources["lake"]) == {hour}
    gold_keys = {
        e.event_specific_data.materialization.asset_key.path[0]
        for e in run.get_asset_materialization_events()
    }
    assert "gold" not in gold_keys
    _, gold_after = query_rows(settings, "SELECT count(*) FROM gold.hourly_edit_stats")
    assert gold_after == gold_before
    # the blocked hour is not in gold: the next tick asks for it again (silver has nothing new)
    retry = _request(resources, instance)
    assert isinstance(retry, dg.RunRequest), retry
    tags = retry.tags
    assert bad["meta"]["dt"][:13] in tags["wikistream/hours"].split(",")
    assert tags["wikistream/bronze_snapshot_start"] == tags["wikistream/bronze_snapshot_end"]
