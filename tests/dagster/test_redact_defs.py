"""Issue 14 on the Dagster side: the redact stage runs with silver, its counts are recorded on
``silver/redactions``, its check is reported, and the time-travel bound is a setting."""

from __future__ import annotations

import dagster as dg
import pytest

from tests.dagster.fakes import FakeSparkRunner
from wikistream_dagster.config import SettingsError, load_settings
from wikistream_dagster.definitions import build_definitions
from wikistream_dagster.defs import maintenance, medallion
from wikistream_dagster.defs.redact import REDACTIONS_KEY


def test_the_redact_stage_runs_with_silver_and_its_counts_are_recorded(tmp_path):
    runner = FakeSparkRunner(log_path=str(tmp_path / "calls.jsonl"))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [medallion.silver_checks_gold],
        resources={"spark": runner},
        partition_key="2018-07-22-17:00",
        instance=instance,
    )
    assert result.success
    [call] = runner.calls()
    stages = call["args"][call["args"].index("--stages") + 1]
    assert stages == "silver,redact,quality,gold"
    event = instance.get_latest_materialization_event(REDACTIONS_KEY)
    meta = event.asset_materialization.metadata
    assert (meta["events"].value, meta["pages_deleted"].value) == (2, 1)
    assert meta["rows"].value == {"silver.wiki_events_cleaned": 9}
    [check] = [
        c for c in result.get_asset_check_evaluations() if c.check_name == "deleted_pages_redacted"
    ]
    assert check.passed


def test_gold_alone_does_not_redact(tmp_path):
    from wikistream_dagster.defs.common import GOLD_KEYS

    runner = FakeSparkRunner(log_path=str(tmp_path / "calls.jsonl"))
    instance = dg.DagsterInstance.ephemeral()
    dg.materialize(
        [medallion.silver_checks_gold],
        selection=list(GOLD_KEYS),
        resources={"spark": runner},
        partition_key="2018-07-22-17:00",
        instance=instance,
    )
    [call] = runner.calls()
    assert call["args"][call["args"].index("--stages") + 1] == "gold"
    assert instance.get_latest_materialization_event(REDACTIONS_KEY) is None


def test_the_time_travel_bound_is_a_setting_maintenance_passes_on(tmp_path):
    env = {"WIKISTREAM_STATE_DIR": str(tmp_path)}
    assert load_settings(env).redaction_expire_hours == 24.0
    settings = load_settings(env | {"WIKISTREAM_REDACTION_EXPIRE_HOURS": "6"})
    assert settings.redaction_expire_hours == 6.0
    repo = build_definitions(settings).get_repository_def()
    for name in ("maintenance_bronze_hourly", "maintenance_daily"):
        schedule = repo.get_schedule_def(name)
        with dg.build_schedule_context() as ctx:
            (request,) = schedule.evaluate_tick(ctx).run_requests
        config = request.run_config["ops"]["maintain_tables"]["config"]
        assert config["redaction_expire_hours"] == 6.0
    args = maintenance.maintenance_args(maintenance.MaintenanceConfig(redaction_expire_hours=6.0))
    assert args[args.index("--redaction-expire-hours") + 1] == "6.0"
    with pytest.raises(SettingsError, match="WIKISTREAM_REDACTION_EXPIRE_HOURS"):
        load_settings(env | {"WIKISTREAM_REDACTION_EXPIRE_HOURS": "a day"})
