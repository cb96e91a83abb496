"""Shared fixtures: a real Kafka broker (and later catalog) in a temporary state directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wikistream_dagster.config import Settings, load_settings
from wikistream_dagster.local import catalog as catalog_service
from wikistream_dagster.local import kafka
from wikistream_dagster.local.process import free_port as free_port
from wikistream_dagster.local.process import on_free_ports

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory) -> Settings:
    """Settings for an isolated test stack: temp state dir, free ports, the shared jar cache."""
    state = tmp_path_factory.mktemp("state")
    checkout = load_settings({"WIKISTREAM_ROOT": str(ROOT)})
    env = {
        "WIKISTREAM_ROOT": str(ROOT),
        "WIKISTREAM_STATE_DIR": str(state),
        "WIKISTREAM_CACHE_DIR": os.environ.get("WIKISTREAM_CACHE_DIR", str(checkout.cache_dir)),
    }
    return on_free_ports(load_settings(env))


@pytest.fixture(scope="session")
def kafka_broker(stack_settings):
    """A real Kafka 3.9.1 broker (KRaft) for the whole session; returns its bootstrap string."""
    kafka.start(stack_settings)
    yield stack_settings.kafka_bootstrap
    kafka.stop(stack_settings)


@pytest.fixture(scope="session")
def catalog(stack_settings):
    """The local Iceberg REST catalog on a free port with the temp state dir; yields settings."""
    catalog_service.start(stack_settings)
    yield stack_settings
    catalog_service.stop(stack_settings)
