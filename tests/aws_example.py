"""One example of the ``aws`` deployment's settings (Terraform outputs), shared by the tests of
every side that reads them: the EMR request, the runner against moto, the package, the
definitions and the ECS task definitions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import free_port
from wikistream_dagster.config import AwsSettings

REGION = "eu-west-1"
AWS = AwsSettings(
    region=REGION,
    emr_application_id="00fabc123",
    emr_execution_role_arn="arn:aws:iam::123456789012:role/wikistream-emr-job",
    artifacts_bucket="wikistream-artifacts",
    table_bucket_arn="arn:aws:s3tables:eu-west-1:123456789012:bucket/wikistream",
    msk_bootstrap_servers="b-1.msk:9098",
    alerts_topic_arn="arn:aws:sns:eu-west-1:123456789012:wikistream-alerts",
    emr_log_group="/aws/emr-serverless/wikistream",
)
# The same settings as the variables the Dagster containers get.
AWS_ENV = {
    "WIKISTREAM_DEPLOYMENT": "aws",
    **{name: getattr(AWS, attr) for attr, name in AwsSettings.ENV.items()},
}


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
