"""Maintenance runs from its Dagster job (real spark-submit, real catalog): it compacts, rewrites
manifests and expires snapshots, and never the bronze snapshot silver resumes from."""

from __future__ import annotations

import dagster as dg
import pytest

from tests.spark.conftest import reset_lake
from wikistream_dagster.contracts.snapshot import BRONZE_SNAPSHOT as PROGRESS
from wikistream_dagster.defs import maintenance as M
from wikistream_dagster.resources.spark_runner import LocalSparkRunner
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs.tables import BRONZE, SILVER, ensure_tables, qualified

pytestmark = pytest.mark.slow


def test_maintenance_job_shrinks_bronze_and_keeps_silvers_start(lake, catalog):
    reset_lake(lake)
    ensure_tables(lake, BRONZE, SILVER)
    template = lake.table(qualified(BRONZE)).limit(0)
    ids = []
    for i in range(8):  # eight one-row commits into one hour: eight small files
        row = lake.sql(
            f"SELECT 'm-{i}' AS event_id, TIMESTAMP'2026-11-26 09:00:00' AS event_time, "
            "DATE'2026-11-26' AS event_date, 9 AS event_hour"
        )
        df = template.unionByName(row, allowMissingColumns=True)
        iceberg.append(df, BRONZE, {"wikistream.batch-id": str(i)})
        ids.append(iceberg.current_snapshot_id(lake, BRONZE))
    silver_start = ids[4]  # silver has read up to the fifth bronze snapshot
    iceberg.append(lake.table(qualified(SILVER)).limit(0), SILVER, {PROGRESS: str(silver_start)})

    result = M.maintenance.execute_in_process(
        resources={"spark": LocalSparkRunner.from_settings(catalog)},
        run_config={
            "ops": {
                "maintain_tables": {
                    "config": {"tables": [BRONZE], "retain_hours": 0.0, "retain_last": 1}
                }
            }
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    bronze = result.output_for_node("maintain_tables")[BRONZE]
    assert bronze["snapshots_before"] == 8 and bronze["data_files_before"] == 8
    assert bronze["data_files_after"] == 1 and bronze["manifests_rewritten"] >= 1
    assert bronze["snapshots_expired"] == 4  # the four before silver's start
    assert all(iceberg.snapshot_exists(lake, BRONZE, s) for s in ids[4:])
    assert not any(iceberg.snapshot_exists(lake, BRONZE, s) for s in ids[:4])
    assert lake.table(qualified(BRONZE)).count() == 8
    (observed,) = [
        e.event_specific_data.asset_observation
        for e in result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    ]
    assert observed.asset_key == dg.AssetKey(["bronze", "wiki_events"])
    assert observed.metadata["snapshots_expired"].value == 4
