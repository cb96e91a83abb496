"""Operational metrics from Dagster: nothing extra locally, CloudWatch on AWS.

The bronze supervisor publishes ``BronzeKafkaLag`` and ``BronzeRowsAdded``, which the
Terraform monitoring module's dashboard and alarms read (namespace ``WikiStream``).
"""

from __future__ import annotations

import dagster as dg


class MetricsSink(dg.ConfigurableResource):
    """Interface: publish named values. Locally they are in the asset metadata already."""

    def publish(self, values: dict[str, float]) -> None:
        return None


class CloudWatchMetrics(MetricsSink):
    namespace: str = "WikiStream"
    region: str
    endpoint_url: str | None = None

    def publish(self, values: dict[str, float]) -> None:
        import boto3

        cw = boto3.client("cloudwatch", region_name=self.region, endpoint_url=self.endpoint_url)
        cw.put_metric_data(
            Namespace=self.namespace,
            MetricData=[
                {"MetricName": name, "Value": float(value), "Unit": "Count"}
                for name, value in values.items()
            ],
        )
