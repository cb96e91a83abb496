"""The bronze stream on EMR Serverless against moto's server: which job run states count as
active (checked against botocore's service model), a restart that starts the new run only once
the old one is terminal, and progress and failures read from the S3 checkpoint."""

from __future__ import annotations

import itertools

import boto3
import botocore.loaders
import pytest

from tests.dagster.test_emr_moto import REGION, aws, moto_url  # noqa: F401 - fixtures
from wikistream_dagster.resources.streaming import EMR_ACTIVE_STATES, EmrStreamingRunner
from wikistream_dagster.spark_jobs.checkpoint import BatchFailure

TERMINAL = {"SUCCESS", "FAILED", "CANCELLED"}


def test_active_states_are_every_non_terminal_state_of_the_service_model():
    model = botocore.loaders.Loader().load_service_model("emr-serverless", "service-2")
    states = set(model["shapes"]["JobRunState"]["enum"])
    assert set(EMR_ACTIVE_STATES) == states - TERMINAL
    assert {"QUEUED", "CANCELLING"} <= set(EMR_ACTIVE_STATES)


@pytest.fixture
def stream(aws, monkeypatch):  # noqa: F811 - the imported fixture
    runner, _emr, _logs, app = aws
    import moto.emrserverless.models as emr_models

    ids = itertools.count(1)
    monkeypatch.setattr(emr_models, "random_job_id", lambda: f"00fbronze{next(ids):07d}")
    backend = emr_models.emrserverless_backends["123456789012"][REGION]

    def set_state(run_id: str, state: str) -> None:
        next(r for r in backend.job_runs[app] if r.id == run_id).state = state

    def cancelling(self, application_id, job_run_id):  # the real service cancels asynchronously
        set_state(job_run_id, "CANCELLING")
        return application_id, job_run_id

    monkeypatch.setattr(emr_models.EMRServerlessBackend, "cancel_job_run", cancelling)
    return EmrStreamingRunner(spark=runner), set_state, backend.job_runs.setdefault(app, [])


@pytest.mark.parametrize("state", sorted(set(EMR_ACTIVE_STATES) - {"CANCELLING"}))
def test_a_run_in_any_active_state_blocks_a_second_start(stream, state):
    streaming, set_state, runs = stream
    first = streaming.start()
    set_state(first, state)
    assert streaming.status().running
    assert "not started" in streaming.start()
    assert len(runs) == 1


def test_restart_cancels_and_starts_the_new_run_only_once_the_old_is_terminal(stream):
    streaming, set_state, runs = stream
    old = streaming.start()
    set_state(old, "RUNNING")
    assert streaming.stop() is True
    status = streaming.status()
    assert status.running and status.busy  # CANCELLING: still active, a stop under way
    assert "not started" in streaming.start() and len(runs) == 1
    assert streaming.stop() is True  # asking again does not cancel twice
    set_state(old, "CANCELLED")
    assert not streaming.status().running
    new = streaming.start()
    assert new != old and len(runs) == 2


def test_progress_and_failure_are_read_from_the_s3_checkpoint(stream, moto_url):  # noqa: F811
    streaming, _set_state, _runs = stream
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_url)
    bucket = streaming.spark.artifacts_bucket
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    base = "checkpoints/bronze"
    assert streaming.progress() is None and streaming.last_failure() is None
    meta = '{"batchWatermarkMs":0,"batchTimestampMs":1}'
    for n, end in ((3, 40), (4, 55)):
        s3.put_object(
            Bucket=bucket,
            Key=f"{base}/offsets/{n}",
            Body=f'v1\n{meta}\n{{"raw-events":{{"0":{end}}}}}',
        )
    s3.put_object(Bucket=bucket, Key=f"{base}/commits/3", Body='v1\n{"nextBatchWatermarkMs":0}')
    batch = streaming.progress()
    assert batch.batch_id == 3 and batch.topic("raw-events") == {"0": 40}
    failure = BatchFailure(4, {"raw-events": {"0": [40, 55]}}, "E", "catalog down", "t")
    s3.put_object(Bucket=bucket, Key=f"{base}/wikistream/last-failure.json", Body=failure.to_json())
    assert streaming.last_failure() == failure
