"""The JVM jars the Spark jobs and the local Iceberg REST catalog need (Maven bundles).

pyspark already ships Spark, Scala and the Hadoop client, so every bundle excludes them: a second
copy on the classpath breaks Spark in confusing ways.
"""

from __future__ import annotations

from pathlib import Path

from wikistream_dagster.local.maven import Artifact, Bundle, ensure_bundle

ICEBERG_VERSION = "1.10.0"
SPARK_VERSION = "3.5.7"
DEEQU_VERSION = "2.0.7-spark-3.5"

_PROVIDED_BY_PYSPARK = (
    "org.apache.spark:*",
    "org.scala-lang:*",
    "org.scala-lang.modules:*",
    "org.apache.hadoop:*",
    "org.slf4j:*",
    "com.google.code.findbugs:*",
    "org.xerial.snappy:*",
    "org.lz4:*",
    "com.github.luben:*",
)

SPARK_BUNDLE = Bundle(
    "spark",
    (
        Artifact(
            "org.apache.spark",
            "spark-sql-kafka-0-10_2.12",
            SPARK_VERSION,
            exclusions=_PROVIDED_BY_PYSPARK,
            brings=(
                Artifact("org.apache.kafka", "kafka-clients", "3.4.1"),
                Artifact("org.apache.commons", "commons-pool2", "2.11.1"),
            ),
        ),
        # Brought in explicitly because the wildcard exclusion above also drops it.
        Artifact(
            "org.apache.spark",
            "spark-token-provider-kafka-0-10_2.12",
            SPARK_VERSION,
            transitive=False,
        ),
        Artifact(
            "org.apache.iceberg",
            "iceberg-spark-runtime-3.5_2.12",
            ICEBERG_VERSION,
            transitive=False,
        ),
        Artifact("com.amazon.deequ", "deequ", DEEQU_VERSION, transitive=False),
    ),
    notes="Kafka source, Iceberg runtime and Deequ for pyspark 3.5, about 50 MB",
)

CATALOG_BUNDLE = Bundle(
    "iceberg-rest",
    (
        # The runnable REST catalog server (RESTCatalogServer, Jetty, JDBC catalog): one fat jar.
        Artifact("org.apache.iceberg", "iceberg-open-api", ICEBERG_VERSION, transitive=False),
    ),
    notes="Iceberg REST catalog server (iceberg-open-api fat jar with Jetty and SQLite, 211 MB)",
)


def spark_jars(jars_dir: Path) -> list[Path]:
    """Fetch (once) and list the jars to pass to ``spark-submit --jars``."""
    return sorted(ensure_bundle(SPARK_BUNDLE, jars_dir).glob("*.jar"))


def catalog_jars(jars_dir: Path) -> list[Path]:
    """Fetch (once) and list the jars of the local Iceberg REST catalog server."""
    return sorted(ensure_bundle(CATALOG_BUNDLE, jars_dir).glob("*.jar"))


# What `./wikistream setup` fetches for the local stack (AWS jars are fetched only when needed).
BUNDLES: tuple[Bundle, ...] = (SPARK_BUNDLE, CATALOG_BUNDLE)
