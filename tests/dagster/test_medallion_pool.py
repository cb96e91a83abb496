"""One medallion writer in every deployment (issue #11 item 3): with the instance settings of
the local stack and of AWS (whose queue admits 4 runs), a second medallion run stays queued
while one is in progress, through the same check Dagster's run queue applies."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.op_concurrency_limits_counter import GlobalOpConcurrencyLimitsCounter

from wikistream_dagster.config import load_settings
from wikistream_dagster.definitions import build_definitions

ROOT = Path(__file__).resolve().parents[2]
INSTANCE_FILES = [
    ROOT / "dagster.yaml",
    ROOT / "infra/modules/orchestration/templates/dagster.yaml.tftpl",
]
TAGS = {
    "dagster/asset_partition_range_start": "2026-11-26-09:00",
    "dagster/asset_partition_range_end": "2026-11-26-10:00",
}


def _create(instance, repo, job_name: str, status: dg.DagsterRunStatus, tags=None):
    return instance.create_run_for_job(repo.get_job(job_name), status=status, tags=tags or {})


def _blocked(instance, run) -> bool:
    """One pass of the run queue's pool check (the first pass sets the pool's default limit)."""
    granularity = instance.get_concurrency_config().pool_config.pool_granularity
    storage = instance.event_log_storage
    started = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    for _ in range(2):
        counter = GlobalOpConcurrencyLimitsCounter(
            instance,
            [run],
            started,
            concurrency_keys=storage.get_concurrency_keys(),
            pool_limits=storage.get_pool_limits(),
            pool_granularity=granularity,
        )
    return counter.is_blocked(run)


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=["local", "aws"])
def test_a_second_medallion_run_waits_for_the_first(path, tmp_path):
    text = path.read_text().replace("${max_concurrent_runs}", "4")  # the Terraform default
    conf = yaml.safe_load(text)
    overrides = {k: conf[k] for k in ("run_coordinator", "concurrency")}
    settings = load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path)})
    repo = build_definitions(settings).get_repository_def()
    with dg.instance_for_test(overrides=overrides) as instance:
        queued = _create(instance, repo, "medallion", dg.DagsterRunStatus.NOT_STARTED, TAGS)
        assert not _blocked(instance, queued)  # nothing else running
        _create(instance, repo, "medallion", dg.DagsterRunStatus.STARTED, TAGS)
        assert _blocked(instance, queued)
        other = _create(instance, repo, "bronze_start", dg.DagsterRunStatus.NOT_STARTED)
        assert not _blocked(instance, other)  # only the medallion writers wait


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=["local", "aws"])
def test_the_run_queue_is_read_every_second(path):
    """A queued run waits for the queue daemon's next pass (Dagster's default: every 5 s),
    time on the event -> gold path of every medallion run; the settings are valid beside
    ``concurrency`` (Dagster refuses some run-queue fields in both)."""
    text = path.read_text().replace("${max_concurrent_runs}", "4")
    conf = yaml.safe_load(text)
    overrides = {k: conf[k] for k in ("run_coordinator", "concurrency")}
    with dg.instance_for_test(overrides=overrides) as instance:
        assert instance.run_coordinator.dequeue_interval_seconds == 1
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs in (1, 4)
