"""One example of the ``aws`` deployment's settings (Terraform outputs), shared by the tests of
every side that reads them: the EMR request, the runner against moto, the package, the
definitions and the ECS task definitions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import free_port
from wikistream_dagster.config import load_settings

REGION = "eu-west-1"
# As the Dagster containers get them (Terraform's dagster_aws_env output)...
AWS_ENV = {
    "WIKISTREAM_DEPLOYMENT": "aws",
    "WIKISTREAM_AWS_REGION": REGION,
    "WIKISTREAM_EMR_APPLICATION_ID": "00fabc123",
    "WIKISTREAM_EMR_EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/wikistream-emr-job",
    "WIKISTREAM_ARTIFACTS_BUCKET": "wikistream-artifacts",
    "WIKISTREAM_TABLE_BUCKET_ARN": "arn:aws:s3tables:eu-west-1:123456789012:bucket/wikistream",
    "WIKISTREAM_MSK_BOOTSTRAP_SERVERS": "b-1.msk:9098",
    "WIKISTREAM_ALERTS_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:wikistream-alerts",
    "WIKISTREAM_EMR_LOG_GROUP": "/aws/emr-serverless/wikistream",
}
# ... and as the code reads them.
AWS = load_settings(AWS_ENV).aws


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 credentials for moto's server (which accepts any)."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server (the one stand-in allowed: AWS itself) on a free port; yields its URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
