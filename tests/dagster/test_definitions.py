"""Definitions load for every deployment; silver and gold materialize through a fake runner."""

from __future__ import annotations

import dagster as dg
import pytest

from tests.aws_example import AWS_ENV
from tests.dagster.fakes import FakeSparkRunner
from wikistream_dagster.config import SettingsError, load_settings
from wikistream_dagster.definitions import build_definitions
from wikistream_dagster.defs import medallion
from wikistream_dagster.defs.common import GOLD_KEYS, SILVER_KEY


@pytest.mark.parametrize("env", [{}, AWS_ENV], ids=["local", "aws"])
def test_definitions_load_for_each_deployment(env, tmp_path):
    settings = load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path), **env})
    defs = build_definitions(settings)
    repo = defs.get_repository_def()
    repo.load_all_definitions()  # as the code server does: every job, op and graph name checked
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {
        "wikimedia/recentchange",
        "kafka/raw_events",
        "bronze/wiki_events",
        "silver/wiki_events_cleaned",
        "gold/hourly_edit_stats",
        "gold/entity_trends",
        "gold/risk_scores",
    } <= keys
    checks = {k.name for k in repo.asset_graph.asset_check_keys}
    assert {"event_id_unique", "event_id_complete", "type_known"} <= checks
    assert {s.name for s in repo.sensor_defs} >= {"bronze_supervisor", "alert_on_run_failure"}
    assert {s.name for s in repo.schedule_defs} >= {
        "medallion_every_5_minutes",
        "maintenance_bronze_hourly",
        "maintenance_daily",
    }
    kind = type(defs.resources["spark"]).__name__
    assert kind == ("EmrServerlessSparkRunner" if env else "LocalSparkRunner")


def test_unknown_deployment_fails_clearly():
    with pytest.raises(SettingsError, match="WIKISTREAM_DEPLOYMENT='gcp' is unknown"):
        load_settings({"WIKISTREAM_DEPLOYMENT": "gcp"})


def test_aws_deployment_names_missing_settings():
    with pytest.raises(SettingsError, match="WIKISTREAM_EMR_APPLICATION_ID"):
        load_settings({"WIKISTREAM_DEPLOYMENT": "aws", "WIKISTREAM_AWS_REGION": "eu-west-1"})


def _materialize(
    tmp_path, failing=(), tags=None, partition="2018-03-07-16:00", selection=None, unreported=()
):
    runner = FakeSparkRunner(
        log_path=str(tmp_path / "calls.jsonl"),
        failing_checks=list(failing),
        unreported_checks=list(unreported),
    )
    result = dg.materialize(
        [medallion.silver_checks_gold],
        selection=selection,
        resources={"spark": runner},
        partition_key=partition,
        tags=tags or {},
        raise_on_error=False,
        instance=dg.DagsterInstance.ephemeral(),
    )
    return result, runner.calls()


def _arg(call, name):
    return call["args"][call["args"].index(name) + 1] if name in call["args"] else None


def test_silver_checks_and_gold_run_as_one_spark_job_with_the_hours_of_the_partition(tmp_path):
    """One spark-submit for the three stages (one JVM start-up per run, not three); a manual
    partition run rebuilds the partition's silver from bronze."""
    result, calls = _materialize(tmp_path)
    assert result.success
    [call] = calls
    assert call["job"] == "medallion"
    assert _arg(call, "--stages") == "silver,redact,quality,gold"
    assert _arg(call, "--hours") == "2018-03-07T16"
    assert "--rebuild-silver" in call["args"]
    done = {
        e.event_specific_data.materialization.asset_key
        for e in result.get_asset_materialization_events()
    }
    assert done == {SILVER_KEY, *GOLD_KEYS}
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_scheduled_run_reads_new_bronze_rows_and_rebuilds_gold_for_its_hours(tmp_path):
    """The automation's run: silver incremental up to bronze's newest snapshot when it starts
    (not pinned to the tick's: the run's start-up is then off the latency path)."""
    tags = {
        "wikistream/bronze_snapshot_end": "42",
        "wikistream/hours": "2018-03-07T16,2018-03-07T18",
        "wikistream/silver_settled": "7",
    }
    _, [call] = _materialize(tmp_path, tags=tags)
    assert _arg(call, "--hours") == "2018-03-07T16,2018-03-07T18"
    assert _arg(call, "--silver-settled") == "7"
    assert "--rebuild-silver" not in call["args"] and "--bronze-snapshot-end" not in call["args"]


def test_gold_alone_is_one_stage_and_gold_tables_only_together(tmp_path):
    result, [call] = _materialize(tmp_path, selection=list(GOLD_KEYS))
    assert result.success and _arg(call, "--stages") == "gold"
    result, calls = _materialize(tmp_path / "x", selection=[GOLD_KEYS[0]])
    assert not result.success and calls == []


def test_failing_blocking_check_stops_gold(tmp_path):
    result, _ = _materialize(tmp_path, failing=["event_id_unique"])
    assert not result.success
    done = {
        e.event_specific_data.materialization.asset_key
        for e in result.get_asset_materialization_events()
    }
    assert done == {SILVER_KEY}  # gold never written
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == ["event_id_unique"]


def test_a_check_the_job_did_not_report_fails_instead_of_passing(tmp_path):
    result, _ = _materialize(tmp_path, unreported=["type_known"])
    [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == "type_known"]
    assert not check.passed and "reported no result" in check.metadata["error"].value


def test_failing_warning_check_does_not_stop_gold(tmp_path):
    result, _ = _materialize(tmp_path, failing=["title_length"])
    assert result.success
    done = {
        e.event_specific_data.materialization.asset_key
        for e in result.get_asset_materialization_events()
    }
    assert done == {SILVER_KEY, *GOLD_KEYS}


def test_eager_automation_runs_out_of_the_box(tmp_path):
    """Eager: the sensor that follows bronze runs from the start, the schedule is stopped; the
    medallion assets are single-writer (pool) in both modes."""
    settings = load_settings(
        {"WIKISTREAM_STATE_DIR": str(tmp_path), "WIKISTREAM_AUTOMATION": "eager"}
    )
    repo = build_definitions(settings).get_repository_def()
    sensor = repo.get_sensor_def("medallion_on_bronze")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "medallion"
    schedule = repo.get_schedule_def("medallion_every_5_minutes")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    default = build_definitions(load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path)}))
    drepo = default.get_repository_def()
    assert drepo.get_sensor_def("medallion_on_bronze").default_status == (
        dg.DefaultSensorStatus.STOPPED
    )
    assert drepo.get_schedule_def("medallion_every_5_minutes").default_status == (
        dg.DefaultScheduleStatus.RUNNING
    )
    job = drepo.get_job("medallion")
    pools = {n.definition.pool for n in job.graph.node_dict.values()}
    assert {"medallion"} <= pools
    with pytest.raises(SettingsError, match="WIKISTREAM_AUTOMATION"):
        load_settings({"WIKISTREAM_AUTOMATION": "sometimes"})


def test_the_automation_skips_hours_the_quarantine_holds_by_default():
    """The medallion schedule and sensor get the quarantine's held hours unless told otherwise."""
    import inspect

    from wikistream_dagster.resources import quarantine

    default = inspect.signature(build_definitions).parameters["held_hours"].default
    assert default is quarantine.held_hours
