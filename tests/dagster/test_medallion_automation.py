"""The medallion automation asks for exactly the hours not in gold yet (issue #11 items 1, 2, 6):
failed hours come back, a late event costs only its own hour, hours outside the partitions or
held by the quarantine are skipped with a reason, and eager mode runs out of the box."""

from __future__ import annotations

import time

import dagster as dg
import pytest

from tests.dagster.fakes import (
    FakeLake,
    FakeSparkRunner,
    bronze_snapshot,
    gold_snapshot,
    silver_snapshot,
)
from wikistream_dagster.defs.automation import medallion_every_5_minutes
from wikistream_dagster.defs.common import GOLD_KEYS, table_name

GOLD = [table_name(k) for k in GOLD_KEYS]  # every gold table the automation waits for
NOW = time.time()


@pytest.fixture(scope="module")
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def schedule_tick(lake, instance):
    ctx = dg.build_schedule_context(instance=instance, resources={"lake": lake})
    return medallion_every_5_minutes(ctx)


def all_gold(*snaps):
    return {
        t: [dict(s, snapshot_id=s["snapshot_id"] * 10 + i) for s in snaps]
        for i, t in enumerate(GOLD)
    }


def lake_after_failed_gold(gold=None):
    """10:03 run: silver committed hours 09 and 10 (bronze 1..2), then gold failed."""
    return FakeLake(
        bronze=[
            bronze_snapshot(1, NOW - 400, "2026-11-26T09", {"0": [0, 5]}),
            bronze_snapshot(2, NOW - 350, "2026-11-26T09,2026-11-26T10", {"0": [5, 9]}),
        ],
        silver=[
            silver_snapshot(7, NOW - 1000, "2026-11-26T08", bronze_upto=None),
            silver_snapshot(8, NOW - 300, "2026-11-26T09,2026-11-26T10", bronze_upto=2),
        ],
        gold=gold or all_gold(gold_snapshot(5, NOW - 900, "2026-11-26T08", silver_read=7)),
    )


def test_hours_of_a_failed_gold_are_requested_again_by_the_next_tick(instance):
    """Failed on the code before: 'no new bronze data since silver's last run' (SkipReason)."""
    req = schedule_tick(lake_after_failed_gold(), instance)
    assert isinstance(req, dg.RunRequest), req
    assert req.tags["wikistream/hours"] == "2026-11-26T09,2026-11-26T10"
    assert req.tags["dagster/asset_partition_range_start"] == "2026-11-26-09:00"
    assert req.tags["dagster/asset_partition_range_end"] == "2026-11-26-10:00"
    # pinned to what silver already read: the run's silver step has nothing to do
    assert req.tags["wikistream/bronze_snapshot_end"] == "2"
    assert req.tags["wikistream/bronze_snapshot_start"] == "2"
    assert req.run_key is None  # a spent run key would stop the retry


def test_hours_are_pending_until_every_gold_table_has_them(instance):
    gold = all_gold(
        gold_snapshot(5, NOW - 900, "2026-11-26T08", silver_read=7),
        gold_snapshot(6, NOW - 200, "2026-11-26T09,2026-11-26T10", silver_read=8, settled=8),
    )
    assert isinstance(schedule_tick(lake_after_failed_gold(gold), instance), dg.SkipReason)
    gold["gold.editor_risk"].pop()  # its write failed, the three others committed
    req = schedule_tick(lake_after_failed_gold(gold), instance)
    assert req.tags["wikistream/hours"] == "2026-11-26T09,2026-11-26T10"


