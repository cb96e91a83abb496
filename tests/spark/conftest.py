"""One shared local Spark session for the Spark tests (the ``catalog`` fixture is shared, in
tests/conftest.py).

The session is configured for the catalog from the start but the catalog server only starts
when a test asks for ``lake`` (the REST client connects on first use of the catalog).
"""

from __future__ import annotations

import os

import pytest

from wikistream_dagster.local import catalog as catalog_service
from wikistream_dagster.local.spark_jars import spark_jars
from wikistream_dagster.spark_jobs.catalog_conf import CatalogConfig

os.environ.setdefault("SPARK_VERSION", "3.5")


@pytest.fixture(scope="session")
def spark(stack_settings):
    """A local[1] SparkSession with the ``lake`` catalog, small shuffles and no UI."""
    from wikistream_dagster.spark_jobs.session import build_session

    jars = ",".join(str(j) for j in spark_jars(stack_settings.jars_dir))
    cfg = CatalogConfig(
        uri=stack_settings.catalog_uri, warehouse=catalog_service.warehouse_uri(stack_settings)
    )
    session = build_session(
        "wikistream-tests",
        cfg,
        master="local[1]",
        conf={
            "spark.jars": jars,
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
            "spark.driver.memory": "1g",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.host": "127.0.0.1",
            "spark.sql.adaptive.enabled": "false",
        },
    )
    session.sparkContext.setLogLevel("WARN")
    yield session
    session.sparkContext._gateway.shutdown_callback_server()
    session.stop()


@pytest.fixture(scope="session")
def lake(spark, catalog):
    """The Spark session once the catalog server is up."""
    return spark


def reset_lake(spark) -> None:
    """Drop every WikiStream table, so a test module starts from an empty lake."""
    from wikistream_dagster.spark_jobs.tables import ALL_TABLES, qualified

    for table in ALL_TABLES:
        spark.sql(f"DROP TABLE IF EXISTS {qualified(table)} PURGE")
