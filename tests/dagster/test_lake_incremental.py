"""The supervisor sensor and reconciliation read incrementally, against the real REST catalog:
the snapshots they examine per tick follow what is new, not the table's age (issue #11)."""

from __future__ import annotations

import json

import dagster as dg
import pyarrow as pa
import pytest

from tests.dagster.fakes import FakeAlerter, FakeKafka, FakeStreaming
from tests.dagster.test_sensors_schedules import FakeMetrics, FakeProducer
from wikistream_dagster.defs.bronze import bronze_reconciliation, bronze_spec, bronze_supervisor
from wikistream_dagster.defs.reconcile import reconcile
from wikistream_dagster.defs.supervision import Cursor
from wikistream_dagster.local.catalog import warehouse_uri
from wikistream_dagster.resources import lake as lake_module
from wikistream_dagster.resources.lake import LakeReader

pytestmark = pytest.mark.slow
TABLE = "bronze.wiki_events"


@pytest.fixture
def lake(catalog):
    reader = LakeReader(uri=catalog.catalog_uri, warehouse=warehouse_uri(catalog))
    cat = reader.catalog()
    cat.create_namespace_if_not_exists("bronze")
    if cat.table_exists(TABLE):
        cat.purge_table(TABLE)
    cat.create_table(TABLE, schema=pa.schema([("event_id", pa.string())]))
    yield reader
    cat.purge_table(TABLE)


def commit(reader: LakeReader, first: int, n: int) -> None:
    """``n`` bronze-like snapshots (one row each) consuming offsets 10*i..10*i+10."""
    table = reader.catalog().load_table(TABLE)
    for i in range(first, first + n):
        props = {
            "wikistream.batch-id": str(i),
            "wikistream.kafka-offsets": json.dumps({"raw-events": {"0": [10 * i, 10 * i + 10]}}),
            "wikistream.records": "10",
            "wikistream.dlq-records": "9",
            "wikistream.hours": "2026-11-26T09",
        }
        table.append(pa.table({"event_id": [f"e{i}"]}), snapshot_properties=props)


def tick(reader: LakeReader, cursor: str | None) -> tuple[dg.SensorResult, str, dict]:
    ctx = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        cursor=cursor,
        resources={
            "streaming": FakeStreaming(running=True, started_at=0.0, processed={"0": 0}),
            "lake": reader,
            "kafka": FakeKafka(raw_end={"0": 0}),
            "alerter": FakeAlerter(),
            "metrics": FakeMetrics(),
            "producer": FakeProducer(),
        },
    )
    lake_module.STATS.clear()
    result = bronze_supervisor(ctx)
    return result, ctx.cursor, dict(lake_module.STATS)


def test_sensor_work_per_tick_does_not_grow_with_the_table(lake):
    commit(lake, 0, 10)
    first, cursor, _ = tick(lake, None)
    assert len(first.asset_events) == 10
    commit(lake, 10, 1)
    young, cursor, young_stats = tick(lake, cursor)
    assert [e.metadata["batch_id"].value for e in young.asset_events] == [10]
    commit(lake, 11, 40)  # the table ages: four times as many snapshots
    _, cursor, _ = tick(lake, cursor)
    commit(lake, 51, 1)
    old, cursor, old_stats = tick(lake, cursor)
    assert [e.metadata["batch_id"].value for e in old.asset_events] == [51]
    # One load, and only the new snapshot and the cursor's examined, young or old.
    assert old_stats == young_stats == {"loads_refs": 1, "snapshots_examined": 2}
    _, _, idle = tick(lake, cursor)
    assert idle == {"loads_refs": 1, "snapshots_examined": 1}
    assert Cursor.from_json(cursor).last_snapshot_id == lake.snapshots(TABLE)[-1]["snapshot_id"]


def test_reconciliation_adds_only_new_snapshots_to_its_tally(lake):
    instance = dg.DagsterInstance.ephemeral()

    defs = dg.Definitions(
        assets=[bronze_spec],
        asset_checks=[bronze_reconciliation],
        jobs=[
            dg.define_asset_job("rec", selection=dg.AssetSelection.checks(bronze_reconciliation))
        ],
        resources={"lake": lake},
    )

    def check() -> dict:
        result = defs.resolve_job_def("rec").execute_in_process(instance=instance)
        (evaluation,) = [
            e
            for e in result.get_asset_check_evaluations()
            if e.check_name == "kafka_offsets_reconciled"
        ]
        return {k: v.value for k, v in evaluation.metadata.items()}

    commit(lake, 0, 20)
    first = check()
    assert (first["snapshots_added"], first["records_read"]) == (20, 200)
    assert first["dead_lettered"] == 180
    commit(lake, 20, 2)
    commit(lake, 23, 1)  # offsets 220-229 were never read
    second = check()
    assert second["snapshots_added"] == 3
    whole = reconcile(lake.snapshots(TABLE))
    assert {k: second[k] for k in whole} == whole
    assert second["offset_gaps"] == {"raw-events/0": 10} and second["records_read"] == 230
