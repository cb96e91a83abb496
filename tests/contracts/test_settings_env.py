"""Settings travel to child processes (dagster dev, spark-submit via the Spark runner, the bronze
control process) only as ``Settings.to_env()``, which ``load_settings`` reads back unchanged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from wikistream_dagster.config import AwsSettings, Settings, load_settings
from wikistream_dagster.local import dagster_home
from wikistream_dagster.resources.spark_runner import LocalSparkRunner

AWS_ENV = {name: f"value-of-{attr}" for attr, name in AwsSettings.ENV.items()}


def _every_setting_changed(tmp_path) -> Settings:
    """Settings whose every field (but ``kafka_heap_mb``) differs from its default."""
    return load_settings(
        {
            "WIKISTREAM_ROOT": str(tmp_path / "root"),
            "WIKISTREAM_STATE_DIR": str(tmp_path / "state"),
            "WIKISTREAM_CACHE_DIR": str(tmp_path / "cache"),
            "WIKISTREAM_DEPLOYMENT": "aws",
            "WIKISTREAM_KAFKA_PORT": "19092",
            "WIKISTREAM_KAFKA_CONTROLLER_PORT": "19093",
            "WIKISTREAM_CATALOG_PORT": "18181",
            "WIKISTREAM_REPLAY_PORT": "18765",
            "WIKISTREAM_PRODUCER_METRICS_PORT": "19108",
            "WIKISTREAM_DAGSTER_PORT": "13000",
            "WIKISTREAM_AUTOSTART": "false",
            "WIKISTREAM_AUTOMATION": "eager",
            "WIKISTREAM_PARTITION_START": "2020-01-02",
            "WIKISTREAM_REDACTION_EXPIRE_HOURS": "12",
            **AWS_ENV,
        }
    )


def test_every_field_is_changed_by_the_fixture(tmp_path):
    s, default = _every_setting_changed(tmp_path), Settings(Path(), Path(), Path())
    same = [f for f in Settings.__dataclass_fields__ if getattr(s, f) == getattr(default, f)]
    assert same == ["kafka_heap_mb"]
    assert s.partition_start == date(2020, 1, 2)


@pytest.mark.parametrize("deployment", ["local", "aws"])
def test_to_env_round_trips(tmp_path, deployment):
    s = _every_setting_changed(tmp_path)
    if deployment == "local":
        s = load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path)})
    assert load_settings(s.to_env()) == s


def test_dagster_dev_and_the_spark_runner_keep_every_setting(tmp_path):
    """The controller port (among others) used to be lost on the way to ``dagster dev``."""
    s = _every_setting_changed(tmp_path)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "dagster.yaml").write_text("{}\n")
    assert load_settings(dagster_home.dev_env(s)) == s
    assert LocalSparkRunner.from_settings(s).settings() == s
