"""``dagster dev`` for the local stack: DAGSTER_HOME in the state dir, bound to 127.0.0.1."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from wikistream_dagster.config import Settings, child_env


def prepare(settings: Settings) -> Path:
    """Create DAGSTER_HOME (<state>/dagster) with the project's dagster.yaml; return it."""
    home = settings.path("dagster")
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.root / "dagster.yaml", home / "dagster.yaml")
    return home


def dev_command(settings: Settings) -> list[str]:
    dagster = Path(sys.executable).with_name("dagster")
    return [
        str(dagster),
        "dev",
        "-w",
        str(settings.root / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(settings.dagster_port),
    ]


def dev_env(settings: Settings) -> dict[str, str]:
    """The environment of ``dagster dev``: the same settings this CLI runs with."""
    env = child_env()
    env.update(
        {
            "DAGSTER_HOME": str(prepare(settings)),
            "WIKISTREAM_ROOT": str(settings.root),
            "WIKISTREAM_STATE_DIR": str(settings.state_dir),
            "WIKISTREAM_CACHE_DIR": str(settings.cache_dir),
            "WIKISTREAM_KAFKA_PORT": str(settings.kafka_port),
            "WIKISTREAM_CATALOG_PORT": str(settings.catalog_port),
            "WIKISTREAM_DAGSTER_PORT": str(settings.dagster_port),
            "WIKISTREAM_PRODUCER_METRICS_PORT": str(settings.producer_metrics_port),
            "WIKISTREAM_AUTOMATION": settings.automation,
        }
    )
    return env
