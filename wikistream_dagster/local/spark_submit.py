"""Run a Spark job locally with pyspark's own ``spark-submit`` (local[2], bounded memory).

``spark_submit_command`` and ``spark_submit_env`` are pure: Dagster's ``PipesSubprocessClient``
launches exactly the same command, ``run_job`` is the CLI's way (``./wikistream spark silver``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pyspark

from wikistream_dagster.config import SPARK_ENV, Settings, child_env
from wikistream_dagster.contracts.jobs import JOBS
from wikistream_dagster.local import catalog, cds
from wikistream_dagster.local.maven import ensure_bundle
from wikistream_dagster.local.spark_jars import SPARK_BUNDLE
from wikistream_dagster.spark_jobs.catalog_conf import CatalogConfig, spark_conf

log = logging.getLogger(__name__)

JOBS_DIR = Path(__file__).resolve().parent.parent / "spark_jobs"
LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.iceberg.name = org.apache.iceberg
logger.iceberg.level = warn
"""


def spark_submit_executable() -> Path:
    """pyspark's bundled ``spark-submit`` (no separate Spark install)."""
    return Path(pyspark.__file__).resolve().parent / "bin" / "spark-submit"


def checkpoint_dir(settings: Settings, name: str = "bronze") -> Path:
    return settings.path("checkpoints", name)


def log4j_file(settings: Settings) -> Path:
    return settings.path("spark", "log4j2.properties")


def _default_args(settings: Settings, job: str, args: Sequence[str]) -> list[str]:
    extra: list[str] = []
    if job == "bronze":
        if "--bootstrap-servers" not in args:
            extra += ["--bootstrap-servers", settings.kafka_bootstrap]
        if "--checkpoint" not in args:
            extra += ["--checkpoint", str(checkpoint_dir(settings))]
    return extra


def spark_submit_command(
    settings: Settings,
    job: str,
    args: Sequence[str] = (),
    jars: Sequence[Path] | None = None,
    driver_memory: str = "1g",
    master: str = "local[2]",
    script: Path | None = None,
    java_options: str | None = None,
) -> list[str]:
    """The ``spark-submit`` command line for ``job`` (one of :data:`JOBS`) against the local stack.

    Args:
        settings: where the catalog listens and the state directory is.
        job: bronze, silver, quality, gold or maintenance.
        args: the job's own arguments (``--hours 2018-03-07T16`` ...).
        jars: the jars for the driver's class path; default: the cached Spark bundle's
            (see ``run_job``).
        driver_memory: JVM heap of the driver (local mode runs everything in it).
        master: Spark master; two cores locally.
        script: run this script instead of the job's (the CDS workload).
        java_options: extra driver JVM options; default: map the class-data-sharing archive.
    """
    if script is None and job not in JOBS:
        raise ValueError(f"unknown Spark job {job!r}: use one of {', '.join(JOBS)}")
    if jars is None:
        jars = sorted((settings.jars_dir / SPARK_BUNDLE.name / "lib").glob("*.jar"))
    if java_options is None:
        java_options = cds.java_option(settings, jars)
    conf = spark_conf(
        CatalogConfig(uri=settings.catalog_uri, warehouse=catalog.warehouse_uri(settings))
    )
    conf |= {
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.warehouse.dir": str(settings.path("spark", "spark-warehouse")),
        "spark.driver.extraJavaOptions": f"-Dlog4j.configurationFile={log4j_file(settings)}"
        f" -XX:+UseG1GC {java_options}".rstrip(),
        "spark.local.dir": str(settings.path("spark", "tmp")),
    }
    cmd = [
        str(spark_submit_executable()),
        "--master",
        master,
        "--name",
        f"wikistream-{job}",
        "--driver-memory",
        driver_memory,
    ]
    if jars:  # local mode: driver and executor share one JVM, nothing to ship to executors
        cmd += ["--driver-class-path", os.pathsep.join(str(j) for j in jars)]
    for key, value in conf.items():
        cmd += ["--conf", f"{key}={value}"]
    cmd.append(str(script or JOBS_DIR / JOBS[job]))
    return cmd + _default_args(settings, job, args) + list(args)


def spark_submit_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the job: this Python for the driver, UTC, loopback, pydeequ's version."""
    env = child_env(base)
    env.update(
        {
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "SPARK_LOCAL_IP": "127.0.0.1",
            "TZ": "UTC",
            **SPARK_ENV,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(settings.root), env.get("PYTHONPATH", "")) if p
            ),
        }
    )
    env.pop("SPARK_HOME", None)  # a stray system Spark would shadow pyspark's jars
    return env


def prepare(settings: Settings) -> list[Path]:
    """Fetch the jars (cached) and write the log configuration; return the jars."""
    jars = sorted(ensure_bundle(SPARK_BUNDLE, settings.jars_dir).glob("*.jar"))
    log4j_file(settings).parent.mkdir(parents=True, exist_ok=True)
    log4j_file(settings).write_text(LOG4J2)
    settings.path("spark", "tmp").mkdir(parents=True, exist_ok=True)
    return jars


def run_job(
    settings: Settings,
    job: str,
    args: Sequence[str] = (),
    driver_memory: str = "1g",
    timeout: float | None = None,
) -> int:
    """Run ``job`` to completion with the catalog started; return spark-submit's exit code."""
    jars = prepare(settings)
    catalog.start(settings)
    cmd = spark_submit_command(settings, job, args, jars, driver_memory)
    log.info("spark-submit", extra={"job": job, "job_args": list(args)})
    return subprocess.run(
        cmd, env=spark_submit_env(settings), cwd=settings.root, timeout=timeout
    ).returncode
