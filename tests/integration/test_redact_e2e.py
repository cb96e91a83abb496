"""End to end for issue 14 with the real services: the real delete and restore events, replayed
-> producer -> Kafka -> bronze (the streaming job) -> the medallion job the schedule requests
(silver -> redact -> checks -> gold); the lake read back through pyiceberg + DuckDB (another
reader than Spark). After the deletion no table returns the page's title, comment or user and
the counts hold; after the restore the page is counted again; the audit lists each step.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time

import dagster as dg
import pytest

from tests.kafka_helpers import run_producer
from tests.spark import redact_events as ev
from wikistream_dagster.definitions import build_definitions, local_resources
from wikistream_dagster.defs.automation import medallion_every_5_minutes
from wikistream_dagster.local import catalog as catalog_service
from wikistream_dagster.local import kafka
from wikistream_dagster.local.process import on_free_ports
from wikistream_dagster.local.replay import ReplayServerThread
from wikistream_dagster.query import query_rows
from wikistream_dagster.resources.streaming import LocalStreamingRunner
from wikistream_dagster.spark_jobs.tables import ALL_TABLES

pytestmark = pytest.mark.slow

DELETED = "Q50570219"  # created and edited 2018-03-15 16:10, deleted 2018-07-22 17:00


@pytest.fixture(scope="module")
def stack(stack_settings, tmp_path_factory):
    """A broker and a catalog of this module's own. The schedule requests every hour still
    pending in gold: in the session's shared lake that includes other tests' hours (one of them
    holds a row of an unknown type that blocks its hour), which this test must not depend on."""
    state = tmp_path_factory.mktemp("redact-stack")
    settings = on_free_ports(dataclasses.replace(stack_settings, state_dir=state))
    kafka.start(settings)
    catalog_service.start(settings)
    resources = local_resources(settings)
    resources["streaming"] = LocalStreamingRunner(spark=resources["spark"], trigger_seconds=5)
    try:
        with dg.instance_for_test() as instance:
            yield settings, resources, instance
    finally:
        resources["streaming"].stop()
        catalog_service.stop(settings)
        kafka.stop(settings)


def _bronze_rows(resources) -> int:
    snaps = resources["lake"].snapshots("bronze.wiki_events")
    return int(snaps[-1]["summary"].get("total-records", 0)) if snaps else 0


def _produce(settings, tmp_path, evs, name):
    path = tmp_path / f"{name}.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in evs))
    with ReplayServerThread(path, speed=0) as srv:
        proc = run_producer(
            srv.url,
            settings.kafka_bootstrap,
            tmp_path / f"p-{name}",
            "raw-events",
            "dlq-events",
            "--exit-on-idle",
            "2",
        )
    assert proc.returncode == 0, proc.stderr[-2000:]


def _medallion(settings, resources, instance):
    defs = build_definitions(settings, resources)
    with dg.build_schedule_context(instance=instance, resources={"lake": resources["lake"]}) as c:
        req = medallion_every_5_minutes(c)
    assert isinstance(req, dg.RunRequest), req
    run = defs.resolve_job_def("medallion").execute_in_process(
        instance=instance, tags=req.tags, raise_on_error=False
    )
    assert run.success, [e.message for e in run.all_events if e.is_failure]
    return run


def _wait_bronze(resources, n, timeout=300):
    deadline = time.monotonic() + timeout
    while _bronze_rows(resources) < n:
        assert time.monotonic() < deadline, f"bronze has {_bronze_rows(resources)} of {n} rows"
        time.sleep(2)


def _titles(settings, title: str) -> dict[str, int]:
    """Rows naming ``title`` in every table of the lake that has a title or entity column."""
    out = {}
    for table, col in (
        ("bronze.wiki_events", "title"),
        ("silver.wiki_events_cleaned", "title"),
        ("gold.risk_scores", "title"),
        ("gold.entity_hourly", "entity"),
        ("gold.entity_trends", "entity"),
    ):
        assert table in ALL_TABLES
        _, rows = query_rows(settings, f"SELECT count(*) FROM {table} WHERE {col} = '{title}'")
        out[table] = rows[0][0]
    return out


def test_a_deletion_and_a_restore_through_the_whole_pipeline(stack, tmp_path):
    settings, resources, instance = stack
    seen: set[str] = set()
    created = ev.unique_ids(ev.events("qs_batch_with_new_items.ndjson") + ev.lifecycle()[:1], seen)
    _produce(settings, tmp_path, created, "created")
    resources["streaming"].start(wait=True)
    _wait_bronze(resources, len(created))
    _medallion(settings, resources, instance)
    assert _titles(settings, DELETED)["gold.entity_hourly"] == 1  # the page is in gold

    deletions = ev.unique_ids(ev.events("deletion_edit.ndjson") + ev.lifecycle()[1:2], seen)
    _produce(settings, tmp_path, deletions, "deleted")
    _wait_bronze(resources, len(created) + 2)
    run = _medallion(settings, resources, instance)
    assert set(_titles(settings, DELETED).values()) == {0}
    user_rows = query_rows(
        settings,
        "SELECT count(*) FROM silver.wiki_events_cleaned WHERE event_date = DATE'2018-03-15' "
        "AND \"user\" = 'QuickStatementsBot' AND title IS NULL",
    )[1][0][0]
    assert user_rows == 0  # the deleted rows lost their user too
    _, counts = query_rows(
        settings,
        "SELECT (SELECT count(*) FROM bronze.wiki_events), "
        "(SELECT count(DISTINCT event_id) FROM bronze.wiki_events), "
        "(SELECT count(*) FROM silver.wiki_events_cleaned)",
    )
    assert counts[0] == (len(created) + 2,) * 3  # exactly once, nothing lost
    checks = {c.check_name: c.passed for c in run.get_asset_check_evaluations()}
    assert checks["deleted_pages_redacted"] is True

    restore = ev.unique_ids(ev.lifecycle()[2:3], seen)
    _produce(settings, tmp_path, restore, "restored")
    _wait_bronze(resources, len(created) + 3)
    _medallion(settings, resources, instance)
    _, rows = query_rows(
        settings,
        f"SELECT events FROM gold.entity_hourly WHERE entity = '{ev.PAGE}'",
    )
    assert rows == [(1,)]  # counted again from the restore on
    key = hashlib.sha256(DELETED.encode()).hexdigest()
    _, audit = query_rows(
        settings,
        f"SELECT table_name, reason, rows FROM silver.redactions WHERE title_key = '{key}'",
    )
    assert ("silver.wiki_events_cleaned", "page_deleted", 9) in audit
    assert ("bronze.wiki_events", "page_deleted", 9) in audit
    _, steps = query_rows(settings, "SELECT DISTINCT reason FROM silver.redactions")
    assert {r[0] for r in steps} >= {"page_deleted", "page_restored"}
