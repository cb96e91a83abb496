"""The local Iceberg REST catalog keeps accepting concurrent commits across restarts."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pytest
from pyiceberg.catalog.rest import RestCatalog

from tests.conftest import free_port
from wikistream_dagster.local import catalog as catalog_service

pytestmark = pytest.mark.slow

WRITERS = 6
APPENDS = 4


def _concurrent_commits(settings, round_: int) -> list[str]:
    """WRITERS threads each create a table and append to it; returns the errors."""
    cat = RestCatalog(
        "t", uri=settings.catalog_uri, warehouse=catalog_service.warehouse_uri(settings)
    )
    if ("ns",) not in cat.list_namespaces():
        cat.create_namespace("ns")
    schema = pa.schema([("a", pa.int64())])
    errors: list[str] = []

    def write(i: int) -> None:
        try:
            table = cat.create_table(f"ns.r{round_}_w{i}", schema=schema)
            for k in range(APPENDS):
                table.append(pa.table({"a": [k]}))
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(f"writer {i}: {exc!r}"[:300])

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    return errors


def test_restarted_catalog_accepts_concurrent_commits(stack_settings, tmp_path):
    """Regression: Iceberg's JDBC catalog on SQLite with its default pool of two connections
    failed every concurrent commit after a restart on an existing database (SQLITE_BUSY,
    HTTP 500 "Unknown failure") until restarted again: the chaos run's catalog restart stopped
    every bronze commit for good."""
    settings = dataclasses.replace(
        stack_settings, state_dir=tmp_path / "state", catalog_port=free_port()
    )
    try:
        for round_ in range(3):  # a fresh database, then two restarts on the existing one
            catalog_service.start(settings)
            errors = _concurrent_commits(settings, round_)
            assert not errors, f"round {round_} (after {round_} restarts): {errors[:3]}"
            catalog_service.stop(settings)
    finally:
        catalog_service.stop(settings)
