"""``StreamingRunner``: keep the long-running bronze job alive, locally or on EMR Serverless.

No Dagster run waits on the stream: the bronze supervisor sensor calls ``status``, ``start`` and
``stop`` on each tick. Locally the job is a detached ``spark-submit`` tracked by a pid file in
the state directory; on AWS an EMR Serverless job run in STREAMING mode with a retry policy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import dagster as dg

from wikistream_dagster.resources.emr import EmrServerlessSparkRunner
from wikistream_dagster.resources.spark_runner import LocalSparkRunner

BRONZE_JOB_NAME = "wikistream-bronze"


@dataclass(frozen=True)
class StreamStatus:
    running: bool
    started_at: float | None = None  # epoch seconds
    handle: str | None = None  # pid or EMR job run id
    detail: str = ""


class StreamingRunner(dg.ConfigurableResource):
    """Interface of the bronze streaming job's lifecycle."""

    def status(self) -> StreamStatus:
        raise NotImplementedError

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> bool:
        raise NotImplementedError


class LocalStreamingRunner(StreamingRunner):
    """A detached ``spark-submit`` of ``bronze_stream.py``; survives Dagster restarts."""

    spark: LocalSparkRunner
    trigger_seconds: float = 30.0
    max_offsets_per_trigger: int = 50_000

    def _service(self):
        from wikistream_dagster.local.process import Service

        s = self.spark.settings()
        return Service("bronze-stream", s.run_dir, s.logs_dir)

    def status(self) -> StreamStatus:
        svc = self._service()
        pid = svc.pid()
        if pid is None:
            return StreamStatus(False, detail="no bronze process")
        return StreamStatus(
            True, svc.pid_file.stat().st_mtime, str(pid), f"pid {pid}, log {svc.log_file}"
        )

    def start(self) -> str:
        from wikistream_dagster.local import catalog, kafka, spark_submit

        s = self.spark.settings()
        jars = spark_submit.prepare(s)
        kafka.start(s)
        catalog.start(s)
        args = [
            "--trigger-seconds",
            str(self.trigger_seconds),
            "--max-offsets-per-trigger",
            str(self.max_offsets_per_trigger),
        ]
        cmd = spark_submit.spark_submit_command(s, "bronze", args, jars, self.spark.driver_memory)
        pid = self._service().start(cmd, env=spark_submit.spark_submit_env(s), cwd=s.root)
        return str(pid)

    def stop(self) -> bool:
        return self._service().stop(timeout=60)


class EmrStreamingRunner(StreamingRunner):
    """An EMR Serverless job run in STREAMING mode (EMR retries it up to 5 times an hour)."""

    spark: EmrServerlessSparkRunner

    def _emr(self):
        return self.spark._client("emr-serverless")

    def _active(self) -> list[dict]:
        runs = (
            self._emr()
            .list_job_runs(
                applicationId=self.spark.emr_application_id,
                states=["SUBMITTED", "PENDING", "SCHEDULED", "RUNNING"],
                mode="STREAMING",
            )
            .get("jobRuns", [])
        )
        return [r for r in runs if r.get("name") == BRONZE_JOB_NAME]

    def status(self) -> StreamStatus:
        active = self._active()
        if not active:
            return StreamStatus(False, detail="no active bronze job run")
        run = active[0]
        created = run.get("createdAt")
        return StreamStatus(
            True,
            created.timestamp() if created else None,
            run["id"],
            f"EMR job run {run['id']} {run.get('state')}",
        )

    def start(self) -> str:
        from wikistream_dagster.resources.emr import start_job_run_params

        params = start_job_run_params(
            "bronze",
            [],
            aws=self.spark.aws(),
            client_token=f"bronze-{int(time.time())}",
            mode="STREAMING",
        )
        return self._emr().start_job_run(**params)["jobRunId"]

    def stop(self) -> bool:
        active = self._active()
        for run in active:
            self._emr().cancel_job_run(
                applicationId=self.spark.emr_application_id, jobRunId=run["id"]
            )
        return bool(active)
