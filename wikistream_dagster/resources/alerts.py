"""Alerts: a structured log line (and a file) locally, an SNS message on AWS."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import dagster as dg

log = logging.getLogger("wikistream.alerts")


class Alerter(dg.ConfigurableResource):
    """Interface: send one alert."""

    def alert(self, subject: str, message: str) -> None:
        raise NotImplementedError


class LogAlerter(Alerter):
    """Logs the alert and appends it to ``<state>/logs/alerts.jsonl``."""

    path: str

    def alert(self, subject: str, message: str) -> None:
        record = {"ts": time.time(), "subject": subject, "message": message}
        log.error("ALERT %s: %s", subject, message)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")


class SnsAlerter(Alerter):
    """Publishes to the alerts SNS topic created by Terraform (``monitoring`` module)."""

    topic_arn: str
    region: str
    endpoint_url: str | None = None

    def alert(self, subject: str, message: str) -> None:
        import boto3

        sns = boto3.client("sns", region_name=self.region, endpoint_url=self.endpoint_url)
        sns.publish(
            TopicArn=self.topic_arn, Subject=f"[wikistream] {subject}"[:100], Message=message
        )
