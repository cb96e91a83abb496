"""Build the SparkSession every job uses: the ``lake`` Iceberg catalog, UTC, sized for 2 cores."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pyspark.sql import SparkSession

from wikistream_dagster.spark_jobs.catalog_conf import CATALOG, CatalogConfig, spark_conf

log = logging.getLogger(__name__)

# Bounded bookkeeping for a driver that may run for weeks (the bronze stream) on a small box.
BASE_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    "spark.sql.iceberg.check-ordering": "false",
    "spark.ui.retainedJobs": "50",
    "spark.ui.retainedStages": "50",
    "spark.ui.retainedTasks": "2000",
    "spark.sql.ui.retainedExecutions": "20",
    "spark.streaming.ui.retainedBatches": "50",
    "spark.sql.streaming.ui.retainedProgressUpdates": "50",
    "spark.sql.streaming.ui.retainedQueries": "5",
    "spark.sql.streaming.numRecentProgressUpdates": "20",
    "spark.sql.streaming.minBatchesToRetain": "20",
    "spark.cleaner.periodicGC.interval": "5min",
}


def build_session(
    app_name: str,
    catalog: CatalogConfig | None = None,
    conf: Mapping[str, str] | None = None,
    master: str | None = None,
) -> SparkSession:
    """Create (or reuse) the SparkSession with the ``lake`` catalog configured.

    Args:
        app_name: Spark application name (shown in logs and the UI).
        catalog: where the catalog lives; ``None`` keeps what spark-submit already configured.
        conf: extra Spark settings, applied last.
        master: e.g. ``local[2]``; ``None`` leaves it to spark-submit.

    Raises:
        ValueError: no catalog configuration anywhere (names what to set).
    """
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    settings = dict(BASE_CONF)
    if catalog is not None and (catalog.uri or catalog.kind != "rest"):
        settings |= spark_conf(catalog)
    settings |= dict(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    if not spark.conf.get(f"spark.sql.catalog.{CATALOG}", None):
        raise ValueError(
            f"Spark catalog '{CATALOG}' is not configured: pass --catalog-uri (local REST catalog) "
            "or spark-submit --conf spark.sql.catalog.lake.* (see spark_jobs/catalog_conf.py)"
        )
    for key, value in settings.items():  # getOrCreate() may return a session built earlier
        if spark.conf.isModifiable(key):
            spark.conf.set(key, value)
    log.info("spark session ready", extra={"app": app_name, "version": spark.version})
    return spark
