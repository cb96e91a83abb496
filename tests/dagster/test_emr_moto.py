"""The EMR Serverless path against moto's server (the one stand-in allowed: AWS itself).

The job is submitted with the expected request, its state is polled, the Pipes messages the job
wrote to CloudWatch come back as the materialization, and a FAILED job fails the asset with
EMR's reason.
"""

from __future__ import annotations

import dataclasses
import json
import time

import boto3
import dagster as dg
import pytest

from tests.aws_example import AWS, REGION, fake_credentials, moto_server
from wikistream_dagster.defs import medallion
from wikistream_dagster.defs.common import SILVER_KEY
from wikistream_dagster.resources.emr import EmrServerlessSparkRunner

JOB_ID = "00fjobrun0000001"


@pytest.fixture(scope="module")
def moto_url():
    with moto_server() as url:
        yield url


@pytest.fixture
def aws(moto_url, monkeypatch):
    fake_credentials(monkeypatch)
    import moto.emrserverless.models as emr_models

    monkeypatch.setattr(emr_models, "random_job_id", lambda: JOB_ID)
    emr = boto3.client("emr-serverless", region_name=REGION, endpoint_url=moto_url)
    app = emr.create_application(name="wikistream", releaseLabel="emr-7.5.0", type="SPARK")[
        "applicationId"
    ]
    # moto only accepts and returns "SPARK"; the real service answers "Spark", which is what
    # dagster-aws reads to find the driver's log stream.
    emr_models.emrserverless_backends["123456789012"][REGION].applications[app].type = "Spark"
    runner = EmrServerlessSparkRunner.from_settings(
        dataclasses.replace(AWS, emr_application_id=app), endpoint_url=moto_url, poll_interval=0.1
    )
    return runner, emr, boto3.client("logs", region_name=REGION, endpoint_url=moto_url), app


def _materialize_silver(runner: EmrServerlessSparkRunner, instance) -> dg.ExecuteInProcessResult:
    """Silver of one hour through the medallion op, on EMR Serverless (moto)."""
    return dg.materialize(
        [medallion.silver_checks_gold],
        selection=dg.AssetSelection.assets(SILVER_KEY).without_checks(),
        partition_key="2026-11-26-09:00",
        instance=instance,
        raise_on_error=False,
        resources={"spark": runner},
    )


def _pipes_lines(metadata: dict) -> list[str]:
    msg = lambda method, params: json.dumps(  # noqa: E731
        {"__dagster_pipes_version": "0.1", "method": method, "params": params}
    )
    return [
        msg("opened", {"extras": {}}),
        msg(
            "report_asset_materialization",
            {
                "asset_key": "silver/wiki_events_cleaned",
                "data_version": None,
                "metadata": {k: {"raw_value": v, "type": "__infer__"} for k, v in metadata.items()},
            },
        ),
        msg("closed", {}),
    ]


def test_job_submitted_polled_and_messages_read_back(aws):
    runner, emr, logs, app = aws
    logs.create_log_group(logGroupName=AWS.emr_log_group)
    stream = f"medallion/applications/{app}/jobs/{JOB_ID}/SPARK_DRIVER/stdout"
    logs.create_log_stream(logGroupName=AWS.emr_log_group, logStreamName=stream)
    logs.create_log_stream(logGroupName=AWS.emr_log_group, logStreamName=stream[:-6] + "stderr")
    now = int(time.time() * 1000) + 30_000  # the reader only reads events after it started
    logs.put_log_events(
        logGroupName=AWS.emr_log_group,
        logStreamName=stream,
        logEvents=[
            {"timestamp": now + i, "message": line}
            for i, line in enumerate(_pipes_lines({"rows_written": 1234}))
        ],
    )
    instance = dg.DagsterInstance.ephemeral()  # the result refers to it weakly
    result = _materialize_silver(runner, instance)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    mats = [
        e.event_specific_data.materialization for e in result.get_asset_materialization_events()
    ]
    assert mats[0].asset_key == SILVER_KEY and mats[0].metadata["rows_written"].value == 1234
    run = emr.get_job_run(applicationId=app, jobRunId=JOB_ID)["jobRun"]
    driver = run["jobDriver"]["sparkSubmit"]
    assert driver["entryPoint"].endswith("/spark_jobs/medallion_batch.py")
    args = driver["entryPointArguments"]
    assert args[args.index("--stages") + 1] == "silver,redact"
    assert args[-3:] == ["--hours", "2026-11-26T09", "--rebuild-silver"]
    assert "spark.sql.catalog.lake.warehouse=arn:aws:s3tables" in driver["sparkSubmitParameters"]
    cw = run["configurationOverrides"]["monitoringConfiguration"]
    assert cw["cloudWatchLoggingConfiguration"]["enabled"] is True


def test_failed_job_fails_the_asset_with_the_reason(aws, monkeypatch):
    runner, _emr, _logs, _app = aws
    import moto.emrserverless.models as emr_models

    original = emr_models.JobRun.__init__

    def failing(self, *a, **kw):
        original(self, *a, **kw)
        self.state, self.state_details = "FAILED", "Job failed: OutOfMemoryError on the driver"

    monkeypatch.setattr(emr_models.JobRun, "__init__", failing)
    instance = dg.DagsterInstance.ephemeral()  # the result refers to it weakly
    result = _materialize_silver(runner, instance)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    text = str(failure.event_specific_data.error)
    assert "FAILED" in text and "OutOfMemoryError on the driver" in text
