"""The AWS side of ``SparkJobRunner``: EMR Serverless through ``PipesEMRServerlessClient``.

``start_job_run_params`` is pure: the whole request (entry point, packed Python environment,
jars, S3 Tables catalog, driver/executor sizes, CloudWatch logging that Pipes reads, client
token) is built from settings and asserted on by tests; the runner only sends it. The sizes come
from ``wikistream_dagster/deployment/spark_sizing.json``, from which Terraform derives the
application's capacity.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from wikistream_dagster.aws.artifacts import EMR_JARS, ENV_ARCHIVE, JARS_DIR, JOBS_DIR
from wikistream_dagster.config import SPARK_ENV, AwsSettings
from wikistream_dagster.contracts.jobs import JOBS
from wikistream_dagster.deployment import spark_sizing
from wikistream_dagster.resources.spark_runner import SparkJobRunner, pipes_context
from wikistream_dagster.spark_jobs.catalog_conf import CatalogConfig, spark_conf


def code_prefix(aws: AwsSettings, version: str = "current") -> str:
    return f"s3://{aws.artifacts_bucket}/code/{version}"


def bronze_checkpoint(aws: AwsSettings) -> str:
    """Where the bronze stream keeps its checkpoint (the supervisor reads progress there)."""
    return f"s3://{aws.artifacts_bucket}/checkpoints/bronze"


def job_args(job: str, args: Sequence[str], aws: AwsSettings) -> list[str]:
    """Job arguments on AWS: the S3 Tables catalog, MSK with IAM and S3 checkpoints for bronze."""
    out = [
        "--catalog-kind",
        "s3tables",
        "--warehouse",
        aws.table_bucket_arn,
        "--region",
        aws.region,
    ]
    if job == "bronze":
        out += [
            "--bootstrap-servers",
            aws.msk_bootstrap_servers,
            "--checkpoint",
            bronze_checkpoint(aws),
            "--msk-iam",  # the job's one MSK IAM option set (spark_jobs/kafka_io.py)
        ]
    return out + list(args)


def start_job_run_params(
    job: str,
    args: Sequence[str],
    *,
    aws: AwsSettings,
    client_token: str,
    mode: str = "BATCH",
    version: str = "current",
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``emr-serverless:StartJobRun`` request for ``job``.

    Args:
        job: bronze, silver, quality, gold or maintenance.
        args: the job's own arguments (e.g. ``--hours 2026-11-26T09``).
        aws: the deployment's AWS settings (Terraform outputs).
        client_token: idempotency token; the Dagster run id, so a retried launch is one job.
        mode: ``BATCH``, or ``STREAMING`` for the long-running bronze job.
        version: which staged code version to run.
        tags: extra tags for the job run.
    """
    if job not in JOBS:
        raise ValueError(f"unknown Spark job {job!r}: use one of {', '.join(JOBS)}")
    if mode not in ("BATCH", "STREAMING"):
        raise ValueError(f"mode {mode!r}: use BATCH or STREAMING")
    prefix = code_prefix(aws, version)
    conf = spark_conf(
        CatalogConfig(kind="s3tables", warehouse=aws.table_bucket_arn, region=aws.region)
    )
    conf |= {
        "spark.archives": f"{prefix}/{ENV_ARCHIVE}#environment",
        "spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON": "./environment/bin/python",
        "spark.emr-serverless.driverEnv.PYSPARK_PYTHON": "./environment/bin/python",
        "spark.executorEnv.PYSPARK_PYTHON": "./environment/bin/python",
        **{f"spark.emr-serverless.driverEnv.{k}": v for k, v in SPARK_ENV.items()},
        "spark.jars": ",".join(f"{prefix}/{JARS_DIR}/{jar}" for jar in EMR_JARS),
        "spark.sql.shuffle.partitions": "16",
    }
    conf |= spark_sizing().spark_conf(job)
    if mode == "STREAMING":
        conf["spark.ui.retainedJobs"] = "100"
        conf["spark.sql.streaming.numRecentProgressUpdates"] = "20"
    submit = " ".join(f"--conf {k}={v}" for k, v in conf.items())
    params: dict[str, Any] = {
        "applicationId": aws.emr_application_id,
        "executionRoleArn": aws.emr_execution_role_arn,
        "clientToken": client_token,
        "name": f"wikistream-{job}",
        "mode": mode,
        "jobDriver": {
            "sparkSubmit": {
                "entryPoint": f"{prefix}/{JOBS_DIR}/{JOBS[job]}",
                "entryPointArguments": job_args(job, args, aws),
                "sparkSubmitParameters": submit,
            }
        },
        "configurationOverrides": {
            "monitoringConfiguration": {
                # Pipes reads the job's messages from CloudWatch: logging must stay on.
                "cloudWatchLoggingConfiguration": {
                    "enabled": True,
                    "logGroupName": aws.emr_log_group,
                    "logStreamNamePrefix": job,
                },
                "s3MonitoringConfiguration": {"logUri": f"s3://{aws.artifacts_bucket}/logs/emr/"},
            }
        },
        "tags": {"project": "wikistream", "job": job, **(tags or {})},
    }
    if mode == "STREAMING":
        params["retryPolicy"] = {"maxFailedAttemptsPerHour": 5}
    return params


class EmrServerlessSparkRunner(SparkJobRunner):
    """Submits jobs to the EMR Serverless application created by Terraform (``infra/``)."""

    # AwsSettings' fields, one by one (a resource's config is flat).
    region: str
    emr_application_id: str
    emr_execution_role_arn: str
    artifacts_bucket: str
    table_bucket_arn: str
    msk_bootstrap_servers: str
    emr_log_group: str
    alerts_topic_arn: str = ""
    endpoint_url: str | None = None  # moto's server in contract tests
    poll_interval: float = 10.0

    @classmethod
    def from_settings(cls, aws: AwsSettings, **kw: Any) -> EmrServerlessSparkRunner:
        return cls(**dataclasses.asdict(aws), **kw)

    def aws(self) -> AwsSettings:
        return AwsSettings(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(AwsSettings)}
        )

    def _client(self, service: str):
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)

    def pipes_client(self) -> dg.PipesClient:
        from dagster_aws.pipes import PipesCloudWatchMessageReader, PipesEMRServerlessClient

        class _Client(PipesEMRServerlessClient):
            """Remembers the job run id so a failure can be reported with EMR's reason."""

            job_run_id: str | None = None

            def _start(self, context, params):
                response = super()._start(context, params)
                self.job_run_id = response["jobRunId"]
                return response

        return _Client(
            client=self._client("emr-serverless"),
            message_reader=PipesCloudWatchMessageReader(client=self._client("logs")),
            poll_interval=self.poll_interval,
        )

    def run(self, context, job, args, extras=None):
        params = start_job_run_params(
            job,
            args,
            aws=self.aws(),
            client_token=context.run_id,
            tags={"dagster-run-id": context.run_id},
        )
        client = self.pipes_client()
        try:
            return client.run(
                context=pipes_context(context),
                start_job_run_params=params,
                extras=dict(extras or {}),
            )
        except Exception as exc:
            if client.job_run_id is None:
                raise
            run = self._client("emr-serverless").get_job_run(
                applicationId=self.emr_application_id, jobRunId=client.job_run_id
            )["jobRun"]
            if run["state"] == "SUCCESS":
                raise
            raise dg.Failure(
                description=f"EMR Serverless job run {client.job_run_id} ({job}) ended "
                f"{run['state']}: {run.get('stateDetails') or 'no details given'}",
                metadata={"job_run_id": client.job_run_id, "state": run["state"]},
            ) from exc
