"""``StreamingRunner``: keep the long-running bronze job alive, locally or on EMR Serverless.

No Dagster run waits on the stream: the bronze supervisor sensor calls ``status``, ``start`` and
``stop`` on each tick, and each returns quickly (a sensor tick must finish within Dagster's
sensor timeout, 60 s by default, ``DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS``): starting or stopping
is requested, and a later tick sees it done. Locally the job is a detached ``spark-submit``
under a lease (``local/bronze_control.py``); on AWS an EMR Serverless job run in STREAMING mode.
``progress`` and ``last_failure`` read the job's checkpoint (what bronze really processed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import dagster as dg

from wikistream_dagster.contracts.hours import PARTITION_START
from wikistream_dagster.resources.emr import EmrServerlessSparkRunner, bronze_checkpoint
from wikistream_dagster.resources.spark_runner import LocalSparkRunner
from wikistream_dagster.spark_jobs import checkpoint as ckpt

BRONZE_JOB_NAME = "wikistream-bronze"
# Every non-terminal EMR Serverless job run state (botocore's emr-serverless service model,
# JobRunState); a run in any of them may still write, so no second one may start.
EMR_ACTIVE_STATES = ("SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "QUEUED", "CANCELLING")


@dataclass(frozen=True)
class StreamStatus:
    running: bool
    started_at: float | None = None  # epoch seconds
    handle: str | None = None  # pid or EMR job run id
    detail: str = ""
    busy: bool = False  # a start or stop is under way: wait for it, do not act


class StreamingRunner(dg.ConfigurableResource):
    """Interface of the bronze streaming job's lifecycle."""

    # First hour partition (Settings.partition_start): bronze dead-letters earlier events.
    partition_start: str = PARTITION_START.isoformat()

    def status(self) -> StreamStatus:
        raise NotImplementedError

    def start(self, wait: bool = False) -> str:
        """Request a start (``wait``: finish it before returning); no-op if one is active."""
        raise NotImplementedError

    def stop(self, wait: bool = False) -> bool:
        """Request a stop; True if a job was active."""
        raise NotImplementedError

    def _checkpoint_io(self) -> tuple[Callable[[str], Iterable[str]], Callable[[str], str]]:
        raise NotImplementedError

    def progress(self) -> ckpt.CommittedBatch | None:
        """The newest batch the job committed (its end offsets), from the checkpoint."""
        return ckpt.latest_committed(*self._checkpoint_io())

    def last_failure(self) -> ckpt.BatchFailure | None:
        """The failure record the job wrote for its last failed batch, if any."""
        _names, read = self._checkpoint_io()
        try:
            return ckpt.BatchFailure.from_json(read(ckpt.FAILURE_FILE))
        except (OSError, KeyError, ValueError):
            return None


class LocalStreamingRunner(StreamingRunner):
    """A detached ``spark-submit`` of ``bronze_stream.py``; survives Dagster restarts."""

    spark: LocalSparkRunner
    trigger_seconds: float = 30.0
    max_offsets_per_trigger: int = 50_000

    def _job_args(self) -> list[str]:
        return [
            "--partition-start",
            self.partition_start,
            "--trigger-seconds",
            str(self.trigger_seconds),
            "--max-offsets-per-trigger",
            str(self.max_offsets_per_trigger),
        ]

    def status(self) -> StreamStatus:
        from wikistream_dagster.local import bronze_control as bc

        s = self.spark.settings()
        svc = bc.service(s)
        pid = svc.pid()
        busy = bc.busy(s)
        if pid is None:
            return StreamStatus(
                False,
                detail="bronze start/stop in progress" if busy else "no bronze process",
                busy=busy,
            )
        return StreamStatus(
            True, svc.pid_file.stat().st_mtime, str(pid), f"pid {pid}, log {svc.log_file}", busy
        )

    def start(self, wait: bool = False) -> str:
        from wikistream_dagster.local import bronze_control as bc

        s = self.spark.settings()
        if wait:
            return str(bc.start(s, self._job_args(), self.spark.driver_memory))
        pid = bc.spawn(s, "start", self._job_args(), self.spark.driver_memory)
        return f"start requested (control process {pid})"

    def stop(self, wait: bool = False) -> bool:
        from wikistream_dagster.local import bronze_control as bc

        s = self.spark.settings()
        if wait:
            return bc.stop(s)
        if bc.service(s).pid() is None:
            return False
        bc.spawn(s, "stop", [], self.spark.driver_memory)
        return True

    def _checkpoint_io(self):
        from wikistream_dagster.local.spark_submit import checkpoint_dir

        return ckpt.local_io(str(checkpoint_dir(self.spark.settings())))


class EmrStreamingRunner(StreamingRunner):
    """An EMR Serverless job run in STREAMING mode (EMR retries it up to 5 times an hour)."""

    spark: EmrServerlessSparkRunner

    def _emr(self):
        return self.spark._client("emr-serverless")

    def _active(self) -> list[dict]:
        pages = (
            self._emr()
            .get_paginator("list_job_runs")
            .paginate(
                applicationId=self.spark.emr_application_id,
                states=list(EMR_ACTIVE_STATES),
                mode="STREAMING",
            )
        )
        runs = [r for page in pages for r in page.get("jobRuns", [])]
        return [r for r in runs if r.get("name") == BRONZE_JOB_NAME]

    def status(self) -> StreamStatus:
        active = self._active()
        if not active:
            return StreamStatus(False, detail="no active bronze job run")
        run = active[0]
        created = run.get("createdAt")
        states = ", ".join(f"{r['id']} {r.get('state')}" for r in active)
        return StreamStatus(
            True,
            created.timestamp() if created else None,
            run["id"],
            f"EMR job runs: {states}",
            busy=any(r.get("state") == "CANCELLING" for r in active),
        )

    def start(self, wait: bool = False) -> str:
        """Start a run only when none is active (a cancelled one must reach CANCELLED first)."""
        from wikistream_dagster.resources.emr import start_job_run_params

        active = self._active()
        if active:
            return f"not started: job run {active[0]['id']} is {active[0].get('state')}"
        params = start_job_run_params(
            "bronze",
            ["--partition-start", self.partition_start],
            aws=self.spark.aws(),
            client_token=f"bronze-{int(time.time())}",
            mode="STREAMING",
        )
        return self._emr().start_job_run(**params)["jobRunId"]

    def stop(self, wait: bool = False) -> bool:
        active = self._active()
        for run in active:
            if run.get("state") != "CANCELLING":
                self._emr().cancel_job_run(
                    applicationId=self.spark.emr_application_id, jobRunId=run["id"]
                )
        return bool(active)

    def _checkpoint_io(self):
        bucket, _, prefix = bronze_checkpoint(self.spark.aws()).removeprefix("s3://").partition("/")
        s3 = self.spark._client("s3")

        def list_names(sub: str) -> list[str]:
            pages = s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=f"{prefix}/{sub}/"
            )
            return [o["Key"].rsplit("/", 1)[-1] for pg in pages for o in pg.get("Contents", [])]

        def read_text(rel: str) -> str:
            try:
                obj = s3.get_object(Bucket=bucket, Key=f"{prefix}/{rel}")
            except s3.exceptions.NoSuchKey as exc:
                raise OSError(f"s3://{bucket}/{prefix}/{rel} does not exist") from exc
            return obj["Body"].read().decode()

        return list_names, read_text
