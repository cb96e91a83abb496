"""Builds the Definitions for the deployment chosen in ONE place (``config.load_settings``).

``dagster dev`` (via workspace.yaml) loads ``defs`` from here; tests call
``build_definitions(settings)`` with settings of their own.
"""

from __future__ import annotations

import dagster as dg

from wikistream_dagster.config import Settings, load_settings
from wikistream_dagster.defs import (
    automation,
    bronze,
    maintenance,
    medallion,
    redact,
    silver,
    sources,
)
from wikistream_dagster.resources import quarantine
from wikistream_dagster.resources.alerts import LogAlerter, SnsAlerter
from wikistream_dagster.resources.emr import EmrServerlessSparkRunner
from wikistream_dagster.resources.lake import KafkaOffsets, LakeReader, ProducerHealth
from wikistream_dagster.resources.metrics import CloudWatchMetrics, MetricsSink
from wikistream_dagster.resources.spark_runner import LocalSparkRunner
from wikistream_dagster.resources.streaming import EmrStreamingRunner, LocalStreamingRunner


def local_resources(s: Settings) -> dict:
    from wikistream_dagster.local.catalog import warehouse_uri

    spark = LocalSparkRunner.from_settings(s)
    return {
        "spark": spark,
        "streaming": LocalStreamingRunner(spark=spark, partition_start=str(s.partition_start)),
        "lake": LakeReader(kind="rest", uri=s.catalog_uri, warehouse=warehouse_uri(s)),
        "kafka": KafkaOffsets(bootstrap_servers=s.kafka_bootstrap),
        "alerter": LogAlerter(path=str(s.logs_dir / "alerts.jsonl")),
        "metrics": MetricsSink(),
        "producer": ProducerHealth(url=s.producer_health_url),
    }


def aws_resources(s: Settings) -> dict:
    a = s.aws
    spark = EmrServerlessSparkRunner.from_settings(a)
    return {
        "spark": spark,
        "streaming": EmrStreamingRunner(spark=spark, partition_start=str(s.partition_start)),
        "lake": LakeReader(kind="s3tables", warehouse=a.table_bucket_arn, region=a.region),
        "kafka": KafkaOffsets(bootstrap_servers=a.msk_bootstrap_servers, msk_iam_region=a.region),
        "alerter": SnsAlerter(topic_arn=a.alerts_topic_arn, region=a.region),
        "metrics": CloudWatchMetrics(region=a.region),
        "producer": ProducerHealth(),  # on ECS the producer's health goes to its load balancer
    }


def build_definitions(
    settings: Settings,
    resources: dict | None = None,
    held_hours: automation.HeldHours = quarantine.held_hours,
) -> dg.Definitions:
    """All WikiStream definitions with the resources of ``settings.deployment``.

    ``held_hours``: hours the medallion automation must not request (default: the hours with
    rows held in ``silver.quarantine``).
    """
    if resources is None:
        resources = (
            aws_resources(settings) if settings.deployment == "aws" else local_resources(settings)
        )
    # Eager: silver and gold follow bronze's commits (a sensor) instead of the 5-minute schedule.
    # Not Dagster's AutomationCondition.eager(): its runs target the latest hour partition only,
    # unpinned (silver would rebuild that hour from bronze and never move its pointer).
    return dg.Definitions.merge(
        sources.defs,
        bronze.build_defs(settings.autostart),
        silver.defs,
        medallion.defs,
        redact.defs,
        automation.build_defs(
            settings.autostart, eager=settings.automation == "eager", held_hours=held_hours
        ),
        maintenance.build_defs(settings.autostart, settings.redaction_expire_hours),
        dg.Definitions(resources=resources),
    )


defs = build_definitions(load_settings())
