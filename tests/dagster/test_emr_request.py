"""The EMR Serverless StartJobRun request, built by a pure function."""

import pytest

from tests.aws_example import AWS
from wikistream_dagster.contracts.jobs import JOBS
from wikistream_dagster.resources.emr import start_job_run_params
from wikistream_dagster.spark_jobs import bronze_stream, kafka_io


def _conf(params) -> dict:
    parts = params["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"].split("--conf ")
    return dict(p.strip().split("=", 1) for p in parts if p.strip())


def test_batch_request_for_silver():
    p = start_job_run_params(
        "silver", ["--hours", "2026-11-26T09"], aws=AWS, client_token="run-123"
    )
    assert p["applicationId"] == "00fabc123" and p["clientToken"] == "run-123"
    assert p["executionRoleArn"] == AWS.emr_execution_role_arn and p["mode"] == "BATCH"
    driver = p["jobDriver"]["sparkSubmit"]
    assert (
        driver["entryPoint"] == "s3://wikistream-artifacts/code/current/spark_jobs/silver_batch.py"
    )
    args = driver["entryPointArguments"]
    assert args[-2:] == ["--hours", "2026-11-26T09"]
    assert args[:6] == [
        "--catalog-kind",
        "s3tables",
        "--warehouse",
        AWS.table_bucket_arn,
        "--region",
        "eu-west-1",
    ]
    conf = _conf(p)
    assert conf["spark.sql.catalog.lake.type"] == "rest"
    assert conf["spark.sql.catalog.lake.warehouse"] == AWS.table_bucket_arn
    assert conf["spark.sql.catalog.lake.rest.signing-name"] == "s3tables"
    assert conf["spark.sql.catalog.lake.cache-enabled"] == "false"
    assert conf["spark.archives"].endswith("wikistream-venv.tar.gz#environment")
    assert "iceberg-aws-bundle-1.10.0.jar" in conf["spark.jars"]
    cw = p["configurationOverrides"]["monitoringConfiguration"]["cloudWatchLoggingConfiguration"]
    assert cw == {
        "enabled": True,
        "logGroupName": AWS.emr_log_group,
        "logStreamNamePrefix": "silver",
    }
    assert "retryPolicy" not in p


def test_streaming_request_for_bronze_uses_msk_iam_and_s3_checkpoints():
    p = start_job_run_params("bronze", [], aws=AWS, client_token="t", mode="STREAMING")
    args = p["jobDriver"]["sparkSubmit"]["entryPointArguments"]
    assert p["mode"] == "STREAMING" and p["retryPolicy"] == {"maxFailedAttemptsPerHour": 5}
    assert args[args.index("--bootstrap-servers") + 1] == "b-1.msk:9098"
    assert args[args.index("--checkpoint") + 1] == "s3://wikistream-artifacts/checkpoints/bronze"
    job = bronze_stream.arg_parser().parse_args(args)  # as the job reads them on EMR
    assert bronze_stream.kafka_options(job) == kafka_io.MSK_IAM_OPTIONS


@pytest.mark.parametrize("job, mode", [("platinum", "BATCH"), ("silver", "FOREVER")])
def test_bad_job_or_mode_is_refused(job, mode):
    with pytest.raises(ValueError):
        start_job_run_params(job, [], aws=AWS, client_token="t", mode=mode)


SIZE_KEYS = (
    "spark.driver.cores",
    "spark.driver.memory",
    "spark.executor.cores",
    "spark.executor.memory",
    "spark.dynamicAllocation.initialExecutors",
    "spark.dynamicAllocation.maxExecutors",
)


@pytest.mark.parametrize("job", sorted(JOBS))
def test_every_job_run_carries_its_sizes(job):
    """Without them EMR's defaults (4 vCPU / 16 GB workers, unbounded executors) apply and bronze
    alone takes the application's capacity (issue #13, item 3)."""
    mode = "STREAMING" if job == "bronze" else "BATCH"
    conf = _conf(start_job_run_params(job, [], aws=AWS, client_token="t", mode=mode))
    missing = [key for key in SIZE_KEYS if key not in conf]
    assert not missing, f"{job}: the request sets no {missing}"
    assert int(conf["spark.dynamicAllocation.maxExecutors"]) >= int(
        conf["spark.dynamicAllocation.initialExecutors"]
    )
    assert conf["spark.dynamicAllocation.enabled"] == "true"


def test_every_job_has_an_emr_size_and_nothing_else_does():
    """The sizes file and the job registry name the same jobs (a job without a size would fail
    only when EMR first runs it; a size without a job is a leftover)."""
    from wikistream_dagster.deployment import spark_sizing

    sizing = spark_sizing()
    assert set(sizing.jobs) == set(JOBS)
    assert {job for group in sizing.concurrency for job in group} == set(JOBS)
