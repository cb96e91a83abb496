"""Idempotent setup of the local stack: Java check, jar bundles from Maven Central."""

from __future__ import annotations

import logging

from wikistream_dagster.config import Settings
from wikistream_dagster.local import cds, maven, spark_jars, spark_submit
from wikistream_dagster.local.java import java_executable

log = logging.getLogger(__name__)


def ensure_all(settings: Settings) -> None:
    """Check Java 17 and Maven, fetch every jar bundle (cached after the first run), prepare
    the Spark JVMs' class-data-sharing archive."""
    java = java_executable()
    log.info("java ok", extra={"java": java})
    maven.mvn_executable()
    for bundle in (maven.KAFKA, *spark_jars.BUNDLES):
        maven.ensure_bundle(bundle, settings.jars_dir)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    # Once, here only: a job never pays for (or retries) a dump on its start-up path.
    cds.ensure_archive(settings, spark_submit.prepare(settings))
    log.info("setup complete", extra={"state_dir": str(settings.state_dir)})
