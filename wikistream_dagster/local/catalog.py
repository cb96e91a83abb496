"""The local Iceberg REST catalog: Iceberg's own REST server over a SQLite file, on 127.0.0.1.

Every local process (Spark jobs, pyiceberg, DuckDB queries) talks to this one server, never to
the SQLite file: concurrent JDBC commits on SQLite fail with SQLITE_BUSY. AWS uses S3 Tables'
Iceberg REST endpoint instead, with the same table names.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from pathlib import Path

from wikistream_dagster.config import Settings
from wikistream_dagster.local.java import java_executable
from wikistream_dagster.local.process import Service, ServiceError, port_open
from wikistream_dagster.local.spark_jars import catalog_jars

log = logging.getLogger(__name__)

LAUNCHER = Path(__file__).with_name("Launcher.java")
HEAP = "-Xmx384m"
START_TIMEOUT_S = 90.0


def service(settings: Settings) -> Service:
    """The catalog server's pid/log bookkeeping."""
    return Service.of(settings, "iceberg-rest")


def warehouse_dir(settings: Settings) -> Path:
    """Where the local tables' data and metadata files live."""
    return settings.path("warehouse")


def warehouse_uri(settings: Settings) -> str:
    return warehouse_dir(settings).as_uri()


def database_file(settings: Settings) -> Path:
    return settings.path("catalog", "iceberg_catalog.db")


def command(settings: Settings, jar: Path) -> list[str]:
    """The ``java`` command line that runs :data:`LAUNCHER` from source (no build step)."""
    return [
        java_executable(),
        HEAP,
        "-XX:+UseSerialGC",
        "-cp",
        str(jar),
        str(LAUNCHER),
        str(settings.catalog_port),
        str(database_file(settings)),
        warehouse_uri(settings),
    ]


def ready(settings: Settings, timeout: float = 2.0) -> bool:
    """True when the server answers the REST ``GET /v1/config`` call."""
    try:
        with urllib.request.urlopen(f"{settings.catalog_uri}/v1/config", timeout=timeout) as resp:
            json.load(resp)
            return resp.status == 200
    except (OSError, ValueError, urllib.error.URLError):
        return False


def start(settings: Settings) -> dict:
    """Start the catalog unless it already runs; wait until it answers; return :func:`status`."""
    svc = service(settings)
    if svc.pid() is not None and ready(settings):
        log.info("catalog already running", extra={"uri": settings.catalog_uri})
        return status(settings)
    if svc.pid() is None and port_open("127.0.0.1", settings.catalog_port):
        raise ServiceError(
            f"port {settings.catalog_port} is taken by another process: stop it or set "
            "WIKISTREAM_CATALOG_PORT to a free port"
        )
    jar = next(j for j in catalog_jars(settings.jars_dir) if "iceberg-open-api" in j.name)
    warehouse_dir(settings).mkdir(parents=True, exist_ok=True)
    database_file(settings).parent.mkdir(parents=True, exist_ok=True)
    if svc.pid() is None:
        svc.start(command(settings, jar))
    svc.wait_port("127.0.0.1", settings.catalog_port, START_TIMEOUT_S)
    deadline = time.monotonic() + 30
    while not ready(settings):
        if time.monotonic() > deadline or svc.pid() is None:
            raise ServiceError(
                f"catalog on {settings.catalog_uri} does not answer /v1/config: read "
                f"{svc.log_file} (last lines: {svc.tail()})"
            )
        time.sleep(0.2)
    log.info("catalog ready", extra={"uri": settings.catalog_uri, "log": str(svc.log_file)})
    return status(settings)


def stop(settings: Settings) -> bool:
    """Stop the catalog server; True if one was running."""
    return service(settings).stop(timeout=20)


def status(settings: Settings) -> dict:
    """Whether the catalog runs, where, and where its files and log are."""
    svc = service(settings)
    pid = svc.pid()
    return {
        "service": "iceberg-rest-catalog",
        "running": pid is not None,
        "ready": pid is not None and ready(settings),
        "pid": pid,
        "uri": settings.catalog_uri,
        "warehouse": warehouse_uri(settings),
        "database": str(database_file(settings)),
        "log": str(svc.log_file),
    }