def test_a_late_event_costs_only_its_own_hour(instance, tmp_path):
    lake = FakeLake(
        bronze=[bronze_snapshot(3, NOW - 60, "2026-11-25T08,2026-11-26T10", {"0": [9, 12]})],
        silver=[silver_snapshot(8, NOW - 300, "2026-11-26T10", bronze_upto=None)],
        gold=all_gold(gold_snapshot(6, NOW - 200, "2026-11-26T10", silver_read=8, settled=8)),
    )
    req = schedule_tick(lake, instance)
    assert req.tags["wikistream/hours"] == "2026-11-25T08,2026-11-26T10"
    assert req.tags["wikistream/bronze_snapshot_end"] == "3"
    runner = FakeSparkRunner(log_path=str(tmp_path / "calls.jsonl"))
    from wikistream_dagster.defs import medallion

    result = dg.materialize(
        [medallion.silver_checks_gold],
        resources={"spark": runner},
        tags=req.tags,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    [call] = runner.calls()
    assert call["job"] == "medallion"
    assert call["args"] == [
        "--stages",
        "silver,redact,quality,gold",
        "--no-fail",
        "--hours",
        "2026-11-25T08,2026-11-26T10",
        "--silver-settled",
        "8",
    ]


def test_hours_outside_the_partitions_are_skipped_with_a_reason(instance):
    bronze = [bronze_snapshot(3, NOW - 60, "2001-01-15T03,2026-11-26T10,2999-01-01T00", {})]
    req = schedule_tick(FakeLake(bronze=bronze), instance)
    assert req.tags["wikistream/hours"] == "2026-11-26T10"
    assert req.tags["wikistream/skipped_hours"] == "2001-01-15T03,2999-01-01T00"
    only_old = schedule_tick(
        FakeLake(bronze=[bronze_snapshot(3, NOW, "2001-01-15T03", {})]), instance
    )
    assert isinstance(only_old, dg.SkipReason)
    assert "2001-01-15T03" in only_old.skip_message and "outside" in only_old.skip_message


def test_held_hours_are_not_requested_and_keep_the_settled_pointer_before_them(instance):
    from wikistream_dagster.defs.automation import make_trigger

    lake = FakeLake(
        bronze=[bronze_snapshot(2, NOW - 350, "2026-11-26T10", {})],
        silver=[
            silver_snapshot(7, NOW - 900, "2026-11-26T08", bronze_upto=1),
            silver_snapshot(8, NOW - 300, "2026-11-26T09", bronze_upto=1),
            silver_snapshot(9, NOW - 250, "2026-11-26T10", bronze_upto=2),
        ],
        gold=all_gold(gold_snapshot(5, NOW - 800, "2026-11-26T08", silver_read=7, settled=7)),
    )
    schedule = make_trigger("schedule", held_hours=lambda lake: {"2026-11-26T09"})
    ctx = dg.build_schedule_context(instance=instance, resources={"lake": lake})
    req = schedule(ctx)
    assert req.tags["wikistream/hours"] == "2026-11-26T10"
    assert req.tags["wikistream/held_hours"] == "2026-11-26T09"
    assert req.tags["wikistream/silver_settled"] == "7"  # not past the held hour's write
    free = make_trigger("schedule")(ctx)
    assert free.tags["wikistream/silver_settled"] == "9"
    only_held = make_trigger(
        "schedule", held_hours=lambda lake: {"2026-11-26T09", "2026-11-26T10"}
    )(ctx)
    assert isinstance(only_held, dg.SkipReason) and "held" in only_held.skip_message


def test_silver_writes_before_the_settled_pointer_are_not_read_again(instance):
    """Gold settled silver up to 8: older writes (even with no gold record left) are done."""
    lake = FakeLake(
        bronze=[bronze_snapshot(2, NOW - 350, "2026-11-26T09", {})],
        silver=[
            silver_snapshot(7, NOW - 900, "2026-11-20T08", bronze_upto=1),
            silver_snapshot(8, NOW - 300, "2026-11-26T09", bronze_upto=2),
        ],
        gold=all_gold(gold_snapshot(6, NOW - 200, "2026-11-26T09", silver_read=8, settled=8)),
    )
    assert isinstance(schedule_tick(lake, instance), dg.SkipReason)


def test_no_request_while_a_medallion_run_is_queued_or_running():
    from dagster._core.test_utils import create_run_for_test

    with dg.instance_for_test() as instance:
        create_run_for_test(instance, job_name="medallion", status=dg.DagsterRunStatus.STARTED)
        result = schedule_tick(lake_after_failed_gold(), instance)
    assert isinstance(result, dg.SkipReason) and "queued or running" in result.skip_message


def test_eager_sensor_runs_silver_and_gold_when_bronze_commits(tmp_path):
    """Eager mode: running from the start; a new bronze snapshot -> one medallion run for the
    hours it touched, which materializes silver, the checks and every gold table."""
    from wikistream_dagster.config import load_settings
    from wikistream_dagster.definitions import build_definitions, local_resources

    settings = load_settings(
        {"WIKISTREAM_STATE_DIR": str(tmp_path), "WIKISTREAM_AUTOMATION": "eager"}
    )
    runner = FakeSparkRunner(log_path=str(tmp_path / "calls.jsonl"))
    lake = FakeLake(
        silver=[silver_snapshot(8, NOW - 300, "2026-11-26T10", bronze_upto=1)],
        gold=all_gold(gold_snapshot(6, NOW - 200, "2026-11-26T10", silver_read=8, settled=8)),
    )
    resources = local_resources(settings) | {"spark": runner, "lake": lake}
    # The fake lake has no quarantine table: nothing held (the real hook reads silver.quarantine).
    repo = build_definitions(settings, resources=resources, held_hours=lambda lake: set())
    repo = repo.get_repository_def()
    sensor = repo.get_sensor_def("medallion_on_bronze")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    with dg.instance_for_test() as instance:
        quiet = sensor(dg.build_sensor_context(instance=instance, resources={"lake": lake}))
        assert isinstance(quiet, dg.SkipReason)  # nothing new in bronze, gold is current
        lake.tables["bronze.wiki_events"] = [
            bronze_snapshot(1, NOW - 400, "2026-11-26T10", {}),
            bronze_snapshot(2, NOW - 5, "2026-11-26T10,2026-11-26T11", {}),
        ]
        req = sensor(dg.build_sensor_context(instance=instance, resources={"lake": lake}))
        assert req.job_name in (None, "medallion") and sensor.job_name == "medallion"
        assert req.tags["wikistream/bronze_snapshot_end"] == "2"
        assert req.tags["wikistream/hours"] == "2026-11-26T10,2026-11-26T11"
        result = repo.get_job("medallion").execute_in_process(instance=instance, tags=req.tags)
    assert result.success
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"silver/wiki_events_cleaned", *(t.replace(".", "/") for t in GOLD)} <= done
    assert [c["job"] for c in runner.calls()] == ["medallion"]


def test_up_automation_eager_reaches_the_dagster_process(monkeypatch, tmp_path):
    """`./wikistream up --automation eager`: the Dagster process's settings say eager, so its
    definitions start the eager sensor."""
    from wikistream_dagster import cli
    from wikistream_dagster.config import load_settings
    from wikistream_dagster.local import dagster_home, stack

    seen = {}
    monkeypatch.setattr(stack, "up", lambda settings, **kw: seen.setdefault("s", settings) and 0)
    monkeypatch.setenv("WIKISTREAM_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("WIKISTREAM_AUTOMATION", raising=False)
    assert cli.main(["up", "--automation", "eager", "--no-dagster"]) == 0
    env = dagster_home.dev_env(seen["s"])
    assert load_settings(env).automation == "eager"
    seen.clear()
    cli.main(["up", "--no-dagster"])
    assert load_settings(dagster_home.dev_env(seen["s"])).automation == "schedule"
